"""Filter masks over the embedded engine's columns, held to :func:`indexer.filters.matches`."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import numpy as np
import pytest

from catalogue.geo import haversine_km
from indexer.documents import SearchDocument
from indexer.embedded_mask import Columns, filter_mask, geo_mask, to_number
from indexer.filters import GeoDistance, Not, Range, SearchFilter, Term, matches
from tests.indexer.conformance import DIM, FILTERS, GRENAA, corpus


def _rows(docs: list[SearchDocument]) -> list[tuple[str, bytes]]:
    return [(json.dumps(d.to_source()), np.asarray(d.embedding, np.float32).tobytes()) for d in docs]


@pytest.fixture(scope="module")
def docs() -> list[SearchDocument]:
    return corpus(150)  # more than the first capacity (64), so the columns grow while placing


@pytest.fixture
def cols(docs: list[SearchDocument]) -> Columns:
    cols = Columns(DIM)
    for start in range(0, len(docs), 40):  # several batches: growth keeps what was placed before
        cols.place(_rows(docs[start : start + 40]))
    return cols


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_mask_agrees_with_the_reference_meaning(cols: Columns, docs: list[SearchDocument], name: str) -> None:
    got = {cols.ids[i] for i in np.flatnonzero(filter_mask(cols, FILTERS[name]))}
    assert got == {d.id for d in docs if matches(FILTERS[name], d)}


def test_rows_and_vectors_are_placed_in_order(cols: Columns, docs: list[SearchDocument]) -> None:
    assert cols.n == len(docs) and cols.capacity >= len(docs)
    assert cols.ids == [d.id for d in docs]
    np.testing.assert_array_equal(cols.matrix[7], docs[7].embedding)


def test_replacing_a_document_keeps_its_row_and_forgets_old_values(cols: Columns, docs: list[SearchDocument]) -> None:
    doc = docs[0]
    assert "sang" in doc.categories
    changed = dataclasses.replace(doc, categories=["vand"], town="Anholt")
    assert cols.place(_rows([changed])) == [0]
    assert cols.n == len(docs)
    sang = filter_mask(cols, SearchFilter.of(Term("categories", ("sang",))))
    anholt = filter_mask(cols, SearchFilter.of(Term("town", ("Anholt",))))
    assert not sang[0] and anholt[0]


def test_dropped_documents_match_nothing(cols: Columns, docs: list[SearchDocument]) -> None:
    assert cols.drop(docs[3].id)
    assert not cols.drop("never-placed")
    assert not filter_mask(cols, None)[3]
    assert not filter_mask(cols, SearchFilter.of(Not(Term("id", ("nobody",)))))[3]
    assert int(filter_mask(cols, None).sum()) == len(docs) - 1


def test_unknown_keyword_value_matches_nothing(cols: Columns) -> None:
    assert not filter_mask(cols, SearchFilter.of(Term("town", ("Atlantis",)))).any()


def test_date_range_compares_by_day(cols: Columns, docs: list[SearchDocument]) -> None:
    flt = SearchFilter.of(Range("last_verified", gte="2025-11-01", lte="2025-11-01T23:59:00"))
    got = {cols.ids[i] for i in np.flatnonzero(filter_mask(cols, flt))}
    assert got == {d.id for d in docs if d.last_verified == "2025-11-01"} != set()


def test_geo_mask_keeps_exactly_the_points_within_the_radius() -> None:
    lat0, lon0 = GRENAA
    rng = np.random.default_rng(1)
    lat = lat0 + rng.uniform(-0.3, 0.3, 2000)
    lon = lon0 + rng.uniform(-0.5, 0.5, 2000)
    lat[:5] = np.nan  # no location: never within any radius
    got = geo_mask(lat, lon, GeoDistance(lat0, lon0, 12.5))
    expected = [not np.isnan(a) and haversine_km(lat0, lon0, a, b) <= 12.5 for a, b in zip(lat, lon, strict=True)]
    assert got.tolist() == expected
    assert 0 < got.sum() < 2000


def test_geo_mask_near_the_pole_does_not_cut_the_box_short() -> None:
    lat = np.array([89.5, 89.9, 80.0])
    lon = np.array([-170.0, 100.0, 10.0])
    got = geo_mask(lat, lon, GeoDistance(89.9, 10.0, 100.0))
    assert got.tolist() == [True, True, False]


def test_geo_mask_across_the_antimeridian() -> None:
    lat = np.array([-17.0, -17.0, -17.0])
    lon = np.array([-179.9, 179.9, 170.0])
    got = geo_mask(lat, lon, GeoDistance(-17.0, 179.95, 50.0))
    assert got.tolist() == [True, True, False]


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (None, "int", float("nan")),
        ("2026-03-01", "date", float(date(2026, 3, 1).toordinal())),
        ("2026-03-01T18:00:00+01:00", "date", float(date(2026, 3, 1).toordinal())),
        (date(2026, 3, 1), "date", float(date(2026, 3, 1).toordinal())),
        (True, "bool", 1.0),
        (False, "bool", 0.0),
        (12, "float", 12.0),
    ],
)
def test_to_number(value: object, kind: str, expected: float) -> None:
    np.testing.assert_equal(to_number(value, kind), expected)
