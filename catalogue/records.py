"""The shapes of catalogue records, as typed dicts.

``*Draft`` is the canonical dict the marshmallow schemas in
:mod:`catalogue.schemas` load (every key present, lists de-duplicated; the
id may still be ``None``); ``*Record`` is what the store returns for a stored
row (:func:`catalogue.rows.offer_to_dict`): an id, and the audit fields
``created_at``, ``updated_at``, ``updated_by``, ``version``. Dates are :class:`datetime.date`, timestamps
timezone-aware :class:`datetime.datetime`; times of day are ``"HH:MM"`` text.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, NotRequired, TypedDict


class ContactRecord(TypedDict):
    """Public contact point of an organisation or an offer (never a citizen)."""

    name: str | None
    email: str | None
    phone: str | None
    website: str | None


class _OrganisationFields(TypedDict):
    name: str
    type: str  # a key of catalogue.taxonomy.ORGANISATION_TYPES
    description: str
    contact: ContactRecord | None
    cvr: str | None  # 8 digits


class OrganisationDraft(_OrganisationFields):
    """An organisation as ``OrganisationSchema`` loads it; without an id it is found by name."""

    id: str | None


class OrganisationRecord(_OrganisationFields):
    """A stored organisation; the audit fields are there when asked for (``meta=True``)."""

    id: str
    created_at: NotRequired[datetime]
    updated_at: NotRequired[datetime]
    updated_by: NotRequired[str]
    version: NotRequired[int]


class LocationRecord(TypedDict):
    """Where an offer takes place; ``lat``/``lon`` in decimal degrees (WGS84), both or neither."""

    address: str | None
    postcode: str | None  # 4 digits
    town: str | None
    lat: float | None
    lon: float | None
    online: bool


class PlaceRecord(TypedDict):
    """One more place where an offer meets (``other_locations``): like a location, never online;
    ``lat``/``lon`` given, or the town's point from the gazetteer; None only for a town the
    gazetteer knows by name only (:mod:`catalogue.gazetteer`)."""

    address: str | None
    postcode: str | None
    town: str | None
    lat: float | None
    lon: float | None


class SlotRecord(TypedDict):
    """One meeting time: ``weekday`` 1 (Monday) to 7 (Sunday) (None only with ``bymonthday``),
    times ``"HH:MM"``; the other keys (RFC 5545 recurrence, a note) only when not "every week".
    See :mod:`catalogue.schedule.model`."""

    weekday: int | None
    start: str
    end: str
    freq: NotRequired[str]  # DAILY | WEEKLY | MONTHLY | YEARLY
    interval: NotRequired[int]
    nth: NotRequired[int]  # MONTHLY: 1 = first, -1 = last weekday of the month
    byweekno: NotRequired[list[int]]
    bymonthday: NotRequired[list[int]]
    dtstart: NotRequired[date]
    until: NotRequired[date]
    count: NotRequired[int]
    note: NotRequired[str]


#: An inclusive date range with no meetings.
PeriodRecord = TypedDict("PeriodRecord", {"from": date, "to": date})


class ScheduleRecord(TypedDict):
    """``state``: "slots", "by_arrangement" (efter aftale) or "unknown" (no times known)."""

    state: str
    slots: list[SlotRecord]
    valid_from: date | None
    valid_to: date | None
    exception_months: list[int]  # 1-12
    exception_periods: list[PeriodRecord]


class CostOptionRecord(TypedDict):
    """One way to pay: ``amount`` in ``currency`` (ISO 4217, normally ``"DKK"``) ``per`` period
    (a key of catalogue.taxonomy.COST_PERIODS, or None when not stated), and what it is for
    (``text``, e.g. "kaffe"). ``amount`` is None when the price is only described in ``text``."""

    amount: float | None
    currency: str
    per: str | None
    text: str | None


class CostRecord(TypedDict):
    """An offer's price: all its cost options (a membership per year and a coffee kitty per time).
    No options means the price is unknown; see :mod:`catalogue.costs` for the rules."""

    options: list[CostOptionRecord]


class _OfferFields(TypedDict):
    kind: str  # a key of catalogue.taxonomy.OFFER_KINDS
    title: str
    description: str
    categories: list[str]  # first is the main one
    location: LocationRecord
    other_locations: list[PlaceRecord]  # further places besides location (an HSDS service at several)
    schedule: ScheduleRecord
    cost: CostRecord
    accessibility: list[str]  # keys of catalogue.taxonomy.ACCESSIBILITY, sorted
    languages: list[str]  # language codes (catalogue.languages), first is the main one
    audience: list[str]  # who it is for: codes of catalogue.audience, sorted; empty = everyone
    age_min: int | None
    age_max: int | None
    group_size: str | None  # a key of catalogue.taxonomy.GROUP_SIZES
    newcomers_welcome: bool
    companion_available: bool
    transport_offered: bool
    places_total: int | None
    places_available: int | None
    waitlist: int | None
    volunteers: int | None
    status: str  # a key of catalogue.taxonomy.STATUSES
    last_verified: date | None
    contact: ContactRecord | None


class OfferDraft(_OfferFields):
    """An offer as ``OfferSchema`` loads it (canonical, not yet stored): the id may be
    missing (the store makes one) and there are no audit fields."""

    id: str | None
    organisation: OrganisationDraft


class OfferRecord(_OfferFields):
    """A stored offer, the searchable unit, with its audit fields."""

    id: str
    organisation: OrganisationRecord
    created_at: datetime
    updated_at: datetime
    updated_by: str
    version: int


class AuditRecord(TypedDict):
    """One entry of an audit trail; ``changes`` is ``{field: [old, new]}`` (JSON-safe)."""

    at: datetime
    actor: str
    action: str  # create, update, retire
    version: int | None
    changes: dict[str, Any]


class CapacityEventRecord(TypedDict):
    """The capacity of one offer after a change (see catalogue.capacity)."""

    offer_id: str
    organisation_id: str
    at: datetime
    status: str
    places_total: int | None
    places_available: int | None
    waitlist: int | None
    volunteers: int | None
    actor: str
