"""Capacity timeline: what civil society had at each month end, and what is new."""

from __future__ import annotations

from datetime import UTC, date, datetime

from catalogue.capacity import capacity_timeline, month_ends
from catalogue.store import Store
from tests.conftest import make_offer


def ev(day: str, offer: str, org: str, status: str = "active", places: int | None = 10, vol: int | None = None) -> dict:
    return {
        "at": datetime.fromisoformat(day).replace(tzinfo=UTC),
        "offer_id": offer,
        "organisation_id": org,
        "status": status,
        "places_total": places,
        "places_available": places,
        "waitlist": None,
        "volunteers": vol,
    }


def test_month_ends() -> None:
    assert month_ends(date(2026, 11, 5), date(2027, 2, 1)) == [
        date(2026, 11, 30),
        date(2026, 12, 31),
        date(2027, 1, 31),
        date(2027, 2, 28),
    ]


def test_timeline_counts_new_and_ended() -> None:
    events = [
        ev("2026-01-10", "o1", "A"),
        ev("2026-01-12", "o2", "B", vol=4),
        ev("2026-02-03", "o3", "C", places=None, vol=6),  # new after the baseline
        ev("2026-02-20", "o1", "A", status="ended"),
        ev("2026-03-01", "o2", "B", places=15, vol=5),
    ]
    jan, feb, mar = capacity_timeline(
        events, month_ends(date(2026, 1, 1), date(2026, 3, 1)), baseline=date(2026, 1, 31)
    )
    assert (jan.organisations, jan.active_offers, jan.places_total, jan.volunteers) == (2, 2, 20, 4)
    assert (jan.organisations_new, jan.active_offers_new) == (0, 0)
    assert (feb.organisations, feb.organisations_new, feb.active_offers, feb.places_total, feb.volunteers) == (
        2,
        1,
        2,
        10,
        10,
    )
    assert (mar.places_total, mar.volunteers, mar.active_offers_new) == (15, 11, 1)


def test_store_records_capacity_history(sqlite_store: Store) -> None:
    sqlite_store.import_offers([make_offer("a", volunteers=3)], actor="x")
    sqlite_store.update_offer("a", {"title": "Nyt navn"}, expected_version=1, actor="x")  # not a capacity change
    sqlite_store.update_capacity("a", {"volunteers": 5}, expected_version=2, actor="x")
    events = sqlite_store.capacity_events()
    assert [e["volunteers"] for e in events] == [3, 5]
    today = datetime.now(UTC).date()
    (point,) = capacity_timeline(events, [today], baseline=date(2000, 1, 1))
    assert point.volunteers == 5 and point.active_offers_new == 1
