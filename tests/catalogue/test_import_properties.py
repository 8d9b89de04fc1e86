"""Property tests (hypothesis): random and malformed files never crash an import, never write part of one.

The only error a reader may raise is ``FileFormatError`` (the file as a whole
cannot be read); an import of whatever it read returns a report. A report that
is not committed leaves the store exactly as it was (all or nothing).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

import migrations
from catalogue.errors import FileFormatError
from catalogue.formats import CSV_COLUMNS, ParsedFile, read_text
from catalogue.hsds import read_hsds_json
from catalogue.models import AuditEvent, Category, Offer, Organisation
from catalogue.store import Store
from tests.conftest import make_offer

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)

#: Values of every JSON type, nested a little; text includes NUL, surrogates, formulas and Danish letters.
_TEXT = st.text(max_size=30) | st.sampled_from(["", " ", "ja", "nej", "Gratis", "2.400", "60+", "=1+1", "Ørum", "æøå"])
_SCALARS = st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=True) | _TEXT
_VALUES = st.recursive(
    _SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3), max_leaves=8
)
_OFFER_KEYS = [k for k in make_offer() if k != "id"] + ["audience", "other_locations", "nonsense"]


@st.composite
def offer_records(draw: st.DrawFn) -> dict[str, Any]:
    """A valid offer with some fields replaced by random values (or dropped)."""
    record: dict[str, Any] = make_offer(draw(st.sampled_from(["p1", "p2", "p3"])))
    for key in draw(st.lists(st.sampled_from(_OFFER_KEYS), max_size=4, unique=True)):
        if draw(st.booleans()):
            record[key] = draw(_VALUES)
        else:
            record.pop(key, None)
    return record


@st.composite
def csv_files(draw: st.DrawFn) -> str:
    columns = ["id", "title", *draw(st.lists(st.sampled_from(CSV_COLUMNS), max_size=8, unique=True))]
    columns = list(dict.fromkeys(columns))
    delimiter = draw(st.sampled_from([";", ",", "\t"]))
    cell = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=20) | _TEXT
    rows = draw(st.lists(st.lists(cell, min_size=len(columns), max_size=len(columns) + 1), max_size=4))

    def quote(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if draw(st.booleans()) else value

    head = draw(st.sampled_from(["", "\ufeff", "sep=;\n", "\ufeffsep=,\n"]))
    lines = [delimiter.join(columns), *(delimiter.join(quote(c) for c in row) for row in rows)]
    return head + "\n".join(lines) + draw(st.sampled_from(["", "\n", "\r\n"]))


_HSDS_KEYS = [
    "id",
    "name",
    "description",
    "status",
    "organization",
    "service_at_locations",
    "schedules",
    "cost_options",
    "fees_description",
    "languages",
    "attributes",
    "minimum_age",
    "maximum_age",
    "capacities",
    "assured_date",
]


@st.composite
def hsds_services(draw: st.DrawFn) -> Any:
    service: dict[str, Any] = {
        "id": draw(st.sampled_from(["s-1", "s-2"])),
        "name": "Syng med",
        "organization": {"name": "Koret"},
        "service_at_locations": [{"location": {"addresses": [{"city": "Grenaa", "postal_code": "8500"}]}}],
        "attributes": [{"taxonomy_term": {"name": "Sang"}}],
    }
    for key in draw(st.lists(st.sampled_from(_HSDS_KEYS), max_size=4, unique=True)):
        service[key] = draw(_VALUES)
    return service


@pytest.fixture(scope="module")
def prop_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = Store(f"sqlite:///{Path(tmp_path_factory.mktemp('props')) / 'store.sqlite'}")
    migrations.upgrade(store)
    yield store
    store.close()


def _state(store: Store) -> tuple[int, ...]:
    with store.read() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Offer, Organisation, AuditEvent, Category)
        )


def _import_all_or_nothing(store: Store, read: Any) -> None:
    try:
        parsed: ParsedFile = read()
    except FileFormatError:
        return  # the documented refusal of a whole file
    before = _state(store)
    report = store.import_offers(parsed.records, actor="props", categories=parsed.categories)
    after = _state(store)
    if report.committed:
        assert report.rejected_total == 0
    else:
        assert report.rejected_total > 0 and after == before, report.to_dict()


@SETTINGS
@given(records=st.lists(offer_records(), max_size=4))
def test_random_json_records(prop_store: Store, records: list[dict[str, Any]]) -> None:
    text = json.dumps(records, ensure_ascii=False, default=str)
    _import_all_or_nothing(prop_store, lambda: read_text(text, "json"))


@SETTINGS
@given(text=st.text(max_size=200) | st.builds(json.dumps, _VALUES))
def test_malformed_json_files(prop_store: Store, text: str) -> None:
    for fmt in ("json", "jsonl"):
        _import_all_or_nothing(prop_store, lambda fmt=fmt: read_text(text, fmt))


@SETTINGS
@given(text=csv_files() | st.text(max_size=200))
def test_random_csv_files(prop_store: Store, text: str) -> None:
    _import_all_or_nothing(prop_store, lambda: read_text(text, "csv"))


@SETTINGS
@given(doc=st.lists(hsds_services(), max_size=3) | hsds_services() | _VALUES)
def test_random_hsds_services(prop_store: Store, doc: Any) -> None:
    text = json.dumps(doc, ensure_ascii=False, default=str)
    _import_all_or_nothing(prop_store, lambda: read_hsds_json(text))
    _import_all_or_nothing(prop_store, lambda: read_hsds_json(text.encode("utf-8", "surrogatepass")))


def test_a_file_with_one_bad_record_writes_nothing(prop_store: Store) -> None:
    before = _state(prop_store)
    report = prop_store.import_offers([make_offer("good-1"), make_offer("bad-1", age_min="tres")], actor="props")
    assert not report.committed and report.rejected_total == 1
    assert _state(prop_store) == before
