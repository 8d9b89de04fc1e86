"""The lifecycle of a referral: moving it from status to status, proposing
offers from a match, the offers a citizen starts, and companion requests.

``received`` -> ``contacted`` | ``could_not_contact`` -> ``assessed`` ->
``matched`` -> ``started`` (repeatable) -> ``following_up`` -> ``closed``
with a reason (:data:`referrals.vocab.TRANSITIONS`). Each move writes one
history event with who (the requester's ``actor``: key id and role) and when.
A move the lifecycle does not allow raises :class:`InvalidTransition`
(HTTP 409, listing the allowed ones); bad input raises ``InvalidRecord``
(422, per field); a stale ``expected_version`` raises ``VersionConflict`` (412).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from catalogue.base import utcnow
from catalogue.errors import InvalidRecord, NotFound, VersionConflict
from catalogue.jsonsafe import jsonable
from catalogue.models import Category, Offer
from catalogue.store import Store

from .models import CompanionRequest, Referral, ReferralEvent, ReferralOffer
from .service import Requester, get, record
from .vocab import CLOSE_REASONS, COMPANION_TRANSITIONS, MAX_CODES, MAX_OFFERS, TRANSITIONS


class InvalidTransition(Exception):
    """The lifecycle does not allow ``current`` -> ``wanted``; ``allowed`` lists what it does allow."""

    def __init__(self, what: str, current: str, wanted: str, allowed: Sequence[str]) -> None:
        super().__init__(f"A {what} cannot go from {current!r} to {wanted!r}.")
        self.what, self.current, self.wanted, self.allowed = what, current, wanted, tuple(allowed)


@dataclass(frozen=True)
class Proposal:
    """An offer as a match ranked it: ``rank`` from 1, ``score`` the match's combined score."""

    offer_id: str
    rank: int
    score: float


@dataclass(frozen=True)
class Step:
    """One move: ``to`` a status, with what that status needs:

    - ``closed``: ``close_reason`` (:data:`referrals.vocab.CLOSE_REASONS`);
    - ``assessed``: ``interests`` (at least one category code) and ``barriers`` (codes, may be empty);
    - ``matched``: ``proposals`` from the match ``query_id`` (offers that exist);
    - ``started``: ``offer_id``, one of the proposed offers, and ``on`` (the date; today when None).
    """

    to: str
    close_reason: str | None = None
    interests: Sequence[str] = ()
    barriers: Sequence[str] = ()
    query_id: str | None = None
    proposals: Sequence[Proposal] = field(default_factory=tuple)
    offer_id: str | None = None
    on: date | None = None


def allowed_moves(status: str) -> tuple[str, ...]:
    """The statuses a referral in ``status`` may move to (empty once closed)."""
    return TRANSITIONS.get(status, ())


def move(store: Store, referral_id: str, requester: Requester, expected_version: int, step: Step) -> Referral:
    """Move a referral on by ``step`` in one transaction; returns the updated referral.

    Raises ``NotFound``, ``VersionConflict`` (the current record), :class:`InvalidTransition`
    and ``InvalidRecord`` as the module says."""
    try:
        with store.write() as session:
            row = get(session, referral_id, requester)
            if row.version != expected_version:
                raise VersionConflict(referral_id, expected_version, record(row))
            allowed = allowed_moves(row.status)
            if step.to not in allowed:
                raise InvalidTransition("referral", row.status, step.to, allowed)
            changes = _apply(session, row, step)
            changes["status"] = [row.status, step.to]
            row.status = step.to
            row.updated_at, row.updated_by = utcnow(), requester.actor
            session.flush()
            session.add(
                ReferralEvent(referral_id=row.id, actor=requester.actor, status=row.status, changes=jsonable(changes))
            )
    except StaleDataError:
        with store.read() as session:
            raise VersionConflict(referral_id, expected_version, record(get(session, referral_id, requester))) from None
    return row


def _apply(session: Session, row: Referral, step: Step) -> dict[str, Any]:
    """Check what ``step.to`` needs, write it, and return the changes for the history."""
    if step.to == "closed":
        if step.close_reason not in CLOSE_REASONS:
            raise InvalidRecord({"close_reason": [f"Give the reason for closing: one of {', '.join(CLOSE_REASONS)}."]})
        row.close_reason = step.close_reason
        return {"close_reason": step.close_reason}
    if step.close_reason is not None:
        raise InvalidRecord({"close_reason": ["Only a referral being closed has a close reason."]})
    if step.to == "assessed":
        return _assess(session, row, step)
    if step.to == "matched":
        return _propose(session, row, step)
    if step.to == "started":
        return _start(session, row, step)
    return {}


def _assess(session: Session, row: Referral, step: Step) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    if not step.interests:
        errors["interests"] = ["Give at least one interest (a category code)."]
    else:
        known = set(session.scalars(select(Category.code)))
        unknown = sorted(set(step.interests) - known)
        if unknown:
            errors["interests"] = [f"Unknown category code(s): {', '.join(unknown)} (see GET /api/v1/offers)."]
    for key, codes in (("interests", step.interests), ("barriers", step.barriers)):
        if len(codes) > MAX_CODES:
            errors[key] = [f"At most {MAX_CODES} codes."]
    if errors:
        raise InvalidRecord(errors)
    row.interests, row.barriers = sorted(set(step.interests)), sorted(set(step.barriers))
    return {"interests": row.interests, "barriers": row.barriers}


def _propose(session: Session, row: Referral, step: Step) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    ids = [p.offer_id for p in step.proposals]
    if not ids:
        errors["proposals"] = ["Propose at least one offer from the match result."]
    elif len(ids) > MAX_OFFERS:
        errors["proposals"] = [f"At most {MAX_OFFERS} offers."]
    elif len(set(ids)) != len(ids):
        errors["proposals"] = ["Each offer once."]
    missing = sorted(set(ids) - set(session.scalars(select(Offer.id).where(Offer.id.in_(ids))))) if ids else []
    if missing:
        errors["proposals"] = [f"Unknown offer: {', '.join(missing)}."]
    for i, p in enumerate(step.proposals):
        if p.rank < 1:
            errors[f"proposals.{i}.rank"] = ["A rank is 1 or more."]
    if errors:
        raise InvalidRecord(errors)
    existing = {
        o.offer_id: o for o in session.scalars(select(ReferralOffer).where(ReferralOffer.referral_id == row.id))
    }
    for p in step.proposals:
        offer = existing.get(p.offer_id)
        if offer is None:
            session.add(
                ReferralOffer(
                    referral_id=row.id, offer_id=p.offer_id, query_id=step.query_id, rank=p.rank, score=p.score
                )
            )
        else:
            offer.query_id, offer.rank, offer.score = step.query_id, p.rank, p.score
    row.offer_ids = sorted(set(row.offer_ids or []) | set(ids))
    return {"query_id": step.query_id, "proposed": [[p.offer_id, p.rank] for p in step.proposals]}


def _start(session: Session, row: Referral, step: Step) -> dict[str, Any]:
    offer = proposed_offer(session, row.id, step.offer_id)
    if offer is None:
        raise InvalidRecord({"offer_id": ["Give one of the offers proposed to this citizen."]})
    on = step.on or date.today()
    if on > date.today():
        raise InvalidRecord({"on": ["The date is in the future."]})
    received = row.received or (row.created_at.date() if row.created_at else None)
    if received is not None and on < received:
        raise InvalidRecord({"on": ["Before the referral was received."]})
    offer.started_on = on
    return {"offer_id": offer.offer_id, "started_on": on}


def proposed_offer(session: Session, referral_id: str, offer_id: str | None) -> ReferralOffer | None:
    """The proposal of ``offer_id`` to this referral, or None."""
    if not offer_id:
        return None
    return session.scalar(
        select(ReferralOffer).where(ReferralOffer.referral_id == referral_id, ReferralOffer.offer_id == offer_id)
    )


def proposals(session: Session, referral_id: str, requester: Requester | None) -> list[ReferralOffer]:
    """The offers proposed to a referral, best rank first; raises ``NotFound`` as ``service.get``."""
    get(session, referral_id, requester)
    stmt = select(ReferralOffer).where(ReferralOffer.referral_id == referral_id)
    return list(session.scalars(stmt.order_by(ReferralOffer.rank, ReferralOffer.id)))


def request_companion(store: Store, referral_id: str, requester: Requester, offer_id: str) -> CompanionRequest:
    """Ask for a companion for a proposed or started offer (state ``requested``).
    Raises ``NotFound``, ``InvalidRecord`` (``offer_id`` not proposed), or
    :class:`InvalidTransition` when the referral is closed."""
    with store.write() as session:
        row = get(session, referral_id, requester)
        if row.status == "closed":
            raise InvalidTransition("companion request", "closed", "requested", ())
        if proposed_offer(session, referral_id, offer_id) is None:
            raise InvalidRecord({"offer_id": ["Give one of the offers proposed to this citizen."]})
        companion = CompanionRequest(
            referral_id=referral_id, offer_id=offer_id, state="requested", updated_by=requester.actor
        )
        session.add(companion)
        session.flush()
        touch(session, row, requester, {"companion": [companion.id, None, "requested"]})
        return companion


def move_companion(
    store: Store, referral_id: str, companion_id: int, requester: Requester, state: str
) -> CompanionRequest:
    """Move a companion request on: ``requested`` -> ``found`` -> ``went_along``, or ``cancelled``.
    Raises ``NotFound`` and :class:`InvalidTransition`."""
    with store.write() as session:
        row = get(session, referral_id, requester)
        companion = session.get(CompanionRequest, companion_id)
        if companion is None or companion.referral_id != referral_id:
            raise NotFound("companion request", str(companion_id))
        allowed = COMPANION_TRANSITIONS[companion.state]
        if state not in allowed:
            raise InvalidTransition("companion request", companion.state, state, allowed)
        old, companion.state = companion.state, state
        companion.updated_at, companion.updated_by = utcnow(), requester.actor
        touch(session, row, requester, {"companion": [companion.id, old, state]})
        return companion


def companions(session: Session, referral_id: str, requester: Requester | None) -> list[CompanionRequest]:
    """The companion requests of a referral, oldest first."""
    get(session, referral_id, requester)
    stmt = select(CompanionRequest).where(CompanionRequest.referral_id == referral_id)
    return list(session.scalars(stmt.order_by(CompanionRequest.id)))


def touch(session: Session, row: Referral, requester: Requester, changes: dict[str, Any]) -> None:
    """A change beside the status: a history event, and the referral's ``updated_at``."""
    row.updated_at, row.updated_by = utcnow(), requester.actor
    session.flush()
    session.add(ReferralEvent(referral_id=row.id, actor=requester.actor, status=row.status, changes=jsonable(changes)))


__all__ = [
    "InvalidTransition",
    "Proposal",
    "Step",
    "allowed_moves",
    "companions",
    "move",
    "move_companion",
    "proposals",
    "request_companion",
    "touch",
]
