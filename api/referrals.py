"""Referrals over HTTP: parse, call ``referrals``, serialise.

The lifecycle, the vocabularies and the privacy guards live in the
``referrals`` package; this module only states the HTTP contract. A referral
system sees only the referrals it created, and only their status. Offers
proposed, companions and questionnaires are in ``api.referral_steps``; the
FHIR interface in ``api.fhir``; the outcome report and research export in
``api.referral_reports``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response
from flask.views import MethodView

from referrals import lifecycle, service
from referrals.models import Referral

from .auth import Caller, current_caller, requires
from .common import Blueprint, etag_headers, if_match_required, not_modified, page
from .errors import envelope
from .extensions import get_store
from .referral_schemas import (
    ReferralCreateSchema,
    ReferralHistorySchema,
    ReferralListArgs,
    ReferralPageSchema,
    ReferralSchema,
    ReferralStatusSchema,
    ReferralUpdateSchema,
    TransitionSchema,
)

blp = Blueprint("referrals", __name__, url_prefix="/api/v1/referrals", description="Referrals from GPs, pseudonymous.")


def requester() -> service.Requester:
    """Who acts: the key's name decides ownership; history records the key id and role, never a name."""
    caller: Caller | None = current_caller()
    assert caller is not None  # every view here is behind @requires
    return service.Requester(name=caller.name, role=caller.role, actor=f"{caller.role}#{caller.key_id}")


def status_only(row: Referral) -> dict[str, Any]:
    """A referral as a referral system may see it."""
    return {
        "id": row.id,
        "external_ref": row.external_ref,
        "status": row.status,
        "close_reason": row.close_reason,
        "updated_at": row.updated_at,
    }


def conflict(exc: lifecycle.InvalidTransition) -> Response:
    """409 in the error envelope, listing the allowed moves under ``errors.to``."""
    allowed = ", ".join(exc.allowed) or "none"
    return envelope(409, f"{exc} Allowed from {exc.current!r}: {allowed}.", {"to": [f"Allowed: {allowed}."]})


blp.register_error_handler(lifecycle.InvalidTransition, conflict)


@blp.route("")
class Referrals(MethodView):
    @requires("referral_system", "navigator")
    @blp.arguments(ReferralCreateSchema)
    @blp.response(201, ReferralStatusSchema)
    @blp.alt_response(
        200, schema=ReferralStatusSchema, description="Already received: this caller sent this external_ref."
    )
    def post(self, data: dict[str, Any]) -> tuple[Referral, int, dict[str, str]]:
        """Register a referral (from a GP's system, or by a navigator); idempotent per external_ref.

        Answers with the status only; a navigator reads the rest with GET."""
        data.pop("consent")  # required to be true; every stored referral has it
        row, created = service.receive(get_store(), requester(), **data)
        return row, 201 if created else 200, {**etag_headers(row.version), "Location": f"/api/v1/referrals/{row.id}"}

    @requires("referral_system", "navigator")
    @blp.arguments(ReferralListArgs, location="query")
    @blp.response(200, ReferralPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List referrals: the navigators' work queue, newest first; with `modified_after`, the
        referrals changed since then, oldest change first.

        A referral system sees only its own referrals and only their status (`id, external_ref,
        status, status_label, close_reason, updated_at`), never the navigator's working data."""
        who, page_no, per_page = requester(), args["page"], args["per_page"]
        with get_store().read() as session:
            if who.sees_only_own or "modified_after" in args:
                since = args.get("modified_after") or datetime.min.replace(tzinfo=UTC)
                rows, total = service.changed_since(session, who, since, page=page_no, per_page=per_page)
            else:
                rows, total = service.list_page(session, status=args.get("status"), page=page_no, per_page=per_page)
        if who.sees_only_own:
            return page([status_only(r) for r in rows], total, page_no, per_page)
        return page(rows, total, page_no, per_page)


@blp.route("/<referral_id>")
class ReferralItem(MethodView):
    @requires("navigator")
    @blp.response(200, ReferralSchema)
    def get(self, referral_id: str) -> Response | tuple[Referral, int, dict[str, str]]:
        """A referral in full (navigators)."""
        with get_store().read() as session:
            row = service.get(session, referral_id, requester())
        return not_modified(row.version) or (row, 200, etag_headers(row.version))

    @requires("navigator")
    @if_match_required
    @blp.arguments(ReferralUpdateSchema)
    @blp.response(200, ReferralSchema)
    def patch(self, data: dict[str, Any], referral_id: str, version: int) -> tuple[Referral, int, dict[str, str]]:
        """Edit reason codes and well-being scores. Needs If-Match. The status moves by POST .../transitions."""
        row = service.update(get_store(), referral_id, requester(), version, data)
        return row, 200, etag_headers(row.version)


@blp.route("/<referral_id>/transitions")
class ReferralTransitions(MethodView):
    @requires("navigator", throttle="write")
    @if_match_required
    @blp.arguments(TransitionSchema)
    @blp.response(200, ReferralSchema)
    @blp.alt_response(409, "CONFLICT", description="Not allowed from the current status; `errors.to` lists what is.")
    def post(self, data: dict[str, Any], referral_id: str, version: int) -> tuple[Referral, int, dict[str, str]]:
        """Move a referral on: received -> contacted | could_not_contact -> assessed -> matched -> started
        (repeatable) -> following_up -> closed (with close_reason). Needs If-Match."""
        step = lifecycle.Step(
            to=data["to"],
            close_reason=data["close_reason"],
            interests=data["interests"],
            barriers=data["barriers"],
            query_id=data["query_id"],
            proposals=[lifecycle.Proposal(**p) for p in data["proposals"]],
            offer_id=data["offer_id"],
            on=data["on"],
        )
        row = lifecycle.move(get_store(), referral_id, requester(), version, step)
        return row, 200, etag_headers(row.version)


@blp.route("/<referral_id>/status")
class ReferralStatus(MethodView):
    @requires("referral_system", "navigator")
    @blp.response(200, ReferralStatusSchema)
    def get(self, referral_id: str) -> Referral:
        """Where a referral stands, and nothing more (for the referring system)."""
        with get_store().read() as session:
            return service.get(session, referral_id, requester())


@blp.route("/<referral_id>/history")
class ReferralHistory(MethodView):
    @requires("navigator")
    @blp.response(200, ReferralHistorySchema)
    def get(self, referral_id: str) -> dict[str, Any]:
        """Status history: who (key id and role) moved the referral, when."""
        with get_store().read() as session:
            events = service.history(session, referral_id, requester())
        return {"referral_id": referral_id, "events": events}


__all__ = ["blp", "conflict", "requester", "status_only"]
