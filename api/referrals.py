"""Referrals: from a GP's referral system to the navigator, and how it went.

Pseudonymous by construction: the referring system sends its own
pseudonym for the citizen (``citizen_ref``), reason codes from a fixed list,
and later well-being scores as numbers. There is no field for a name, a CPR
number or a diagnosis, and a pseudonym that looks like a CPR number is
refused. A referral system sees only the referrals it created, and only
their status.
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any, Final

from flask import Response, jsonify
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates, validates_schema
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from catalogue.errors import NotFound, VersionConflict
from catalogue.models import utcnow
from referrals.models import Referral, ReferralEvent

from .auth import current_caller, requires
from .common import PageArgs, expected_version, page_body, with_etag
from .extensions import get_store
from .serialize import jsonable

blp = Blueprint("referrals", __name__, url_prefix="/api/v1/referrals", description="Referrals from GPs, pseudonymous.")

REASONS: Final[dict[str, str]] = {
    "loneliness": "Ensomhed",
    "low_mood": "Nedtrykthed",
    "anxiety": "Angst eller uro",
    "stress": "Stress",
    "bereavement": "Sorg efter tab",
    "inactivity": "Fysisk inaktivitet",
    "chronic_condition": "Lever med kronisk sygdom",
    "life_change": "Stor forandring i livet",
    "other": "Andet",
}
STATUSES: Final[dict[str, str]] = {
    "received": "Modtaget",
    "contacted": "Borgeren er kontaktet",
    "matched": "Tilbud fundet",
    "started": "Borgeren er startet",
    "followed_up": "Fulgt op",
    "closed": "Afsluttet",
    "declined": "Borgeren takkede nej",
}
CPR_LIKE = re.compile(r"(?<!\d)[0-3]\d[01]\d\d\d-?\d{4}(?!\d)")


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class ScoreSchema(_Strict):
    """Well-being measured with WHO-5 (raw 0-25) and life satisfaction (0-10)."""

    date = fields.Date(required=True)
    who5 = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(0, 25))
    life_satisfaction = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(0, 10))

    @validates_schema
    def _some(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("who5") is None and data.get("life_satisfaction") is None:
            raise ValidationError("Give who5, life_satisfaction or both.")
        if data["date"] > date.today():
            raise ValidationError("The date is in the future.", "date")


class WellbeingSchema(_Strict):
    baseline = fields.Nested(ScoreSchema, load_default=None, allow_none=True)
    followup = fields.Nested(ScoreSchema, load_default=None, allow_none=True)


class ReferralCreateSchema(_Strict):
    citizen_ref = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[A-Za-z0-9][A-Za-z0-9._:-]{3,63}$", error="A pseudonym of 4-64 letters, digits, . _ : -"
        ),
        metadata={"description": "The referring system's own pseudonym for the citizen. Never a CPR number or a name."},
    )
    gp_practice = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^\d{1,20}$", error="Digits only (the practice's ydernummer)."),
    )
    reasons = fields.List(
        fields.String(validate=validate.OneOf(list(REASONS))), load_default=list, validate=validate.Length(max=5)
    )

    @validates("citizen_ref")
    def _not_cpr(self, value: str, **_: Any) -> None:
        if CPR_LIKE.search(value):
            raise ValidationError("This looks like a CPR number. Send a pseudonym, never a CPR number.")


class ReferralUpdateSchema(_Strict):
    status = fields.String(validate=validate.OneOf(list(STATUSES)))
    offer_ids = fields.List(fields.String(), validate=validate.Length(max=20))
    reasons = fields.List(fields.String(validate=validate.OneOf(list(REASONS))), validate=validate.Length(max=5))
    wellbeing = fields.Nested(WellbeingSchema)


class ReferralSchema(Schema):
    id = fields.String()
    citizen_ref = fields.String()
    gp_practice = fields.String(allow_none=True)
    reasons = fields.List(fields.String())
    status = fields.String()
    offer_ids = fields.List(fields.String())
    wellbeing = fields.Dict()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer()


class ReferralStatusSchema(Schema):
    id = fields.String()
    status = fields.String()
    status_label = fields.String()
    updated_at = fields.DateTime()


class ReferralListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(list(STATUSES)))


def _to_dict(row: Referral) -> dict[str, Any]:
    return {
        "id": row.id,
        "citizen_ref": row.citizen_ref,
        "gp_practice": row.gp_practice,
        "reasons": list(row.reasons or []),
        "status": row.status,
        "offer_ids": list(row.offer_ids or []),
        "wellbeing": dict(row.wellbeing or {}),
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "version": row.version,
    }


def _session() -> Session:
    return Session(get_store().engine, expire_on_commit=False)


def _load(session: Session, referral_id: str) -> Referral:
    row = session.get(Referral, referral_id)
    caller = current_caller()
    # A referral system may only see its own referrals; to it, others do not exist.
    if row is None or (caller is not None and caller.role == "referral_system" and row.source != caller.name):
        raise NotFound("referral", referral_id)
    return row


@blp.route("")
class Referrals(MethodView):
    @requires("referral_system", "navigator")
    @blp.arguments(ReferralCreateSchema)
    @blp.response(201, ReferralSchema)
    def post(self, data: dict[str, Any]) -> Response:
        """Register a referral (from a GP's system, or by a navigator)."""
        caller = current_caller()
        assert caller is not None
        row = Referral(
            id=str(uuid.uuid4()),
            citizen_ref=data["citizen_ref"],
            source=caller.name,
            gp_practice=data.get("gp_practice"),
            reasons=data.get("reasons") or [],
            status="received",
            offer_ids=[],
            wellbeing={},
            updated_by=caller.actor,
        )
        with _session() as session, session.begin():
            session.add(row)
            session.flush()
            session.add(
                ReferralEvent(referral_id=row.id, actor=caller.actor, status="received", changes={"created": True})
            )
        response = with_etag(_to_dict(row), 201)
        response.headers["Location"] = f"/api/v1/referrals/{row.id}"
        return response

    @requires("navigator")
    @blp.arguments(ReferralListArgs, location="query")
    def get(self, args: dict[str, Any]) -> Response:
        """List referrals for the navigators' work queue."""
        page, per_page = args["page"], args["per_page"]
        stmt = select(Referral)
        if args.get("status"):
            stmt = stmt.where(Referral.status == args["status"])
        with _session() as session:
            total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
            rows = session.scalars(
                stmt.order_by(Referral.created_at.desc(), Referral.id).offset((page - 1) * per_page).limit(per_page)
            )
            items = [_to_dict(r) for r in rows]
        return jsonify(page_body(items, total, page, per_page))


@blp.route("/<referral_id>")
class ReferralItem(MethodView):
    @requires("navigator")
    @blp.response(200, ReferralSchema)
    def get(self, referral_id: str) -> Response:
        """A referral in full (navigators)."""
        with _session() as session:
            return with_etag(_to_dict(_load(session, referral_id)))

    @requires("navigator")
    @blp.arguments(ReferralUpdateSchema)
    @blp.doc(parameters=[{"in": "header", "name": "If-Match", "required": True, "schema": {"type": "string"}}])
    @blp.response(200, ReferralSchema)
    def patch(self, data: dict[str, Any], referral_id: str) -> Response:
        """Move a referral on: status, suggested offers, well-being scores. Needs If-Match."""
        version = expected_version()
        caller = current_caller()
        assert caller is not None
        if "offer_ids" in data:
            missing = sorted(set(data["offer_ids"]) - set(get_store().get_offers(data["offer_ids"])))
            if missing:
                raise ValidationError({"offer_ids": [f"Unknown offer: {', '.join(missing)}."]})
        try:
            with _session() as session, session.begin():
                row = _load(session, referral_id)
                if row.version != version:
                    raise VersionConflict(referral_id, version, jsonable(_to_dict(row)))
                changes: dict[str, Any] = {}
                for key in ("status", "offer_ids", "reasons"):
                    if key in data and data[key] != getattr(row, key):
                        changes[key] = [getattr(row, key), data[key]]
                        setattr(row, key, data[key])
                if "wellbeing" in data:
                    merged = dict(row.wellbeing or {})
                    for phase, score in data["wellbeing"].items():
                        if score is not None:
                            merged[phase] = jsonable(score)
                    if merged != row.wellbeing:
                        changes["wellbeing"] = [row.wellbeing, merged]
                        row.wellbeing = merged
                if changes:
                    row.updated_at, row.updated_by = utcnow(), caller.actor
                    session.flush()
                    session.add(
                        ReferralEvent(
                            referral_id=row.id, actor=caller.actor, status=row.status, changes=jsonable(changes)
                        )
                    )
                result = _to_dict(row)
        except StaleDataError:
            with _session() as session:
                raise VersionConflict(referral_id, version, jsonable(_to_dict(_load(session, referral_id)))) from None
        return with_etag(result)


@blp.route("/<referral_id>/status")
class ReferralStatus(MethodView):
    @requires("referral_system", "navigator")
    @blp.response(200, ReferralStatusSchema)
    def get(self, referral_id: str) -> dict[str, Any]:
        """Where a referral stands, and nothing more (for the referring system)."""
        with _session() as session:
            row = _load(session, referral_id)
            return {
                "id": row.id,
                "status": row.status,
                "status_label": STATUSES[row.status],
                "updated_at": row.updated_at,
            }


@blp.route("/<referral_id>/history")
class ReferralHistory(MethodView):
    @requires("navigator")
    def get(self, referral_id: str) -> Response:
        """Status history: who moved the referral, when."""
        with _session() as session:
            _load(session, referral_id)
            events = session.scalars(
                select(ReferralEvent).where(ReferralEvent.referral_id == referral_id).order_by(ReferralEvent.id)
            )
            body = [{"at": e.at, "actor": e.actor, "status": e.status, "changes": e.changes} for e in events]
        return jsonify({"referral_id": referral_id, "events": jsonable(body)})


__all__ = ["blp"]
