"""Danish spreadsheet values: dates, ages, labels, and CSV files as Danish Excel writes them."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from marshmallow import ValidationError

from catalogue.danish import code_for, parse_age, parse_date
from catalogue.formats import read_text, write_offers
from catalogue.schemas import OfferSchema, flatten_errors
from catalogue.store import Store
from catalogue.taxonomy import ACCESSIBILITY
from tests.conftest import make_offer


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("31-12-2026", date(2026, 12, 31)),
        ("31.12.2026", date(2026, 12, 31)),
        ("31/12/2026", date(2026, 12, 31)),
        ("5. januar 2027", date(2027, 1, 5)),
        ("5 jan 2027", date(2027, 1, 5)),
        ("1. Marts 2027", date(2027, 3, 1)),
        ("03-04-2026", date(2026, 4, 3)),  # day-month-year, always
        ("2026-12-31", date(2026, 12, 31)),
    ],
)
def test_parse_date(text: str, day: date) -> None:
    assert parse_date(text) == day


@pytest.mark.parametrize("text", ["31-13-2026", "30. februar 2027", "12/31/2026", "næste tirsdag", "5. jamuar 2027"])
def test_parse_date_refuses_with_the_forms_that_work(text: str) -> None:
    with pytest.raises(ValueError, match="31-12-2026"):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "ages"),
    [
        ("60+", (60, None)),
        ("60 år og op", (60, None)),
        ("18-25", (18, 25)),
        ("18 til 25 år", (18, 25)),
        ("67", (67, None)),
    ],
)
def test_parse_age(text: str, ages: tuple[int, int | None]) -> None:
    assert parse_age(text) == ages


@pytest.mark.parametrize("text", ["tres", "25-18", "60-", "over 60"])
def test_parse_age_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="60"):
        parse_age(text)


def test_code_for_reads_codes_and_labels_only() -> None:
    assert code_for("Kørestolsegnet", ACCESSIBILITY) == "wheelchair"
    assert code_for("KOERESTOLSEGNET", ACCESSIBILITY) == "wheelchair"
    assert code_for("step_free", ACCESSIBILITY) == "step_free"
    assert code_for("kørestol", ACCESSIBILITY) is None  # a word, not a label: never guessed


def test_the_products_own_labels_load_as_codes() -> None:
    offer = OfferSchema().load(
        make_offer(
            kind="Foreningsaktivitet",
            categories=["Natur og friluftsliv", "Sang"],
            accessibility=["Kørestolsegnet", "Teleslynge"],
            group_size="Lille hold (højst 8)",
            status="Aktiv",
            organisation={"name": "Gåklubben", "type": "Forening"},
            newcomers_welcome="ja",
            transport_offered="Nej",
            cost={"options": [{"amount": "2.400", "per": "pr. år"}]},
            age_min="60+",
            last_verified="1. september 2026",
            schedule={"slots": [], "valid_from": "05-01-2027", "valid_to": "10.12.2027"},
        )
    )
    assert (offer["kind"], offer["categories"], offer["accessibility"]) == (
        "activity",
        ["natur", "sang"],
        ["hearing_loop", "wheelchair"],
    )
    assert (offer["group_size"], offer["status"], offer["organisation"]["type"]) == ("small", "active", "association")
    assert (offer["newcomers_welcome"], offer["transport_offered"]) == (True, False)
    assert offer["cost"]["options"][0]["amount"] == 2400.0 and offer["cost"]["options"][0]["per"] == "år"
    assert (offer["age_min"], offer["age_max"]) == (60, None)
    assert offer["last_verified"] == date(2026, 9, 1)
    assert (offer["schedule"]["valid_from"], offer["schedule"]["valid_to"]) == (date(2027, 1, 5), date(2027, 12, 10))
    ranged = OfferSchema().load(make_offer(age_min="18-25"))
    assert (ranged["age_min"], ranged["age_max"]) == (18, 25)


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"last_verified": "31-13-2026"}, "last_verified", "31-12-2026"),
        ({"schedule": {"slots": [], "valid_to": "næste år"}}, "schedule.valid_to", "5. januar 2027"),
        ({"age_min": "omkring 60"}, "age_min", "'60+'"),
        ({"age_min": "18-25", "age_max": 30}, "age_max", "ikke sige noget andet"),
        ({"kind": "Forening"}, "kind", "Must be one of"),  # an organisation type is no offer kind
        ({"categories": ["Naturen"]}, "categories", "Unknown category: Naturen"),
    ],
)
def test_what_cannot_be_read_is_refused_naming_the_field(overrides: dict[str, Any], field: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as exc:
        OfferSchema().load(make_offer(**overrides))
    errors = flatten_errors(exc.value.messages)
    assert field in errors, errors
    assert fragment in " ".join(errors[field])


def test_csv_as_danish_excel_saves_it(sqlite_store: Store) -> None:
    text = (
        "\ufeffsep=;\r\n"
        "id;kind;title;organisation.name;organisation.type;categories;location.town;cost.amount_dkk;cost.per;"
        "age_min;accessibility;last_verified;newcomers_welcome\r\n"
        "k1;Foreningsaktivitet;Seniorkor;Grenå Kor;Forening;Sang, Musik;Grenå;2.400;år;60+;Kørestolsegnet;"
        "1. september 2026;ja\r\n"
        "k2;Frivillig indsats;Besøgsven;Røde Kors;Frivilliggruppe;Samtale og samvær;Auning;Gratis;;18-25;;31.10.2026;nej\r\n"
    )
    parsed = read_text(text, "csv")
    assert [r.line for r in parsed.records] == [3, 4]  # the sep= line counts
    report = sqlite_store.import_offers(parsed.records, actor="t")
    assert report.committed, report.to_dict()
    k1, k2 = sqlite_store.get_offer("k1"), sqlite_store.get_offer("k2")
    assert (k1["kind"], k1["categories"], k1["organisation"]["type"]) == ("activity", ["sang", "musik"], "association")
    assert k1["cost"]["options"] == [{"amount": 2400.0, "currency": "DKK", "per": "år", "text": None}]
    assert (k1["age_min"], k1["accessibility"], k1["last_verified"]) == (60, ["wheelchair"], date(2026, 9, 1))
    assert (k2["kind"], k2["age_min"], k2["age_max"]) == ("volunteer_service", 18, 25)
    assert k2["cost"]["options"] == [{"amount": 0.0, "currency": "DKK", "per": "gang", "text": None}]
    buf = io.StringIO()
    write_offers(sqlite_store.iter_offers(), "csv", buf)
    exported = buf.getvalue()
    assert exported.startswith("\ufeffid;kind;title;") and "æ" not in exported.split("\r\n")[0]
    again = sqlite_store.import_offers(read_text(exported, "csv").records, actor="t")
    assert again.ok and again.unchanged == 2, again.to_dict()


def test_an_unreadable_danish_value_does_not_hide_the_other_fields_errors() -> None:
    from catalogue.schemas import OfferSchema
    from tests.conftest import make_offer

    bad = make_offer(age_min="tres", last_verified="31-02-2026")
    bad["location"] = {**bad["location"], "postcode": "12"}
    with pytest.raises(ValidationError) as exc:
        OfferSchema().load(bad)
    errors = exc.value.messages
    assert isinstance(errors, dict)
    assert {"age_min", "last_verified", "location"} <= set(errors), errors
    assert "tres" in errors["age_min"][0]
