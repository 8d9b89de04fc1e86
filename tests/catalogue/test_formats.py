"""Native file formats: parsing, spreadsheet conventions, malformed files."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from marshmallow import ValidationError

from catalogue.costs import monthly_cost
from catalogue.errors import FileFormatError
from catalogue.fileformats import read_any
from catalogue.formats import CSV_COLUMNS, neutralise_cell, parse_slots, read_text, restore_cell, write_offers
from catalogue.schemas import OfferSchema
from catalogue.store import Store
from tests.conftest import make_offer


def test_json_list_and_object_forms() -> None:
    as_list = read_text(json.dumps([make_offer("a")]), "json")
    as_obj = read_text(json.dumps({"offers": [make_offer("a")], "categories": {"fiskeri": "Fiskeri"}}), "json")
    assert as_list.records[0].data == as_obj.records[0].data
    assert as_obj.categories == {"fiskeri": "Fiskeri"}


def test_jsonl_keeps_line_numbers_and_skips_blank_lines() -> None:
    text = json.dumps(make_offer("a")) + "\n\n" + json.dumps(make_offer("b")) + "\n"
    parsed = read_text(text, "jsonl")
    assert [r.line for r in parsed.records] == [1, 3]


@pytest.mark.parametrize(
    ("text", "fmt", "fragment"),
    [
        ('[{"id": "a",}]', "json", "line 1, column"),
        ('{"items": []}', "json", '"offers" list'),
        ('{"id": "a"}\n{"id": ', "jsonl", "Line 2"),
        ("", "csv", "empty"),
        ("title;kind\nx;activity\n", "csv", "lacks column(s) id"),
        ("id,title,colour\na,b,red\n", "csv", "Unknown CSV column(s): colour"),
        ("id,title\na,b,c\n", "csv", "more cells than the header"),
    ],
)
def test_malformed_files_give_one_clear_error(text: str, fmt: str, fragment: str) -> None:
    with pytest.raises(FileFormatError, match=None) as exc:
        read_text(text, fmt)
    assert fragment in str(exc.value)


def test_non_utf8_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tilbud.csv"
    path.write_bytes("id;title\na;Sang for ældre\n".encode("cp1252"))
    with pytest.raises(FileFormatError, match="not UTF-8"):
        read_any(path)


def test_unknown_extension_needs_a_format(tmp_path: Path) -> None:
    path = tmp_path / "tilbud.txt"
    path.write_text("[]")
    with pytest.raises(FileFormatError, match="give the format"):
        read_any(path)


def test_danish_excel_csv(tmp_path: Path) -> None:
    """Semicolons, a byte-order mark, ja/nej, a decimal comma, schedules in words."""
    header = "id;kind;title;organisation.name;categories;location.town;schedule;cost.amount_dkk;cost.per;newcomers_welcome;places_total"
    row = 'k1;activity;Strikkecafé;Strikkeklubben;kreativ, samtale;Grenå;"tirsdag 10-12; tor kl. 19.00-21.30";12,5;gang;ja;'
    path = tmp_path / "tilbud.csv"
    path.write_bytes(("\ufeff" + header + "\n" + row + "\n").encode("utf-8"))
    parsed = read_any(path)
    record = parsed.records[0]
    assert record.line == 2
    offer = OfferSchema().load(dict(record.data))
    assert offer["categories"] == ["kreativ", "samtale"]
    assert offer["schedule"]["slots"] == [
        {"weekday": 2, "start": "10:00", "end": "12:00"},
        {"weekday": 4, "start": "19:00", "end": "21:30"},
    ]
    assert offer["cost"] == {"options": [{"amount": 12.5, "currency": "DKK", "per": "gang", "text": None}]}
    assert offer["newcomers_welcome"] is True and offer["places_total"] is None
    assert offer["location"]["postcode"] == "8500"


def test_unreadable_schedule_is_reported_on_the_field() -> None:
    assert parse_slots("hver anden tirsdag") == "hver anden tirsdag"
    text = "id,kind,title,organisation.name,categories,location.town,schedule\na,activity,T,O,sang,Grenaa,hver anden tirsdag\n"
    record = read_text(text, "csv").records[0]
    with pytest.raises(Exception) as exc:
        OfferSchema().load(dict(record.data))
    assert "schedule" in exc.value.messages  # type: ignore[attr-defined]


def test_bad_cells_are_left_for_validation_to_name() -> None:
    text = "id,kind,title,organisation.name,categories,location.town,age_min,newcomers_welcome\na,activity,T,O,sang,Grenaa,tres,måske\n"
    data = read_text(text, "csv").records[0].data
    assert data["age_min"] == "tres" and data["newcomers_welcome"] == "måske"


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_export_then_import_changes_nothing(sqlite_store: Store, fmt: str) -> None:
    offers = [
        make_offer("a"),
        make_offer("b", location={"online": True}, schedule={"slots": []}, contact={"email": "a@b.example"}),
        make_offer("c", cost={"amount_dkk": 0, "per": "gang"}, accessibility=[], waitlist=3, places_available=0),
        make_offer("d", cost="1.800 kr/år (medlemskab); 10 kr/gang (kaffe); 2,50 EUR/uge"),
        make_offer("e", cost=None),  # price not known
        make_offer("f", audience=["seniors", "condition:dementia", "relatives"]),
    ]
    assert sqlite_store.import_offers(offers, actor="x").committed
    buf = io.StringIO()
    assert write_offers(sqlite_store.iter_offers(), fmt, buf) == 6
    parsed = read_text(buf.getvalue(), fmt)
    report = sqlite_store.import_offers(parsed.records, actor="y")
    assert report.ok and report.unchanged == 6, report.to_dict()
    assert sqlite_store.get_offer("f")["audience"] == [
        "condition:dementia",
        "people_with_condition",
        "relatives",
        "seniors",
    ]


CSV_HEAD = "id;kind;title;organisation.name;categories;location.town"


def _csv_cost(columns: str, cells: str) -> Any:
    text = f"{CSV_HEAD};{columns}\nk1;activity;Strik;Strikkeklubben;kreativ;Grenaa;{cells}\n"
    return OfferSchema().load(dict(read_text(text, "csv").records[0].data))["cost"]


@pytest.mark.parametrize(
    ("columns", "cells", "monthly"),
    [
        ("cost.amount_dkk;cost.per", "2.400;år", 200.0),  # Danish thousands: 2,400 kr. a year, not 2.4
        ("cost.amount_dkk;cost.per", "1.250,50;halvår", 208.42),
        ("cost", '"600 kr/år; 15 kr/gang (kaffe)"', 110.0),
        ("cost", "1.800 kr. om året + 10 kr. pr. gang", 190.0),
        ("cost", "20 EUR/gang", None),  # another currency: unknown, never free
        ("cost;cost.amount_dkk", ";", None),  # nothing stated: unknown
    ],
)
def test_csv_prices(columns: str, cells: str, monthly: float | None) -> None:
    assert monthly_cost(_csv_cost(columns, cells)) == monthly


@pytest.mark.parametrize(
    ("columns", "cells", "fragment"),
    [
        ("cost.amount_dkk;cost.per", "2.4;år", "Ambiguous number"),
        ("cost.amount_dkk;cost.per", "1,250;år", "Ambiguous number"),
        ("cost", '"600 kr/år; 15 kr/fortnight"', "Unknown period"),
        ("cost;cost.amount_dkk;cost.per", "600 kr/år;600;år", "not both"),
    ],
)
def test_csv_prices_that_cannot_be_read_are_refused(columns: str, cells: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as exc:
        _csv_cost(columns, cells)
    assert fragment in json.dumps(exc.value.messages, ensure_ascii=False)


def test_csv_header_is_stable() -> None:
    buf = io.StringIO()
    write_offers([], "csv", buf)
    assert buf.getvalue().strip().split(",") == CSV_COLUMNS


FORMULAS = ['=HYPERLINK("http://x.example")', "+45 86 30 00 00", "-2+3", "@SUM(A1)", "'=1+1", "''-x"]


@pytest.mark.parametrize("text", [*FORMULAS, "\tx", "\rx", "Kor", "'citat'", "", "'"])
def test_neutralised_cells_never_start_a_formula_and_restore(text: str) -> None:
    cell = neutralise_cell(text)
    assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r")
    assert restore_cell(cell) == text
    assert (cell == text) == (text.lstrip("'")[:1] not in ("=", "+", "-", "@", "\t", "\r") or text == "")


def test_csv_export_neutralises_formulas_and_reimports_them(sqlite_store: Store) -> None:
    offer = make_offer(
        "f",
        title=FORMULAS[0],
        description=FORMULAS[5],
        organisation={"id": "org-f", "name": FORMULAS[3], "type": "association"},
        location={"address": FORMULAS[2], "town": "Grenaa"},
        contact={"name": FORMULAS[4], "phone": FORMULAS[1]},
    )
    assert sqlite_store.import_offers([offer], actor="x").committed
    buf = io.StringIO()
    write_offers(sqlite_store.iter_offers(), "csv", buf)
    cells = [cell for row in csv.reader(io.StringIO(buf.getvalue())) for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "'+45 86 30 00 00" in cells and "''=1+1" in cells
    record = read_text(buf.getvalue(), "csv").records[0].data
    assert record["title"] == FORMULAS[0] and record["contact"]["phone"] == FORMULAS[1]
    report = sqlite_store.import_offers(read_text(buf.getvalue(), "csv").records, actor="y")
    assert report.ok and report.unchanged == 1, report.to_dict()
