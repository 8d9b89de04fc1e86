"""The match log and the demand report, on a small hand-computed log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from catalogue.store import Store
from matcher.log import age_band, demand_report, recent_matches, record_match
from matcher.models import MatchLog

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

#: Newest first: m1 at T0 + 3 h, m2 at T0 + 2 h, m3 at T0 + 1 h, m4 at T0.
MATCHES: list[dict[str, Any]] = [
    {
        "query_id": "m1",
        "town": "Auning",
        "age": 72,
        "barriers": ["wheelchair_user", "no_car"],
        "categories": ["sang", "musik"],
        "result_ids": ["o1", "o2", "o3", "o4"],
        "excluded": {"distance": 3, "no_car": 1},
        "no_good_match": False,
    },
    {
        "query_id": "m2",
        "town": "Grenaa",
        "age": 75,
        "barriers": ["no_car"],
        "categories": ["sang"],
        "result_ids": ["o1", "o5"],
        "excluded": {"distance": 2},
        "no_good_match": False,
    },
    {
        "query_id": "m3",
        "town": None,
        "age": None,
        "barriers": [],
        "categories": ["motion"],
        "result_ids": [],
        "excluded": {},
        "no_good_match": True,
    },
    {
        "query_id": "m4",
        "town": "Auning",
        "age": 34,
        "barriers": ["no_car", "low_income"],
        "categories": ["motion"],
        "result_ids": ["o1"],
        "excluded": {"cost": 4},
        "no_good_match": True,
    },
]


@pytest.fixture
def logged(store: Store) -> Store:
    for n, m in enumerate(MATCHES):
        record_match(store, actor="navigator", language="da", kinds=[], **m)
        with store.write() as session:
            session.execute(update(MatchLog).where(MatchLog.id == m["query_id"]).values(at=T0 + timedelta(hours=3 - n)))
    return store


@pytest.mark.parametrize(("age", "band"), [(None, None), (16, "10-19"), (60, "60-69"), (69, "60-69"), (100, "100-109")])
def test_age_band(age: int | None, band: str | None) -> None:
    assert age_band(age) == band


def test_a_logged_match_keeps_no_exact_age(logged: Store) -> None:
    entry = next(e for e in recent_matches(logged) if e["id"] == "m1")
    assert entry["age_band"] == "70-79"
    assert entry["barriers"] == ["no_car", "wheelchair_user"]  # sorted
    assert entry["categories"] == ["sang", "musik"]
    assert entry["result_ids"] == ["o1", "o2", "o3", "o4"]
    assert entry["excluded"] == {"distance": 3, "no_car": 1}
    assert entry["actor"] == "navigator" and entry["no_good_match"] is False
    assert "age" not in entry


def test_recent_matches_newest_first(logged: Store) -> None:
    assert [e["id"] for e in recent_matches(logged)] == ["m1", "m2", "m3", "m4"]
    assert [e["id"] for e in recent_matches(logged, limit=2)] == ["m1", "m2"]
    assert [e["id"] for e in recent_matches(logged, since=T0 + timedelta(hours=2))] == ["m1", "m2"]


def test_demand_report_by_hand(logged: Store) -> None:
    assert demand_report(logged) == {
        "matches": 4,
        "no_good_match": 2,  # m3, m4
        # sang: m1, m2; motion: m3, m4 (ties in order of first appearance, newest first); musik: m1
        "by_category": [("sang", 2), ("motion", 2), ("musik", 1)],
        "no_good_match_by_category": [("motion", 2)],
        # no_car: m1, m2, m4
        "by_barrier": [("no_car", 3), ("wheelchair_user", 1), ("low_income", 1)],
        "by_town": [("Auning", 2), ("Grenaa", 1), ("(ukendt)", 1)],
        "by_age_band": [("70-79", 2), ("(ukendt)", 1), ("30-39", 1)],
        # distance 3 + 2; cost 4; no_car 1
        "excluded_by_rule": [("distance", 5), ("cost", 4), ("no_car", 1)],
        # the top three of each match: o1 in m1, m2, m4; o4 was fourth in m1
        "most_shown_offers": [("o1", 3), ("o2", 1), ("o3", 1), ("o5", 1)],
    }


def test_demand_report_since(logged: Store) -> None:
    report = demand_report(logged, since=T0 + timedelta(hours=2))  # m1 and m2
    assert report["matches"] == 2
    assert report["no_good_match"] == 0
    assert report["by_category"] == [("sang", 2), ("musik", 1)]
    assert report["no_good_match_by_category"] == []
    assert report["excluded_by_rule"] == [("distance", 5), ("no_car", 1)]
    assert report["most_shown_offers"] == [("o1", 2), ("o2", 1), ("o3", 1), ("o5", 1)]


def test_demand_report_of_an_empty_log(store: Store) -> None:
    report = demand_report(store)
    assert report["matches"] == 0
    assert all(report[key] == [] for key in report if key not in ("matches", "no_good_match"))


@pytest.mark.parametrize(
    ("town", "kept"),
    [("Grenå", "Grenaa"), ("auning", "Auning"), ("Jens Hansen 010190-1234", None), ("", None), (None, None)],
)
def test_only_gazetteer_towns_are_logged(store: Store, town: str | None, kept: str | None) -> None:
    record_match(store, actor="navigator", language="da", kinds=[], **{**MATCHES[0], "town": town})
    with store.read() as session:
        rows = [tuple(row) for row in session.execute(select(MatchLog.__table__))]
    assert [entry["town"] for entry in recent_matches(store)] == [kept]
    assert "Jens" not in str(rows) and "010190" not in str(rows)
