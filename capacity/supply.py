"""Supply as of any date, folded from the store's audit trail.

Every create, update and retire of an offer leaves an audit event with each
changed field as ``[old, new]`` (``catalogue.rows``); folding those events up
to the end of a day gives the offer exactly as it stood then, so a later edit
never rewrites the past and nothing needs a nightly job. Volunteer and
companion counts come from the organisations' dated reports
(:mod:`capacity.volunteers`).

An offer is **active** on a day when its status was ``active`` at the end of
that day (UTC) and its season (``schedule.valid_from``/``valid_to``) did not
exclude the day. An organisation is active when it has an active offer.
Breakdowns count an offer once under each of its categories and target groups
(``audience``; an offer for everyone counts as ``"(alle)"``); an online offer's
town is ``"(online)"``.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time
from typing import Any, Final

from sqlalchemy import select

from catalogue.models import AuditEvent
from catalogue.store import Store

from .volunteers import VolunteerHistory, volunteer_history

#: The breakdowns of every figure: dimension -> the keys an offer snapshot falls under.
ONLINE: Final = "(online)"
EVERYONE: Final = "(alle)"
NONE: Final = "(ingen)"
DIMENSIONS: Final = ("town", "category", "kind", "audience")

Snapshot = dict[str, Any]


def end_of(day: date) -> datetime:
    """The last instant of ``day`` in UTC: what "as of ``day``" includes."""
    return datetime.combine(day, time.max, tzinfo=UTC)


def start_of(day: date) -> datetime:
    """The first instant of ``day`` in UTC."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def is_active(offer: Mapping[str, Any], day: date) -> bool:
    """Status ``active`` and ``day`` inside the offer's season (if it has one)."""
    if offer.get("status") != "active":
        return False
    schedule = offer.get("schedule") or {}
    start, end = _day(schedule.get("valid_from")), _day(schedule.get("valid_to"))
    return (start is None or start <= day) and (end is None or day <= end)


def keys_of(offer: Mapping[str, Any], dimension: str) -> list[str]:
    """The keys an offer snapshot counts under in one breakdown dimension."""
    if dimension == "town":
        location = offer.get("location") or {}
        return [location.get("town") or ONLINE]
    if dimension == "category":
        return list(offer.get("categories") or []) or [NONE]
    if dimension == "kind":
        return [str(offer.get("kind"))]
    if dimension == "audience":
        return list(offer.get("audience") or []) or [EVERYONE]
    raise ValueError(f"unknown dimension {dimension!r}")


@dataclass(frozen=True)
class Figures:
    """Supply of a set of active offers on one day (counts of offers and people)."""

    organisations: int
    offers: int
    places_total: int
    places_available: int
    waitlist: int
    volunteers: int  # the offers' own `volunteers` field, summed
    companion_offers: int  # offers with a companion available

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def figures_of(offers: Iterable[Mapping[str, Any]]) -> Figures:
    """:class:`Figures` of already active offer snapshots (unknown numbers count 0)."""
    rows = list(offers)
    return Figures(
        organisations=len({(o.get("organisation") or {}).get("id") for o in rows}),
        offers=len(rows),
        places_total=sum(o.get("places_total") or 0 for o in rows),
        places_available=sum(o.get("places_available") or 0 for o in rows),
        waitlist=sum(o.get("waitlist") or 0 for o in rows),
        volunteers=sum(o.get("volunteers") or 0 for o in rows),
        companion_offers=sum(bool(o.get("companion_available")) for o in rows),
    )


@dataclass(frozen=True)
class Supply:
    """What existed on ``day``: totals, the volunteer reports, and breakdowns.

    ``breakdown[dimension][key]`` is :class:`Figures` for the offers under that
    key (see :data:`DIMENSIONS`); ``volunteers_reported`` and
    ``companions_reported`` are the latest report of each organisation on or
    before ``day``, summed (organisations that never reported count 0).
    """

    day: date
    totals: Figures
    volunteers_reported: int
    companions_reported: int
    breakdown: dict[str, dict[str, Figures]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            **self.totals.to_dict(),
            "volunteers_reported": self.volunteers_reported,
            "companions_reported": self.companions_reported,
            "breakdown": {d: {k: f.to_dict() for k, f in keys.items()} for d, keys in self.breakdown.items()},
        }


class OfferHistory:
    """Every offer's audit trail, loaded once; :meth:`states` folds it to any day.

    ``created[offer_id]`` is the time of the offer's first event.
    """

    def __init__(self, events: Iterable[Mapping[str, Any]]) -> None:
        self.events = sorted(events, key=lambda e: (e["at"], e["id"]))
        self._times = [e["at"] for e in self.events]
        self.created: dict[str, datetime] = {}
        for e in self.events:
            self.created.setdefault(e["entity_id"], e["at"])

    def states(self, day: date) -> dict[str, Snapshot]:
        """Each offer as it stood at the end of ``day`` (offers created later are absent)."""
        out: dict[str, Snapshot] = {}
        for e in self.events[: bisect.bisect_right(self._times, end_of(day))]:
            state = {} if e["action"] == "create" else out.setdefault(e["entity_id"], {})
            for name, change in (e["changes"] or {}).items():
                state[name] = change[1] if isinstance(change, list) and len(change) == 2 else change
            out[e["entity_id"]] = state
        for offer_id, state in out.items():
            state["id"] = offer_id
        return out

    def active(self, day: date, keep: Callable[[Snapshot], bool] | None = None) -> list[Snapshot]:
        """Snapshots of the offers active on ``day`` (and passing ``keep``, if given)."""
        return [s for s in self.states(day).values() if is_active(s, day) and (keep is None or keep(s))]


def offer_history(store: Store) -> OfferHistory:
    """The offers' audit trail from the store (``audit_event`` rows of offers)."""
    stmt = select(AuditEvent.id, AuditEvent.entity_id, AuditEvent.action, AuditEvent.at, AuditEvent.changes).where(
        AuditEvent.entity_type == "offer"
    )
    with store.read() as session:
        return OfferHistory(dict(row) for row in session.execute(stmt).mappings())


def offer_filter(town: str | None = None, category: str | None = None) -> Callable[[Snapshot], bool] | None:
    """A filter on town (exact, or ``"(online)"``) and category, or None for all."""
    if town is None and category is None:
        return None

    def keep(offer: Snapshot) -> bool:
        return (town is None or town in keys_of(offer, "town")) and (
            category is None or category in keys_of(offer, "category")
        )

    return keep


def supply_on(
    history: OfferHistory,
    volunteers: VolunteerHistory,
    day: date,
    *,
    town: str | None = None,
    category: str | None = None,
) -> Supply:
    """:class:`Supply` on ``day``, for offers in ``town`` and ``category`` if given.
    The reported volunteers are the active organisations' when filtered, else every organisation's."""
    active = history.active(day, offer_filter(town, category))
    breakdown: dict[str, dict[str, list[Snapshot]]] = {d: defaultdict(list) for d in DIMENSIONS}
    for offer in active:
        for dimension in DIMENSIONS:
            for key in keys_of(offer, dimension):
                breakdown[dimension][key].append(offer)
    orgs = {(o.get("organisation") or {}).get("id") for o in active} if (town or category) else None
    reported = volunteers.on(day, organisations=orgs)
    return Supply(
        day=day,
        totals=figures_of(active),
        volunteers_reported=reported[0],
        companions_reported=reported[1],
        breakdown={d: {k: figures_of(v) for k, v in sorted(keys.items())} for d, keys in breakdown.items()},
    )


@dataclass(frozen=True)
class Growth:
    """What changed between the baseline and a day (both as of their ends).

    ``new_organisations``/``new_offers``: first recorded after the baseline and
    active on the day; ``offers_ended``: active on the baseline, not active on
    the day; the rest are differences of the day's figures and the baseline's.
    """

    baseline: date
    new_organisations: int
    new_offers: int
    offers_ended: int
    places_added: int
    volunteers_added: int
    companions_added: int

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "baseline": self.baseline.isoformat()}


def growth(history: OfferHistory, volunteers: VolunteerHistory, baseline: date, day: date) -> Growth:
    """:class:`Growth` from ``baseline`` to ``day``."""
    cut = end_of(baseline)
    before, now = history.active(baseline), history.active(day)
    before_ids, now_ids = {o["id"] for o in before}, {o["id"] for o in now}
    org_first: dict[str, datetime] = {}
    states = history.states(day)
    for offer_id, first in sorted(history.created.items(), key=lambda kv: kv[1]):
        org = (states.get(offer_id) or {}).get("organisation") or {}
        if org.get("id"):
            org_first.setdefault(org["id"], first)
    orgs_now = {(o.get("organisation") or {}).get("id") for o in now}
    vol_before, comp_before = volunteers.on(baseline)
    vol_now, comp_now = volunteers.on(day)
    return Growth(
        baseline=baseline,
        new_organisations=sum(1 for org in orgs_now if org in org_first and org_first[org] > cut),
        new_offers=sum(1 for o in now if history.created[o["id"]] > cut),
        offers_ended=len(before_ids - now_ids),
        places_added=figures_of(now).places_total - figures_of(before).places_total,
        volunteers_added=vol_now - vol_before,
        companions_added=comp_now - comp_before,
    )


#: Metrics of the time series: name -> its value from a day's :class:`Supply`.
METRICS: Final[dict[str, Callable[[Supply], int]]] = {
    "organisations": lambda s: s.totals.organisations,
    "offers": lambda s: s.totals.offers,
    "places_total": lambda s: s.totals.places_total,
    "places_available": lambda s: s.totals.places_available,
    "waitlist": lambda s: s.totals.waitlist,
    "volunteers": lambda s: s.totals.volunteers,
    "companion_offers": lambda s: s.totals.companion_offers,
    "volunteers_reported": lambda s: s.volunteers_reported,
    "companions_reported": lambda s: s.companions_reported,
}


def timeseries(
    store: Store, metric: str, days: Iterable[date], *, history: OfferHistory | None = None
) -> list[tuple[date, int]]:
    """``[(day, value), ...]`` of one of :data:`METRICS`; raises KeyError for an unknown metric."""
    value = METRICS[metric]
    history = history or offer_history(store)
    volunteers = volunteer_history(store)
    return [(day, value(supply_on(history, volunteers, day))) for day in days]


def supply(store: Store, day: date, *, town: str | None = None, category: str | None = None) -> Supply:
    """:func:`supply_on` read from the store."""
    return supply_on(offer_history(store), volunteer_history(store), day, town=town, category=category)
