"""ORM rows <-> canonical record dicts, and the row-level writes every store
write is made of: upserting an organisation or offer, with its audit event
and, when capacity changed, its capacity event.

Functions here take an open :class:`~sqlalchemy.orm.Session` (from
``Store.write()``) and never commit; the caller's transaction does.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any, Literal, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from .capacity import CAPACITY_FIELDS, capacity_changed
from .costs import canonical_cost
from .gazetteer import fold_name
from .jsonsafe import jsonable
from .models import AuditEvent, CapacityEvent, Offer, OfferCategory, Organisation, utcnow
from .records import (
    ContactRecord,
    OfferDraft,
    OfferRecord,
    OrganisationDraft,
    OrganisationRecord,
    PlaceRecord,
    ScheduleRecord,
)
from .schedule.storage import schedule_from_row, schedule_to_row
from .schemas import FLAT_OFFER_FIELDS, OFFER_UPDATABLE_FIELDS

#: Organisation fields a record may set (the rest are identity and audit fields).
ORG_FIELDS = ("name", "type", "description", "contact", "cvr")

#: Audit fields of a stored record, left out when comparing contents.
META_FIELDS = ("created_at", "updated_at", "updated_by", "version")

UpsertState = Literal["created", "updated", "unchanged"]


def name_key(name: str) -> str:
    """The key an organisation is found by when a record gives no id: the name folded by
    :func:`catalogue.gazetteer.fold_name` (case, spaces, punctuation, æ=ae, ø=oe, å=aa,
    accents), so "Grenaa Roklub", "Grenå Roklub" and "GRENÅ-ROKLUB" are one association.
    A name with no letter or digit keys on itself, lower-cased."""
    return fold_name(name) or " ".join(unicodedata.normalize("NFC", name).casefold().split())


def search_key(text: str) -> str:
    """``text`` as the store searches it: folded by :func:`catalogue.gazetteer.fold_name` (case,
    æ=ae, ø=oe, å=aa, accents, punctuation as spaces), so "ÆBLE" is found in "Æblehave" and "grenå" in
    "Grenaa" alike on SQLite (whose ``lower()`` folds ASCII only) and PostgreSQL. The offer's
    ``title_key`` column and the organisation's ``name_key`` hold such keys; a query is folded the same way."""
    return fold_name(text)


def slugify(text: str) -> str:
    """ASCII slug for ids: ``"Grenå Sangkor"`` -> ``"grenaa-sangkor"`` (at most 80 characters)."""
    text = unicodedata.normalize("NFKD", text.casefold().replace("æ", "ae").replace("ø", "oe").replace("å", "aa"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:80] or "organisation"


def provided_org_fields(data: Mapping[str, Any]) -> set[str]:
    """The organisation fields a raw record actually gives (so that an offer
    naming only its organisation does not blank the organisation's description)."""
    raw_org = data.get("organisation")
    return set(raw_org) & set(ORG_FIELDS) if isinstance(raw_org, Mapping) else set()


# -- row -> dict -------------------------------------------------------------------


def organisation_to_dict(row: Organisation, meta: bool = False) -> OrganisationRecord:
    """The organisation as a record; with ``meta`` also its audit fields."""
    out: OrganisationRecord = {
        "id": row.id,
        "name": row.name,
        "type": row.type,
        "description": row.description or "",
        "contact": cast(ContactRecord | None, row.contact),
        "cvr": row.cvr,
    }
    if meta:
        out["created_at"], out["updated_at"] = row.created_at, row.updated_at
        out["updated_by"], out["version"] = row.updated_by, row.version
    return out


def offer_to_dict(row: Offer) -> OfferRecord:
    """The stored offer as a record, audit fields included."""
    return {
        "id": row.id,
        "kind": row.kind,
        "title": row.title,
        "description": row.description or "",
        "organisation": organisation_to_dict(row.organisation),
        "categories": [link.category_code for link in row.category_links],
        "location": {
            "address": row.address,
            "postcode": row.postcode,
            "town": row.town,
            "lat": row.lat,
            "lon": row.lon,
            "online": bool(row.online),
        },
        "other_locations": [cast(PlaceRecord, dict(p)) for p in row.other_locations or []],
        "schedule": cast(ScheduleRecord, schedule_from_row(row)),
        "cost": canonical_cost(row.cost),
        "accessibility": list(row.accessibility or []),
        "languages": list(row.languages or []),
        "audience": list(row.audience or []),
        "age_min": row.age_min,
        "age_max": row.age_max,
        "group_size": row.group_size,
        "newcomers_welcome": bool(row.newcomers_welcome),
        "companion_available": bool(row.companion_available),
        "transport_offered": bool(row.transport_offered),
        "places_total": row.places_total,
        "places_available": row.places_available,
        "waitlist": row.waitlist,
        "volunteers": row.volunteers,
        "status": row.status,
        "last_verified": row.last_verified,
        "contact": cast(ContactRecord | None, row.contact),
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "updated_by": row.updated_by,
        "version": row.version,
    }


def editable_offer(row: Offer) -> dict[str, Any]:
    """What a partial update starts from: the offer's id and writable fields, and its
    organisation by id, name and type only (so a patch never rewrites the organisation)."""
    current = offer_to_dict(row)
    out: dict[str, Any] = {k: current[k] for k in ("id", *OFFER_UPDATABLE_FIELDS)}  # type: ignore[literal-required]
    out["organisation"] = {"id": row.organisation_id, "name": row.organisation.name, "type": row.organisation.type}
    return out


# -- dict -> row -------------------------------------------------------------------


def apply_offer(row: Offer, offer: OfferDraft, org_row: Organisation) -> None:
    """Copy a validated offer onto its row (categories keep their order as positions)."""
    loc, sched = offer["location"], offer["schedule"]
    row.kind, row.title, row.description = offer["kind"], offer["title"], offer["description"]
    row.title_key = search_key(offer["title"])
    row.organisation = org_row
    row.address, row.postcode, row.town = loc["address"], loc["postcode"], loc["town"]
    row.lat, row.lon, row.online = loc["lat"], loc["lon"], loc["online"]
    row.other_locations = [dict(p) for p in offer["other_locations"]]
    schedule_to_row(row, sched)
    row.cost = {"options": [dict(o) for o in offer["cost"]["options"]]}
    for name in (*FLAT_OFFER_FIELDS, "contact"):
        setattr(row, name, offer[name])  # type: ignore[literal-required]
    existing = {link.category_code: link for link in row.category_links}
    row.category_links = [
        existing.get(code) or OfferCategory(offer_id=offer["id"], category_code=code) for code in offer["categories"]
    ]
    for pos, link in enumerate(row.category_links):
        link.position = pos


def offer_content(offer: Mapping[str, Any]) -> dict[str, Any]:
    """What an import compares: the offer without audit fields, and its
    organisation by id only (organisations are compared on their own). JSON-safe."""
    out = {k: v for k, v in offer.items() if k not in META_FIELDS}
    out["organisation"] = {"id": offer["organisation"].get("id")}
    return cast(dict[str, Any], jsonable(out))


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Changed fields as ``{field: [old, new]}``, JSON-safe for the audit table."""
    b, a = jsonable(dict(before)), jsonable(dict(after))
    return {k: [b.get(k), a.get(k)] for k in a if b.get(k) != a.get(k)}


# -- events ------------------------------------------------------------------------


def audit(
    session: Session,
    entity_type: str,
    entity_id: str,
    action: str,
    actor: str,
    version: int | None,
    changes: Mapping[str, Any],
) -> None:
    """Add one audit event (``changes`` as returned by :func:`diff`)."""
    session.add(
        AuditEvent(
            entity_type=entity_type,
            entity_id=entity_id,
            action=action,
            actor=actor,
            version=version,
            changes=dict(changes),
        )
    )


def record_capacity(session: Session, row: Offer, actor: str) -> None:
    """Add a capacity event with the offer's current places, waiting list, volunteers and status."""
    session.add(
        CapacityEvent(
            offer_id=row.id,
            organisation_id=row.organisation_id,
            status=row.status,
            actor=actor,
            **{f: getattr(row, f) for f in CAPACITY_FIELDS},
        )
    )


# -- upserts -----------------------------------------------------------------------


def free_id(session: Session, model: type[Organisation] | type[Offer], base: str) -> str:
    """``base``, or ``base-2``, ``base-3``, … : the first id not taken in ``model``'s table."""
    candidate, n = base, 1
    while session.get(model, candidate) is not None:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def upsert_organisation(
    session: Session, org: OrganisationDraft, provided: set[str], actor: str
) -> tuple[Organisation, UpsertState]:
    """Find the organisation by id (or, without an id, by :func:`name_key`) and
    create it or update the ``provided`` fields; audits what changed."""
    row: Organisation | None = None
    if org.get("id"):
        row = session.get(Organisation, org["id"])
    else:
        row = session.scalars(select(Organisation).where(Organisation.name_key == name_key(org["name"]))).first()
        provided = provided - {"name"}  # found by its name: keep the spelling on record
    if row is None:
        org_id = org.get("id") or free_id(session, Organisation, "org-" + slugify(org["name"]))
        row = Organisation(
            id=org_id,
            name=org["name"],
            name_key=name_key(org["name"]),
            type=org["type"],
            description=org.get("description") or "",
            contact=org.get("contact"),
            cvr=org.get("cvr"),
            updated_by=actor,
        )
        session.add(row)
        session.flush()
        audit(session, "organisation", org_id, "create", actor, row.version, diff({}, organisation_to_dict(row)))
        return row, "created"
    before = organisation_to_dict(row)
    after = {**before, **{f: org[f] for f in provided if f in org}}  # type: ignore[literal-required]
    changes = diff(before, after)
    if not changes:
        return row, "unchanged"
    for f in provided:
        setattr(row, f, after[f])
    row.name_key = name_key(row.name)
    row.updated_at, row.updated_by = utcnow(), actor
    session.flush()
    audit(session, "organisation", row.id, "update", actor, row.version, changes)
    return row, "updated"


def upsert_offer(
    session: Session, offer: OfferDraft, org_row: Organisation, actor: str, row: Offer | None = None
) -> UpsertState:
    """Create or update the offer ``offer["id"]`` (``row`` if the caller already
    holds it); audits what changed and records a capacity event when places,
    waiting list, volunteers or status changed. Setting status ``ended`` is audited as ``retire``."""
    row = row if row is not None else session.get(Offer, offer["id"])
    new_content = offer_content({**offer, "organisation": {"id": org_row.id}})
    if row is None:
        row = Offer(id=offer["id"], updated_by=actor)
        apply_offer(row, offer, org_row)
        session.add(row)
        session.flush()
        audit(session, "offer", row.id, "create", actor, row.version, diff({}, new_content))
        record_capacity(session, row, actor)
        return "created"
    changes = diff(offer_content(offer_to_dict(row)), new_content)
    if not changes:
        return "unchanged"
    old_capacity = {f: getattr(row, f) for f in (*CAPACITY_FIELDS, "status")}
    apply_offer(row, offer, org_row)
    row.updated_at, row.updated_by = utcnow(), actor
    session.flush()
    action = "retire" if changes.get("status", [None, None])[1] == "ended" else "update"
    audit(session, "offer", row.id, action, actor, row.version, changes)
    if capacity_changed(old_capacity, row):
        record_capacity(session, row, actor)
    return "updated"
