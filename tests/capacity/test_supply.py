"""Supply as of any date, folded from the audit trail: hand-computed from tests/capacity/history.py."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from capacity.supply import OfferHistory, figures_of, growth, keys_of, offer_history, supply, timeseries
from capacity.volunteers import volunteer_history
from catalogue.store import Store
from tests.capacity.history import BASELINE, _update, at, build_history

# (date, organisations, offers, places_total, places_available, waitlist, volunteers, companion offers,
#  reported volunteers, reported companions)
EXPECTED = [
    (date(2026, 1, 4), 0, 0, 0, 0, 0, 0, 0, 0, 0),  # before anything
    (date(2026, 1, 31), 2, 2, 30, 15, 0, 3, 1, 10, 2),  # o1 + o2; A's report
    (date(2026, 2, 28), 3, 3, 45, 30, 0, 6, 2, 10, 2),  # + o3 (C)
    (date(2026, 3, 15), 3, 3, 55, 25, 4, 6, 2, 16, 4),  # o1 now 30 places, 0 free, 4 waiting; C's report
    (date(2026, 3, 31), 2, 2, 25, 25, 0, 4, 2, 16, 4),  # o1 retired
    (date(2026, 4, 30), 2, 2, 35, 35, 0, 4, 2, 18, 5),  # o3 expanded to 25; A reports again
]


@pytest.fixture
def history_store(store: Store) -> Store:
    build_history(store)
    return store


def test_figures_at_several_dates(history_store: Store) -> None:
    for day, *want in EXPECTED:
        s = supply(history_store, day)
        t = s.totals
        got = [t.organisations, t.offers, t.places_total, t.places_available, t.waitlist, t.volunteers]
        got += [t.companion_offers, s.volunteers_reported, s.companions_reported]
        assert got == want, day


def test_breakdowns_follow_the_offer_as_it_was(history_store: Store) -> None:
    feb = supply(history_store, date(2026, 2, 28)).breakdown
    assert {k: f.offers for k, f in feb["town"].items()} == {"Auning": 1, "Grenaa": 2}
    assert {k: f.places_total for k, f in feb["category"].items()} == {"motion": 25, "sang": 20}
    mar = supply(history_store, date(2026, 3, 31)).breakdown
    assert {k: f.offers for k, f in mar["town"].items()} == {"Grenaa": 2}  # o2 moved on 10 March
    assert {k: f.places_total for k, f in mar["category"].items()} == {"motion": 25, "natur": 10}
    assert {k: f.offers for k, f in mar["kind"].items()} == {"activity": 2}
    assert {k: f.offers for k, f in mar["audience"].items()} == {"(alle)": 2}
    assert mar["category"]["motion"].companion_offers == 2


def test_filters_by_town_and_category(history_store: Store) -> None:
    feb_auning = supply(history_store, date(2026, 2, 28), town="Auning")
    assert (feb_auning.totals.offers, feb_auning.totals.places_total, feb_auning.volunteers_reported) == (1, 10, 0)
    mar_motion = supply(history_store, date(2026, 3, 15), category="motion")
    assert (mar_motion.totals.offers, mar_motion.totals.places_total) == (2, 25)
    assert mar_motion.volunteers_reported == 6  # C only: B never reported
    assert supply(history_store, date(2026, 3, 15), town="Grenaa", category="sang").totals.waitlist == 4


def test_a_later_edit_does_not_rewrite_the_past(history_store: Store) -> None:
    before = supply(history_store, date(2026, 3, 31)).to_dict()
    with at("2026-05-02"):
        _update(history_store, "o2", {"places_total": 99, "places_available": 1})
    assert supply(history_store, date(2026, 3, 31)).to_dict() == before
    assert supply(history_store, date(2026, 5, 2)).totals.places_total == 25 + 99


def test_growth_since_the_baseline(history_store: Store) -> None:
    g = growth(offer_history(history_store), volunteer_history(history_store), BASELINE, date(2026, 3, 31))
    # C and o3 are new; o1 ended; places 30 -> 25; reported volunteers 10 -> 16, companions 2 -> 4
    assert (g.new_organisations, g.new_offers, g.offers_ended) == (1, 1, 1)
    assert (g.places_added, g.volunteers_added, g.companions_added) == (-5, 6, 2)


def test_timeseries(history_store: Store) -> None:
    days = [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)]
    assert timeseries(history_store, "places_total", days) == list(zip(days, [30, 45, 25], strict=True))
    assert [v for _, v in timeseries(history_store, "organisations", days)] == [2, 3, 2]
    with pytest.raises(KeyError):
        timeseries(history_store, "no-such-metric", days)


def test_audience_and_season_from_synthetic_events() -> None:
    """Target groups (`audience`, added to offers by another change) and seasons, from audit events alone."""

    def ev(i: int, day: str, action: str, changes: dict) -> dict:
        at = datetime.fromisoformat(day).replace(tzinfo=UTC)
        return {"id": i, "entity_id": "x", "action": action, "at": at, "changes": changes}

    history = OfferHistory(
        [
            ev(
                1,
                "2026-01-02",
                "create",
                {
                    "status": [None, "active"],
                    "kind": [None, "activity"],
                    "categories": [None, ["sang"]],
                    "organisation": [None, {"id": "org"}],
                    "location": [None, {"town": None, "online": True}],
                    "schedule": [None, {"slots": [], "valid_from": None, "valid_to": "2026-02-15"}],
                    "places_total": [None, 8],
                    "audience": [None, ["seniors", "relatives"]],
                },
            ),
            ev(2, "2026-01-20", "update", {"audience": [["seniors", "relatives"], []]}),
        ]
    )
    jan10 = history.active(date(2026, 1, 10))
    assert [o["audience"] for o in jan10] == [["seniors", "relatives"]]
    assert history.active(date(2026, 1, 25))[0]["audience"] == []
    assert history.active(date(2026, 2, 16)) == []  # the season ended on 15 February
    assert figures_of(jan10).places_total == 8
    assert keys_of(jan10[0], "audience") == ["seniors", "relatives"] and keys_of(jan10[0], "town") == ["(online)"]
