"""Ranking helpers: score combination, the per-organisation cap, full offers apart,
exclusion counts, "no good match" and distance."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from indexer.backend import Candidate
from indexer.documents import SearchDocument, build_document
from matcher.preferences import Adjustment
from matcher.ranking import (
    DIVERSITY_WINDOW,
    MAX_PER_ORGANISATION,
    WEAK_VECTOR_SCORE,
    combined_score,
    count_exclusions,
    distance_km,
    diversify,
    full_offers,
    is_weak,
)
from matcher.response import Result
from matcher.rules import hard_rules

from .helpers import offer, request

TODAY = date(2026, 11, 22)


# -- score combination -------------------------------------------------------------------


def test_combined_score_multiplies_every_enabled_factor() -> None:
    parts = Adjustment(preference=1.2, distance=0.9, freshness=0.95)
    # 0.5 x 1.2 x 0.9 x 0.95 x 1.7 = 0.8721
    assert combined_score(0.5, parts, topic_boost=0.7) == pytest.approx(0.8721)
    assert combined_score(0.5, parts) == pytest.approx(0.5 * 1.2 * 0.9 * 0.95)  # off topic: no boost
    assert combined_score(0.5, parts, preferences=False, distance=False, freshness=False) == 0.5
    assert combined_score(0.5, parts, distance=False) == pytest.approx(0.5 * 1.2 * 0.95)


# -- at most three per organisation in the top ten ---------------------------------------


def ranked(*ids: str) -> list[tuple[str, float]]:
    return [(oid, 1.0 - n / 100) for n, oid in enumerate(ids)]


def org_of(items: list[tuple[str, float]]) -> dict[str, str]:
    """ "a3" belongs to organisation "a"."""
    return {oid: oid[0] for oid, _ in items}


def test_cap_is_three_in_the_top_ten() -> None:
    assert (MAX_PER_ORGANISATION, DIVERSITY_WINDOW) == (3, 10)
    items = ranked("a1", "a2", "a3", "a4", "a5", "b1", "c1", "d1", "e1", "f1", "g1", "h1", "i1")
    chosen = diversify(items, org_of(items), 10)
    assert [oid for oid, _ in chosen] == ["a1", "a2", "a3", "b1", "c1", "d1", "e1", "f1", "g1", "h1"]
    assert dict(chosen)["b1"] == pytest.approx(0.95)  # scores are kept


def test_held_back_offers_fill_only_when_nothing_else_is_left() -> None:
    items = ranked("a1", "a2", "a3", "a4", "a5", "b1")
    assert [oid for oid, _ in diversify(items, org_of(items), 10)] == ["a1", "a2", "a3", "b1", "a4", "a5"]
    assert [oid for oid, _ in diversify(items, org_of(items), 5)] == ["a1", "a2", "a3", "b1", "a4"]


def test_no_cap_below_the_window() -> None:
    items = ranked("a1", "a2", "a3", "b1", "c1", "d1", "e1", "f1", "g1", "h1", "a4", "a5")
    assert [oid for oid, _ in diversify(items, org_of(items), 12)][10:] == ["a4", "a5"]


def test_limit_is_respected() -> None:
    items = ranked("a1", "b1", "c1")
    assert diversify(items, org_of(items), 2) == items[:2]
    assert diversify([], {}, 10) == []


# -- full offers listed apart; exclusion counts ------------------------------------------


@pytest.fixture
def catalogue() -> tuple[dict[str, dict[str, Any]], dict[str, SearchDocument]]:
    offers = {
        "open": offer("open"),
        "full": offer("full", places_available=0, waitlist=4),
        "full-young": offer("full-young", places_available=0, age_min=18, age_max=30),
        "full-2": offer("full-2", places_available=0, title="Kor 2"),
        "full-3": offer("full-3", places_available=0, title="Kor 3"),
        "full-4": offer("full-4", places_available=0, title="Kor 4"),
    }
    return offers, {oid: build_document(o) for oid, o in offers.items()}


def pool(*ids: str) -> list[Candidate]:
    return [Candidate(oid, 1.0 - n / 100) for n, oid in enumerate(ids)]


def test_full_offers_fit_in_every_way_but_places(
    catalogue: tuple[dict[str, dict[str, Any]], dict[str, SearchDocument]],
) -> None:
    offers, docs = catalogue
    rules = hard_rules(request("sang", age=72), TODAY)
    found = full_offers(rules, pool("open", "full-young", "full", "missing", "full-2"), offers, docs)
    assert found == [
        {"offer_id": "full", "title": "Seniorkor i Grenaa", "organisation": "Testkoret", "waitlist": 4},
        {"offer_id": "full-2", "title": "Kor 2", "organisation": "Testkoret", "waitlist": None},
    ]


def test_at_most_three_full_offers(catalogue: tuple[dict[str, dict[str, Any]], dict[str, SearchDocument]]) -> None:
    offers, docs = catalogue
    rules = hard_rules(request("sang"), TODAY)
    found = full_offers(rules, pool("full-4", "full-3", "full-2", "full"), offers, docs)
    assert [f["offer_id"] for f in found] == ["full-4", "full-3", "full-2"]


def test_count_exclusions(catalogue: tuple[dict[str, dict[str, Any]], dict[str, SearchDocument]]) -> None:
    _, docs = catalogue
    rules = hard_rules(request("sang", age=72), TODAY)
    # Five full offers in the pool, one of them also for 18-30 year olds; "missing" is not counted.
    counts = count_exclusions(rules, pool("open", "full", "full-young", "full-2", "full-3", "full-4", "missing"), docs)
    assert counts == {"full": 5, "age": 1}


# -- "no good match" ---------------------------------------------------------------------


def result(offer_id: str) -> Result:
    return Result(offer_id, "t", "o", "activity", None, None, 1.0, [], [], [], [])


def test_no_results_is_weak() -> None:
    assert is_weak([], [Candidate("a", 5.0)], [Candidate("a", 0.99)])


def test_a_shared_word_in_the_top_three_is_not_weak() -> None:
    results = [result(i) for i in ("a", "b", "c", "d")]
    assert not is_weak(results, [Candidate("c", 1.0)], [])
    assert is_weak(results, [Candidate("d", 1.0)], [])  # fourth place does not count


def test_closeness_in_meaning() -> None:
    results = [result("a"), result("b")]
    assert not is_weak(results, [], [Candidate("b", WEAK_VECTOR_SCORE)])
    assert is_weak(results, [], [Candidate("b", WEAK_VECTOR_SCORE - 0.01), Candidate("x", 0.99)])


# -- distance ----------------------------------------------------------------------------


def test_distance_km() -> None:
    o = offer(location={"town": "X", "lat": 56.1, "lon": 10.0})
    # 0.1 degree of latitude: 6371.0088 km x 0.1 x pi / 180 = 11.119 km
    assert distance_km(request(lat=56.0, lon=10.0), o) == 11.1
    assert distance_km(request(), o) is None
    assert distance_km(request(lat=56.0, lon=10.0), offer(location={"online": True})) is None


def test_distance_is_to_the_nearest_of_several_places() -> None:
    # Grenaa (main location) and Ørum Djurs and Auning (further places): a citizen in Auning is 0 km away
    o = offer(location={"town": "Grenaa"}, other_locations=[{"town": "Ørum"}, {"postcode": "8963"}])
    assert [p["town"] for p in o["other_locations"]] == ["Ørum Djurs", "Auning"]
    assert distance_km(request(lat=56.4308, lon=10.3782), o) == 0.0
    assert distance_km(request(lat=56.4158, lon=10.8783), o) == 0.0  # in Grenaa
    # Ørum Djurs (56.4660, 10.6680) is nearer than Grenaa to a point just north of Ørum
    assert distance_km(request(lat=56.4750, lon=10.6680), o) == 1.0
