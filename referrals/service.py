"""The referral lifecycle: create, read, list and move on, with a status history.

Repository functions take a ``Session`` from ``Store.read()`` or
``Store.write()``; :func:`update` takes the ``Store`` itself, because a lost
race is only known when its transaction fails, and the current version is
then read in a fresh one. Errors are the domain's (``catalogue.errors``):
``NotFound``, ``VersionConflict`` and ``InvalidRecord`` (field -> messages);
the HTTP layer maps them to 404, 412 and 422.

The ownership rule: a referral system sees only the referrals it created,
and to it the others do not exist (``NotFound``, not "forbidden", so that it
cannot probe for ids).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from catalogue.base import utcnow
from catalogue.errors import InvalidRecord, NotFound, VersionConflict
from catalogue.jsonsafe import jsonable
from catalogue.store import Store

from .models import Referral, ReferralEvent
from .privacy import CPR_MESSAGE, PSEUDONYM_MESSAGE, contains_cpr, is_pseudonym
from .vocab import AGE_BANDS, INITIAL_STATUS, REASONS, TRANSITIONS

#: The role whose callers see only their own referrals (``api.auth`` roles).
OWN_REFERRALS_ONLY_ROLE = "referral_system"

#: The fields a navigator may change with :func:`update`, besides ``wellbeing``;
#: the status moves only through :func:`referrals.lifecycle.move`.
PLAIN_FIELDS = ("reasons",)


@dataclass(frozen=True)
class Requester:
    """Who acts: the API key's ``name`` (recorded as a referral's source), its
    ``role`` and the ``actor`` string written to the history."""

    name: str
    role: str
    actor: str

    @property
    def sees_only_own(self) -> bool:
        return self.role == OWN_REFERRALS_ONLY_ROLE


def may_see(requester: Requester | None, row: Referral) -> bool:
    """The ownership rule. ``None`` is a trusted caller inside the service (CLI, jobs)."""
    return requester is None or not requester.sees_only_own or row.source == requester.name


def record(row: Referral) -> dict[str, Any]:
    """A referral as a plain dict: ``id, citizen_ref, external_ref, gp_practice,
    received, age_band, postcode, town, reasons, status, close_reason,
    interests, barriers, previous_id, offer_ids, wellbeing, created_at,
    updated_at, version`` (dates and datetimes as such)."""
    return {
        "id": row.id,
        "citizen_ref": row.citizen_ref,
        "external_ref": row.external_ref,
        "gp_practice": row.gp_practice,
        "received": row.received,
        "age_band": row.age_band,
        "postcode": row.postcode,
        "town": row.town,
        "reasons": list(row.reasons or []),
        "status": row.status,
        "close_reason": row.close_reason,
        "interests": list(row.interests or []),
        "barriers": list(row.barriers or []),
        "previous_id": row.previous_id,
        "offer_ids": list(row.offer_ids or []),
        "wellbeing": dict(row.wellbeing or {}),
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "version": row.version,
    }


def create(
    session: Session,
    requester: Requester,
    *,
    citizen_ref: str,
    external_ref: str | None = None,
    gp_practice: str | None = None,
    received: date | None = None,
    age_band: str | None = None,
    postcode: str | None = None,
    town: str | None = None,
    reasons: Sequence[str] = (),
    previous_id: str | None = None,
) -> Referral:
    """Register a referral with status ``received`` and its first history event.
    ``postcode`` and ``town`` are stored as given (the HTTP schema resolves them
    with the gazetteer first). ``previous_id`` makes it a re-referral: the
    closed referral before it, which the requester may see.

    Raises ``InvalidRecord`` for a CPR number in any text field, a malformed
    ``external_ref``, an unknown age band or reason code (the HTTP schemas
    refuse all of these earlier; this is the domain's own guard), or a
    ``previous_id`` that is not a closed referral the requester may see.
    """
    errors: dict[str, list[str]] = {}
    texts = {"citizen_ref": citizen_ref, "external_ref": external_ref, "gp_practice": gp_practice, "town": town}
    for key, value in {**texts, "postcode": postcode}.items():
        if value is not None and contains_cpr(value):
            errors[key] = [CPR_MESSAGE]
    if external_ref is not None and "external_ref" not in errors and not is_pseudonym(external_ref):
        errors["external_ref"] = [PSEUDONYM_MESSAGE]
    if age_band is not None and age_band not in AGE_BANDS:
        errors["age_band"] = [f"Unknown age band; use one of {', '.join(AGE_BANDS)}."]
    unknown = [r for r in reasons if r not in REASONS]
    if unknown:
        errors["reasons"] = [f"Unknown reason: {', '.join(unknown)}."]
    if previous_id is not None:
        previous = session.get(Referral, previous_id)
        if previous is None or not may_see(requester, previous) or previous.status != "closed":
            errors["previous_id"] = ["A re-referral links to a closed referral from the same referring system."]
    if errors:
        raise InvalidRecord(errors)
    row = Referral(
        id=str(uuid.uuid4()),
        citizen_ref=citizen_ref,
        external_ref=external_ref,
        source=requester.name,
        gp_practice=gp_practice,
        received=received,
        age_band=age_band,
        postcode=postcode,
        town=town,
        reasons=list(reasons),
        previous_id=previous_id,
        interests=[],
        barriers=[],
        status=INITIAL_STATUS,
        offer_ids=[],
        wellbeing={},
        updated_by=requester.actor,
    )
    session.add(row)
    session.flush()
    created: dict[str, Any] = {"created": True, **({"previous_id": previous_id} if previous_id else {})}
    session.add(ReferralEvent(referral_id=row.id, actor=requester.actor, status=row.status, changes=created))
    session.flush()
    return row


def find(session: Session, source: str, external_ref: str) -> Referral | None:
    """The referral ``source`` (an API key name) sent with its own id ``external_ref``, if any."""
    return session.scalar(select(Referral).where(Referral.source == source, Referral.external_ref == external_ref))


def receive(store: Store, requester: Requester, **fields: Any) -> tuple[Referral, bool]:
    """Intake: :func:`create` unless the requester already sent a referral with
    this ``external_ref``, which is then returned as it is (the re-sent fields
    are not applied). Returns ``(referral, created)``. Another referring system
    may use the same ``external_ref`` for its own referral. The same
    ``external_ref`` for another ``citizen_ref`` is ``InvalidRecord`` naming
    ``external_ref`` (a second citizen's referral is not silently dropped).

    Takes the ``Store`` because two sends racing past the look-up are only
    told apart by the unique constraint when the second commits; it then
    reads the first one's referral in a fresh session. Raises as :func:`create`.
    """
    external_ref = fields.get("external_ref")
    try:
        with store.write() as session:
            existing = find(session, requester.name, external_ref) if external_ref else None
            if existing is not None:
                return _same_citizen(existing, fields.get("citizen_ref")), False
            return create(session, requester, **fields), True
    except IntegrityError:
        if not external_ref:
            raise
        with store.read() as session:
            existing = find(session, requester.name, external_ref)
        if existing is None:
            raise
        return _same_citizen(existing, fields.get("citizen_ref")), False


def _same_citizen(existing: Referral, citizen_ref: str | None) -> Referral:
    """``existing`` when a re-send is for its citizen (or it was anonymised); else InvalidRecord."""
    if existing.anonymised_at is None and citizen_ref is not None and existing.citizen_ref != citizen_ref:
        raise InvalidRecord({"external_ref": ["Already used for another citizen's referral: send a new id."]})
    return existing


def get(session: Session, referral_id: str, requester: Requester | None) -> Referral:
    """One referral; raises ``NotFound`` when there is none, or the requester may not see it."""
    row = session.get(Referral, referral_id)
    if row is None or not may_see(requester, row):
        raise NotFound("referral", referral_id)
    return row


def list_page(session: Session, *, status: str | None, page: int, per_page: int) -> tuple[list[Referral], int]:
    """One page (``page`` from 1) of referrals, newest first, and the total count;
    ``status`` filters when given. For navigators, who see every referral."""
    stmt = select(Referral)
    if status:
        stmt = stmt.where(Referral.status == status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(Referral.created_at.desc(), Referral.id).offset((page - 1) * per_page).limit(per_page)
    )
    return list(rows), total


def open_page(session: Session, requester: Requester, *, page: int, per_page: int) -> tuple[list[Referral], int]:
    """One page (``page`` from 1) of the open referrals (a status the lifecycle still moves on from) that the
    requester may see (the ownership rule of :func:`may_see`), newest first,
    and the total count: the navigator's choice of referral to work on."""
    open_statuses = [status for status, moves in TRANSITIONS.items() if moves]
    stmt = select(Referral).where(Referral.status.in_(open_statuses))
    if requester.sees_only_own:
        stmt = stmt.where(Referral.source == requester.name)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(Referral.created_at.desc(), Referral.id).offset((page - 1) * per_page).limit(per_page)
    )
    return list(rows), total


def changed_since(
    session: Session, requester: Requester, modified_after: datetime, *, page: int, per_page: int
) -> tuple[list[Referral], int]:
    """The requester's own referrals (every referral for a navigator or admin)
    changed after ``modified_after`` (timezone-aware), oldest change first, so a
    referral system can poll and resume from the last ``updated_at`` it saw;
    one page (``page`` from 1) and the total count."""
    stmt = select(Referral).where(Referral.updated_at > modified_after)
    if requester.sees_only_own:
        stmt = stmt.where(Referral.source == requester.name)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(Referral.updated_at, Referral.id).offset((page - 1) * per_page).limit(per_page)
    )
    return list(rows), total


def history(session: Session, referral_id: str, requester: Requester | None) -> list[ReferralEvent]:
    """The status history, oldest first; raises ``NotFound`` like :func:`get`."""
    get(session, referral_id, requester)
    return list(
        session.scalars(
            select(ReferralEvent).where(ReferralEvent.referral_id == referral_id).order_by(ReferralEvent.id)
        )
    )


def merge_wellbeing(current: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """The well-being scores after ``update``: each phase given (``baseline``,
    ``followup``) replaces the stored one, dates as ISO text; a phase given as
    ``None`` or left out keeps what is stored."""
    merged = dict(current)
    for phase, score in update.items():
        if score is not None:
            merged[phase] = jsonable(score)
    return merged


def update(
    store: Store, referral_id: str, requester: Requester, expected_version: int, data: Mapping[str, Any]
) -> Referral:
    """Edit a referral's ``reasons`` and ``wellbeing`` (merged by
    :func:`merge_wellbeing`); the status moves only by
    :func:`referrals.lifecycle.move`. A change writes one history event with
    ``[old, new]`` per field; no change writes nothing.

    Raises ``InvalidRecord`` for unknown codes, ``NotFound`` as
    :func:`get`, and ``VersionConflict`` (carrying the current record) when
    the referral is not at ``expected_version`` or someone saves first.
    """
    _check_codes(data)
    try:
        with store.write() as session:
            row = get(session, referral_id, requester)
            if row.version != expected_version:
                raise VersionConflict(referral_id, expected_version, record(row))
            changes: dict[str, Any] = {}
            for key in PLAIN_FIELDS:
                if key in data and data[key] != getattr(row, key):
                    changes[key] = [getattr(row, key), data[key]]
                    setattr(row, key, data[key])
            if "wellbeing" in data:
                merged = merge_wellbeing(row.wellbeing or {}, data["wellbeing"])
                if merged != row.wellbeing:
                    changes["wellbeing"] = [row.wellbeing, merged]
                    row.wellbeing = merged
            if changes:
                row.updated_at, row.updated_by = utcnow(), requester.actor
                session.flush()
                session.add(
                    ReferralEvent(
                        referral_id=row.id, actor=requester.actor, status=row.status, changes=jsonable(changes)
                    )
                )
    except StaleDataError:
        with store.read() as session:
            raise VersionConflict(referral_id, expected_version, record(get(session, referral_id, requester))) from None
    return row


def _check_codes(data: Mapping[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    unknown = [r for r in data.get("reasons") or [] if r not in REASONS]
    if unknown:
        errors["reasons"] = [f"Unknown reason: {', '.join(unknown)}."]
    if errors:
        raise InvalidRecord(errors)


__all__ = [
    "OWN_REFERRALS_ONLY_ROLE",
    "Requester",
    "changed_since",
    "create",
    "find",
    "get",
    "history",
    "list_page",
    "may_see",
    "merge_wellbeing",
    "open_page",
    "receive",
    "record",
    "update",
]
