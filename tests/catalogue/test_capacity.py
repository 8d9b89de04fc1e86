"""Capacity timeline: what civil society had at each month end, and what is new."""

from __future__ import annotations

from datetime import UTC, date, datetime

from catalogue.capacity import CapacityReport, capacity_report, capacity_timeline, month_ends
from catalogue.models import CapacityEvent
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


# -- the report both the admin view and the CLI show -----------------------------------

# (day, offer, organisation, status, places_total, places_available, waitlist, volunteers)
HISTORY = [
    ("2026-01-10", "o1", "A", "active", 10, 4, None, 2),
    ("2026-01-20", "o2", "B", "active", 20, 20, 3, None),
    ("2026-02-05", "o3", "A", "active", 5, 5, None, 1),
    ("2026-02-25", "o1", "A", "paused", 10, 4, None, 2),
    ("2026-03-02", "o4", "C", "active", None, None, None, 4),
    ("2026-03-03", "o2", "B", "active", 20, 18, 0, None),
    ("2026-04-02", "o5", "D", "active", 8, 8, None, None),  # after `until`'s month
]


def _write_history(store: Store) -> None:
    with store.write() as session:
        for day, offer, org, status, total, available, waitlist, volunteers in HISTORY:
            session.add(
                CapacityEvent(
                    at=datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC),
                    offer_id=offer,
                    organisation_id=org,
                    status=status,
                    places_total=total,
                    places_available=available,
                    waitlist=waitlist,
                    volunteers=volunteers,
                    actor="test",
                )
            )


def _row(p: object) -> tuple[object, ...]:
    return tuple(
        getattr(p, f)
        for f in (
            "period_end",
            "organisations",
            "organisations_new",
            "active_offers",
            "active_offers_new",
            "places_total",
            "places_available",
            "waitlist",
            "volunteers",
        )
    )


def test_capacity_report_hand_computed(sqlite_store: Store) -> None:
    _write_history(sqlite_store)
    report = capacity_report(sqlite_store, baseline=date(2026, 1, 31), until=date(2026, 3, 15))
    assert report.baseline == date(2026, 1, 31)
    # Worked out by hand from HISTORY: active offers at each month end, summed;
    # "new" = first event after the baseline (o3, o4; organisation C).
    assert [_row(p) for p in report.points] == [
        (date(2026, 1, 31), 2, 0, 2, 0, 30, 24, 3, 2),  # o1 (A), o2 (B)
        (date(2026, 2, 28), 2, 0, 2, 1, 25, 25, 3, 1),  # o1 paused; o2 (B), o3 (A, new)
        (date(2026, 3, 31), 3, 1, 3, 2, 25, 23, 0, 5),  # o2, o3, o4 (C, new)
    ]
    assert report.to_dict()["baseline"] == "2026-01-31"
    assert report.to_dict()["months"][2] == {
        "period_end": "2026-03-31",
        "organisations": 3,
        "organisations_new": 1,
        "active_offers": 3,
        "active_offers_new": 2,
        "places_total": 25,
        "places_available": 23,
        "waitlist": 0,
        "volunteers": 5,
    }


def test_capacity_report_defaults_to_the_first_event_and_today(sqlite_store: Store) -> None:
    _write_history(sqlite_store)
    report = capacity_report(sqlite_store)
    assert report.baseline == date(2026, 1, 10)
    today = datetime.now(UTC).date()
    assert [p.period_end for p in report.points] == month_ends(date(2026, 1, 10), today)
    jan = report.points[0]
    assert (jan.active_offers, jan.active_offers_new, jan.organisations_new) == (2, 1, 1)  # o2/B after Jan 10


def test_capacity_report_baseline_before_the_first_event_adds_months(sqlite_store: Store) -> None:
    _write_history(sqlite_store)
    report = capacity_report(sqlite_store, baseline=date(2025, 12, 1), until=date(2026, 1, 1))
    assert [_row(p) for p in report.points] == [
        (date(2025, 12, 31), 0, 0, 0, 0, 0, 0, 0, 0),
        (date(2026, 1, 31), 2, 2, 2, 2, 30, 24, 3, 2),
    ]


def test_capacity_report_without_events(sqlite_store: Store) -> None:
    assert capacity_report(sqlite_store) == CapacityReport(baseline=None, points=[])
    assert capacity_report(sqlite_store).to_dict() == {"baseline": None, "months": []}
    assert capacity_report(sqlite_store, baseline=date(2026, 1, 1)).baseline == date(2026, 1, 1)
