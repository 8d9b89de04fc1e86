"""The Elasticsearch request bodies, as exact dicts (no server needed)."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pytest

from catalogue.schemas import OfferSchema
from indexer.analysis import analyze
from indexer.documents import SearchDocument, build_document
from indexer.es_queries import (
    MATCH_NONE,
    bulk_actions,
    compile_filter,
    delete_actions,
    document_source,
    filtered_by_id_query,
    knn_query,
    lexical_query,
    num_candidates,
    stored_document,
)
from indexer.filters import AnyOf, Flag, GeoDistance, InvalidFilterError, Not, Range, SearchFilter, Term
from tests.conftest import make_offer


def doc(offer_id: str = "t-1", **overrides: object) -> SearchDocument:
    return build_document(OfferSchema().load(make_offer(offer_id, **overrides)))


# -- filters ------------------------------------------------------------------------


def test_empty_and_missing_filter() -> None:
    assert compile_filter(None) == []
    assert compile_filter(SearchFilter()) == []


def test_term_flag_range() -> None:
    flt = SearchFilter.of(
        Term("kind", ("activity", "municipal_service")),
        Term("categories", ("musik",)),
        Flag("wheelchair"),
        Flag("online", False),
        Range("age_min", lte=17),
        Range("monthly_cost", gte=0, lte=99.5),
    )
    assert compile_filter(flt) == [
        {"terms": {"kind": ["activity", "municipal_service"]}},
        {"terms": {"categories": ["musik"]}},
        {"term": {"wheelchair": True}},
        {"term": {"online": False}},
        {"range": {"age_min": {"lte": 17}}},
        {"range": {"monthly_cost": {"gte": 0.0, "lte": 99.5}}},
    ]


def test_number_types_of_range_bounds() -> None:
    [clause] = compile_filter(SearchFilter.of(Range("monthly_cost", gte=10)))
    assert type(clause["range"]["monthly_cost"]["gte"]) is float
    # Integer fields get integers: x >= 2.5 is x >= 3, x <= 2.5 is x <= 2.
    assert compile_filter(SearchFilter.of(Range("age_max", gte=2.5, lte="7.5"))) == [
        {"range": {"age_max": {"gte": 3, "lte": 7}}}
    ]
    [clause] = compile_filter(SearchFilter.of(Range("age_max", gte=4.0)))
    assert clause == {"range": {"age_max": {"gte": 4}}} and type(clause["range"]["age_max"]["gte"]) is int


def test_infinite_bounds() -> None:
    assert compile_filter(SearchFilter.of(Range("monthly_cost", gte=float("-inf")))) == [
        {"exists": {"field": "monthly_cost"}}
    ]
    assert compile_filter(SearchFilter.of(Range("monthly_cost", lte=float("-inf")))) == [MATCH_NONE]
    assert compile_filter(SearchFilter.of(Range("age_min", gte=1, lte=float("inf")))) == [
        {"range": {"age_min": {"gte": 1}}}
    ]


def test_date_range_compares_by_day() -> None:
    flt = SearchFilter.of(
        Range("last_verified", gte="2026-01-01"),
        Range("last_verified", gte=date(2025, 3, 4), lte=datetime(2026, 9, 1, 23, 59)),  # type: ignore[arg-type]
        Range("last_verified", lte="2026-09-01T12:00:00+02:00"),
    )
    assert compile_filter(flt) == [
        {"range": {"last_verified": {"gte": "2026-01-01"}}},
        {"range": {"last_verified": {"gte": "2025-03-04", "lte": "2026-09-01"}}},
        {"range": {"last_verified": {"lte": "2026-09-01"}}},
    ]


def test_bad_range_bounds_are_invalid_filters() -> None:
    with pytest.raises(InvalidFilterError):
        compile_filter(SearchFilter.of(Range("last_verified", gte="last tuesday")))
    with pytest.raises(InvalidFilterError):
        compile_filter(SearchFilter.of(Range("age_min", gte="many")))
    with pytest.raises(InvalidFilterError):
        compile_filter(SearchFilter.of(Range("monthly_cost", gte=float("nan"))))


def test_geo_distance() -> None:
    assert compile_filter(SearchFilter.of(GeoDistance(56.4153, 10.877, 2.5), GeoDistance(56, 10, 10))) == [
        {"geo_distance": {"distance": "2.5km", "location": {"lat": 56.4153, "lon": 10.877}}},
        {"geo_distance": {"distance": "10km", "location": {"lat": 56.0, "lon": 10.0}}},
    ]
    [clause] = compile_filter(SearchFilter.of(GeoDistance(0, 0, 1e-7)))
    assert clause["geo_distance"]["distance"] == "0.0000001km"
    assert compile_filter(SearchFilter.of(GeoDistance(0, 0, float("inf")))) == [{"exists": {"field": "location"}}]


def test_nested_any_of_and_not() -> None:
    flt = SearchFilter.of(
        AnyOf((Flag("online"), GeoDistance(56.4, 10.9, 15))),
        Not(Range("places_available", gte=1)),
        Not(AnyOf((Term("status", ("ended",)), Not(Flag("has_places"))))),
    )
    assert compile_filter(flt) == [
        {
            "bool": {
                "should": [
                    {"term": {"online": True}},
                    {"geo_distance": {"distance": "15km", "location": {"lat": 56.4, "lon": 10.9}}},
                ],
                "minimum_should_match": 1,
            }
        },
        {"bool": {"must_not": [{"range": {"places_available": {"gte": 1}}}]}},
        {
            "bool": {
                "must_not": [
                    {
                        "bool": {
                            "should": [
                                {"terms": {"status": ["ended"]}},
                                {"bool": {"must_not": [{"term": {"has_places": True}}]}},
                            ],
                            "minimum_should_match": 1,
                        }
                    }
                ]
            }
        },
    ]


def test_term_values_follow_the_reference_meaning() -> None:
    # Integer lists take ints (and integer strings); keyword fields take strings.
    assert compile_filter(SearchFilter.of(Term("weekdays", (2, "3", 2.0, "x", 1.5, True)))) == [
        {"terms": {"weekdays": [2, 3]}}
    ]
    assert compile_filter(SearchFilter.of(Term("categories", (5,)))) == [MATCH_NONE]
    # None on a scalar keyword field means "the field is missing".
    assert compile_filter(SearchFilter.of(Term("town", (None,)))) == [
        {"bool": {"must_not": [{"exists": {"field": "town"}}]}}
    ]
    assert compile_filter(SearchFilter.of(Term("town", ("Grenaa", None)))) == [
        {
            "bool": {
                "should": [{"terms": {"town": ["Grenaa"]}}, {"bool": {"must_not": [{"exists": {"field": "town"}}]}}],
                "minimum_should_match": 1,
            }
        }
    ]


# -- searches -----------------------------------------------------------------------


def test_lexical_query() -> None:
    assert lexical_query("kor i Grenaa", SearchFilter.of(Flag("wheelchair")), 25) == {
        "query": {
            "bool": {
                "must": [{"match": {"terms": {"query": "kor grenaa", "operator": "or"}}}],
                "filter": [{"term": {"wheelchair": True}}],
            }
        },
        "size": 25,
        "_source": False,
        "sort": [{"_score": {"order": "desc"}}, {"id": {"order": "asc"}}],
        "track_total_hits": False,
    }
    assert lexical_query("kor", None, 1)["query"]["bool"]["filter"] == []
    # The query is analysed here, as in the embedded engine: compounds split, garden kept from sea.
    assert (
        lexical_query("Mandskor", None, 1)["query"]["bool"]["must"][0]["match"]["terms"]["query"] == "mandskor mand kor"
    )
    assert lexical_query("sin have", None, 1)["query"]["bool"]["must"][0]["match"]["terms"]["query"] == "have"


def test_knn_query() -> None:
    vector = np.array([0.6, 0.8, 0.0], dtype=np.float32)
    body = knn_query(vector, SearchFilter.of(Term("area", ("mainland",))), 5, 100)
    assert body == {
        "knn": {
            "field": "embedding",
            "query_vector": [float(np.float32(0.6)), float(np.float32(0.8)), 0.0],
            "k": 5,
            "num_candidates": 100,
            "filter": [{"terms": {"area": ["mainland"]}}],
        },
        "size": 5,
        "_source": False,
        "track_total_hits": False,
    }
    assert all(type(x) is float for x in body["knn"]["query_vector"])
    assert knn_query([1.0, 0.0], None, 3, 100) == {
        "knn": {"field": "embedding", "query_vector": [1.0, 0.0], "k": 3, "num_candidates": 100},
        "size": 3,
        "_source": False,
        "track_total_hits": False,
    }


def test_num_candidates() -> None:
    assert [num_candidates(k) for k in (1, 10, 11, 100, 999, 1000, 5000, 10_000)] == [
        100,
        100,
        110,
        1000,
        9990,
        10_000,
        10_000,
        10_000,
    ]
    assert num_candidates(12_000) == 12_000  # never below k (Elasticsearch itself refuses such a k)


def test_filtered_by_id_query() -> None:
    assert filtered_by_id_query(None, 50) == {
        "query": {"match_all": {}},
        "size": 50,
        "_source": False,
        "sort": [{"id": {"order": "asc"}}],
        "track_total_hits": False,
    }
    assert filtered_by_id_query(SearchFilter.of(Flag("online")), 10, after="o-9") == {
        "query": {"bool": {"filter": [{"term": {"online": True}}]}},
        "size": 10,
        "_source": False,
        "sort": [{"id": {"order": "asc"}}],
        "track_total_hits": False,
        "search_after": ["o-9"],
    }


# -- documents ----------------------------------------------------------------------


def test_document_source_adds_location_and_embedding() -> None:
    d = doc("a")
    d.embedding = np.array([0.6, 0.8], dtype=np.float32)
    source = document_source(d)
    assert source == {
        **d.to_source(),
        "location": {"lat": 56.4153, "lon": 10.877},
        "embedding": [float(np.float32(0.6)), float(np.float32(0.8))],
        "terms": " ".join(analyze(d.text)),
    }
    assert stored_document(source) == d.to_source()
    assert type(source["monthly_cost"]) is float and type(source["age_min"]) is int
    assert all(type(x) is int for x in source["weekdays"])


def test_document_source_casts_number_types() -> None:
    d = doc("a")
    d.monthly_cost = 12  # an int where a float belongs
    d.age_min = np.int64(7)  # type: ignore[assignment]
    d.weekdays = [np.int64(2)]  # type: ignore[list-item]
    source = document_source(d)
    assert type(source["monthly_cost"]) is float and source["monthly_cost"] == 12.0
    assert type(source["age_min"]) is int and type(source["weekdays"][0]) is int


def test_document_without_coordinates_has_no_location() -> None:
    d = doc("online", location={"online": True})
    assert d.lat is None
    source = document_source(d)
    assert "location" not in source and "embedding" not in source
    assert source["lat"] is None and source["lon"] is None


def test_bulk_and_delete_actions() -> None:
    a, b = doc("a"), doc("b")
    a.embedding = b.embedding = np.ones(2, dtype=np.float32) / np.sqrt(2)
    actions = bulk_actions("x-offers-v1", iter([a, b]))
    assert iter(actions) is actions  # a generator, for streaming_bulk
    assert list(actions) == [
        {"_op_type": "index", "_index": "x-offers-v1", "_id": "a", "_source": document_source(a)},
        {"_op_type": "index", "_index": "x-offers-v1", "_id": "b", "_source": document_source(b)},
    ]
    assert list(delete_actions("x-offers-v1", ["a"])) == [{"_op_type": "delete", "_index": "x-offers-v1", "_id": "a"}]
