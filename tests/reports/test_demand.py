"""Demand, gaps, waiting lists and utilisation: hand-computed from tests/reports/demand_history.py."""

from __future__ import annotations

from datetime import date

import pytest

from capacity.supply import offer_history
from catalogue.store import Store
from reports.collect import gap_data
from reports.demand import meets, worst_barrier
from reports.suppress import share, shown
from tests.capacity.history import build_history
from tests.reports.demand_history import build_demand

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


@pytest.fixture
def full_store(store: Store) -> Store:
    build_history(store)
    build_demand(store)
    return store


def test_suppression_rules() -> None:
    assert [shown(n) for n in (0, 1, 4, 5, 12)] == [0, "<5", "<5", 5, 12]
    assert shown(0, group=3) == "<5" and shown(3, group=3) == "<5" and shown(5, group=5) == 5
    assert share(2, 10) is None and share(5, 4) is None and share(5, 10) == 0.5 and share(0, 10) == 0.0


def test_worst_barrier() -> None:
    assert worst_barrier({"cost": 3, "no_car": 4, "distance": 9}) == "no_car"
    assert worst_barrier({"distance": 9}) is None
    assert worst_barrier({"cost": 4, "no_car": 4}) == "low_income"  # ties: the first barrier rule


def test_demand_in_march(full_store: Store) -> None:
    d = gap_data(full_store, *MARCH)["demand"]
    assert (d["requests"], d["no_good_match"], d["share_no_good_match"]) == (20, 13, 0.65)
    assert d["no_good_match_threshold"] == 0.9
    assert d["by_town"] == [
        {"key": "Grenaa", "requests": 15, "no_good_match": 8, "share_no_good_match": round(8 / 15, 3)},
        {"key": "Auning", "requests": 5, "no_good_match": 5, "share_no_good_match": 1.0},
    ]
    cats = {r["key"]: (r["requests"], r["no_good_match"]) for r in d["by_category"]}
    assert cats == {"sang": (12, 5), "motion": (6, 6), "natur": ("<5", "<5")}  # natur: 2 requests
    bars = {r["key"]: (r["requests"], r["no_good_match"]) for r in d["by_barrier"]}
    assert bars == {"(ingen)": (12, 5), "wheelchair_user": (6, 6), "hearing_impaired": ("<5", "<5")}
    assert d["by_age_band"] == [{"key": "60-69", "requests": 20, "no_good_match": 13, "share_no_good_match": 0.65}]
    assert d["zero_results"] == 11
    assert d["zero_results_by_barrier"] == [
        {"barrier": "no_car", "requests": 5},
        {"barrier": "wheelchair_user", "requests": "<5"},  # 4
        {"barrier": "(ingen)", "requests": "<5"},  # 2, nothing excluded
    ]


def test_the_gap_report(full_store: Store) -> None:
    gaps = gap_data(full_store, *MARCH)["gaps"]
    # score = unmet / (1 + free places) on 31 March (o2: Grenaa, motion+natur, wheelchair, 10 free;
    # o3: Grenaa, motion, wheelchair, 15 free; o1 retired): B 5/1, D 2/1, A 6/26, C 0/1
    assert [(g["rank"], g["town"], g["category"], g["barrier"]) for g in gaps] == [
        (1, "Auning", "sang", "(ingen)"),
        (2, "Grenaa", "natur", "hearing_impaired"),
        (3, "Grenaa", "motion", "wheelchair_user"),
        (4, "Grenaa", "sang", "(ingen)"),
    ]
    b, d, a, c = gaps
    assert (b["requests"], b["no_good_match"], b["zero_results"], b["offers"], b["places_available"]) == (5, 5, 5, 0, 0)
    assert (d["requests"], d["no_good_match"], d["zero_results"], d["offers"]) == ("<5", "<5", "<5", 0)
    assert (a["requests"], a["no_good_match"], a["zero_results"]) == (6, 6, "<5")
    assert (a["offers"], a["places_total"], a["places_available"], a["waitlist"]) == (2, 25, 25, 0)
    assert (c["requests"], c["no_good_match"], c["offers"]) == (7, 0, 0)


def test_utilisation_and_waiting(full_store: Store) -> None:
    data = gap_data(full_store, *MARCH)
    assert data["utilisation"] == [
        {"offer_id": "o3", "title": "Gåtur i Grenaa", "started": 6, "places_total": 15, "share": 0.4},
        {"offer_id": "o2", "title": "Motion for alle", "started": "<5", "places_total": 10, "share": None},
    ]
    assert data["waiting"] == []  # o1 (4 waiting) was retired on 20 March
    mid = gap_data(full_store, date(2026, 3, 1), date(2026, 3, 15))
    assert mid["waiting"] == [
        {"offer_id": "o1", "title": "Seniorkor i Grenaa", "town": "Grenaa", "waitlist": 4, "places_total": 30}
    ]
    assert mid["demand"]["requests"] == 18  # D came on 31 March


def test_supply_against_demand_per_category(full_store: Store) -> None:
    rows = gap_data(full_store, *MARCH)["supply_demand"]
    assert rows == [
        {"category": "sang", "requests": 12, "offers": 0, "places_available": 0},
        {"category": "motion", "requests": 6, "offers": 2, "places_available": 25},
        {"category": "natur", "requests": "<5", "offers": 1, "places_available": 10},
    ]


def test_barrier_predicates(full_store: Store) -> None:
    o3 = offer_history(full_store).states(date(2026, 3, 31))["o3"]
    assert meets(o3, "wheelchair_user") and meets(o3, "needs_companion") and meets(o3, "(ingen)")
    assert not meets(o3, "hearing_impaired") and not meets(o3, "non_danish_speaker")
