"""Schedules through the store and every native and HSDS file: nothing is lost."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest

from catalogue.fileformats import EXPORT_FORMATS, read_any, write_any
from catalogue.formats import read_text
from catalogue.store import Store
from tests.conftest import make_offer

SUFFIX = {"json": ".json", "jsonl": ".jsonl", "csv": ".csv", "hsds": ".hsds.json"}

MONTHLY = {
    "slots": [{"weekday": 2, "start": "19:00", "end": "21:00", "freq": "MONTHLY", "nth": 1, "note": "i salen"}],
    "exception_months": [7],
}
FORTNIGHTLY = {
    "slots": [
        {"weekday": 3, "start": "14:00", "end": "16:00", "interval": 2, "dtstart": "2026-12-02"},
        {"weekday": 5, "start": "10:00", "end": "12:00", "freq": "MONTHLY", "nth": -1},
    ],
    "exception_periods": [{"from": "2026-12-20", "to": "2027-01-03"}],
}
DATED = {
    "slots": [
        {"weekday": 4, "start": "10:00", "end": "12:00", "dtstart": "2027-01-05", "until": "2027-06-10"},
        {"weekday": 1, "start": "10:00", "end": "11:00", "dtstart": "2027-01-04", "count": 8},
        {"weekday": 2, "start": "10:00", "end": "12:00", "byweekno": [2, 4, 6, 8]},
        {"weekday": None, "start": "10:00", "end": "12:00", "freq": "MONTHLY", "bymonthday": [15]},
    ],
    "valid_from": "2027-01-01",
    "valid_to": "2027-06-30",
}
OFFERS = [
    make_offer("monthly", schedule=MONTHLY),
    make_offer("fortnightly", schedule=FORTNIGHTLY),
    make_offer("dated", schedule=DATED),
    make_offer("aftale", schedule={"state": "by_arrangement"}),
    make_offer("ukendt", schedule={"state": "unknown", "valid_to": "2027-06-30"}),
]


def test_the_store_keeps_the_whole_schedule(sqlite_store: Store) -> None:
    assert sqlite_store.import_offers(OFFERS, actor="x").committed
    monthly = sqlite_store.get_offer("monthly")["schedule"]
    assert monthly == {
        "state": "slots",
        "slots": [{"weekday": 2, "start": "19:00", "end": "21:00", "freq": "MONTHLY", "nth": 1, "note": "i salen"}],
        "valid_from": None,
        "valid_to": None,
        "exception_months": [7],
        "exception_periods": [],
    }
    dated = sqlite_store.get_offer("dated")["schedule"]["slots"]
    assert dated[0]["freq"] == "MONTHLY" and dated[0]["weekday"] is None
    assert {"dtstart": date(2027, 1, 4), "count": 8}.items() <= dated[1].items()
    fortnightly = sqlite_store.get_offer("fortnightly")["schedule"]
    assert fortnightly["exception_periods"] == [{"from": date(2026, 12, 20), "to": date(2027, 1, 3)}]
    assert sqlite_store.get_offer("aftale")["schedule"]["state"] == "by_arrangement"
    assert sqlite_store.get_offer("ukendt")["schedule"]["state"] == "unknown"


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_export_then_import_changes_nothing(sqlite_store: Store, tmp_path: Path, fmt: str) -> None:
    assert sqlite_store.import_offers(OFFERS, actor="x").committed
    path = tmp_path / f"export{SUFFIX[fmt]}"
    with path.open("w", encoding="utf-8", newline="") as out:
        write_any(sqlite_store.iter_offers(), fmt, out, categories=sqlite_store.categories())
    parsed = read_any(path, fmt if fmt == "hsds" else None, known_categories=sqlite_store.categories())
    assert parsed.meta.get("warnings", []) == []
    report = sqlite_store.import_offers(parsed.records, actor="y", categories=parsed.categories)
    assert report.committed and report.unchanged == len(OFFERS), report.to_dict()


HEADER = "id;kind;title;organisation.name;categories;location.town;schedule\n"


def csv_import(store: Store, cell: str) -> tuple[object, dict[str, object] | None]:
    text = HEADER + f'k1;activity;Strik;Strikkeklubben;kreativ;Grenå;"{cell}"\n'
    report = store.import_offers(read_text(text, "csv").records, actor="csv")
    return report, (store.get_offer("k1")["schedule"] if report.committed else None)  # type: ignore[return-value]


def test_csv_efter_aftale_is_by_arrangement_without_slots(sqlite_store: Store) -> None:
    _, schedule = csv_import(sqlite_store, "efter aftale")
    assert schedule is not None and (schedule["state"], schedule["slots"]) == ("by_arrangement", [])


def test_csv_two_days_are_two_slots(sqlite_store: Store) -> None:
    _, schedule = csv_import(sqlite_store, "tirsdag og torsdag 10-12")
    assert schedule is not None and schedule["slots"] == [
        {"weekday": 2, "start": "10:00", "end": "12:00"},
        {"weekday": 4, "start": "10:00", "end": "12:00"},
    ]


def test_csv_empty_cell_is_unknown(sqlite_store: Store) -> None:
    _, schedule = csv_import(sqlite_store, "")
    assert schedule is not None and schedule["state"] == "unknown"


def test_csv_unreadable_cell_is_refused_naming_schedule_in_danish(sqlite_store: Store) -> None:
    report, _ = csv_import(sqlite_store, "om formiddagen når vejret er godt")
    rejection = report.to_dict()["rejected"][0]  # type: ignore[attr-defined]
    assert list(rejection["errors"]) == ["schedule"]
    message = rejection["errors"]["schedule"][0]
    assert message.startswith('Kan ikke læse tidspunktet "om formiddagen når vejret er godt"')
    assert "Skriv fx" in message and "Not a valid list" not in message


def test_csv_season_without_times_is_unknown() -> None:
    text = "id;title;schedule;schedule.valid_to\nk1;T;;2027-06-30\n"
    assert read_text(text, "csv").records[0].data["schedule"] == {"state": "unknown", "valid_to": "2027-06-30"}


def test_csv_writes_the_danish_phrase() -> None:
    from catalogue.formats import write_offers
    from catalogue.schemas import OfferSchema, canonical_offer

    buf = io.StringIO()
    offers = [canonical_offer(OfferSchema().load(o)) for o in OFFERS[:1]]
    write_offers([{**o, "organisation": {**o["organisation"]}} for o in offers], "csv", buf)
    assert "første tirsdag i måneden kl. 19–21 (i salen); sommerpause i juli" in buf.getvalue()


def test_hsds_datapackage_round_trip(sqlite_store: Store, tmp_path: Path) -> None:
    from catalogue.hsds import write_datapackage

    assert sqlite_store.import_offers(OFFERS, actor="x").committed
    folder = tmp_path / "pakke"
    write_datapackage(list(sqlite_store.iter_offers()), sqlite_store.categories(), folder)
    parsed = read_any(folder, known_categories=sqlite_store.categories())
    assert parsed.meta.get("warnings", []) == []
    report = sqlite_store.import_offers(parsed.records, actor="y", categories=parsed.categories)
    assert report.committed and report.unchanged == len(OFFERS), report.to_dict()
