"""Civil-society capacity over time.

Østifterne funds the build-up of local civil society, so the pilot must show
how many associations, active offers, places and volunteers there were at
each point in time, and how many are new since the start. The store writes a
capacity event whenever an offer is created or its places, waiting list,
volunteers or status change; this module folds those events into a timeline.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .store import Store

CAPACITY_FIELDS = ("places_total", "places_available", "waitlist", "volunteers")


def capacity_changed(before: Mapping[str, Any], row: Any) -> bool:
    return any(before[f] != getattr(row, f) for f in (*CAPACITY_FIELDS, "status"))


@dataclass(frozen=True)
class CapacityPoint:
    """The state of the catalogue at the end of one period."""

    period_end: date
    organisations: int  # organisations with at least one active offer
    organisations_new: int  # of those, first seen after the baseline
    active_offers: int
    active_offers_new: int
    places_total: int
    places_available: int
    waitlist: int
    volunteers: int

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["period_end"] = self.period_end.isoformat()
        return out


def month_ends(start: date, end: date) -> list[date]:
    """Last day of every month from ``start``'s month to ``end``'s month."""
    out: list[date] = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        out.append(nxt - timedelta(days=1))
        year, month = nxt.year, nxt.month
    return out


def capacity_timeline(
    events: Iterable[Mapping[str, Any]],
    period_ends: Iterable[date],
    baseline: date,
) -> list[CapacityPoint]:
    """Fold capacity events (ordered by time) into one point per period end.

    An offer or organisation is "new" when its first event is after the
    baseline date (the start of the pilot); everything before is what
    civil society already had.
    """
    ordered = sorted(events, key=lambda e: e["at"])
    cutoff_base = _end_of(baseline)
    first_seen_offer: dict[str, datetime] = {}
    first_seen_org: dict[str, datetime] = {}
    for e in ordered:
        first_seen_offer.setdefault(e["offer_id"], e["at"])
        first_seen_org.setdefault(e["organisation_id"], e["at"])
    points: list[CapacityPoint] = []
    state: dict[str, Mapping[str, Any]] = {}
    i = 0
    for end in sorted(period_ends):
        cutoff = _end_of(end)
        while i < len(ordered) and ordered[i]["at"] <= cutoff:
            state[ordered[i]["offer_id"]] = ordered[i]
            i += 1
        active = [s for s in state.values() if s["status"] == "active"]
        orgs = {s["organisation_id"] for s in active}
        points.append(
            CapacityPoint(
                period_end=end,
                organisations=len(orgs),
                organisations_new=sum(first_seen_org[o] > cutoff_base for o in orgs),
                active_offers=len(active),
                active_offers_new=sum(first_seen_offer[s["offer_id"]] > cutoff_base for s in active),
                places_total=sum(s["places_total"] or 0 for s in active),
                places_available=sum(s["places_available"] or 0 for s in active),
                waitlist=sum(s["waitlist"] or 0 for s in active),
                volunteers=sum(s["volunteers"] or 0 for s in active),
            )
        )
    return points


@dataclass(frozen=True)
class CapacityReport:
    """The capacity timeline the admin report and ``faellesskab catalogue capacity`` show.

    ``baseline`` is the start of the pilot (offers and organisations first seen
    after it count as new); ``points`` has one :class:`CapacityPoint` per month end.
    """

    baseline: date | None
    points: list[CapacityPoint] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """``{"baseline": "YYYY-MM-DD" | None, "months": [point, ...]}`` (JSON-safe)."""
        return {
            "baseline": self.baseline.isoformat() if self.baseline else None,
            "months": [p.to_dict() for p in self.points],
        }


def capacity_report(store: Store, *, baseline: date | None = None, until: date | None = None) -> CapacityReport:
    """Civil-society capacity month by month from the store's capacity events.

    ``baseline`` defaults to the day of the first event; ``until`` (the last
    month shown) defaults to today (UTC). Months run from the earlier of the
    first event and the baseline to ``until``. Without any events the report
    has no points (and the baseline asked for, if any).
    """
    events = store.capacity_events()
    if not events:
        return CapacityReport(baseline=baseline)
    first = events[0]["at"].date()
    base = baseline or first
    last = until or datetime.now(UTC).date()
    return CapacityReport(baseline=base, points=capacity_timeline(events, month_ends(min(first, base), last), base))


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=UTC)
