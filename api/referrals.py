"""Referrals over HTTP: parse, call ``referrals.service``, serialise.

The lifecycle, the vocabularies and the privacy guards live in the
``referrals`` package; this module only states the HTTP contract. A referral
system sees only the referrals it created, and only their status.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, request
from flask.views import MethodView
from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates_schema,
)

from catalogue.gazetteer import default_gazetteer
from catalogue.privacy import CprGuard
from referrals import service
from referrals.models import Referral
from referrals.privacy import PSEUDONYM_MESSAGE, PSEUDONYM_PATTERN, unknown_field_errors
from referrals.vocab import AGE_BANDS, MAX_OFFERS, MAX_REASONS, REASONS, STATUSES, status_label

from .auth import Caller, current_caller, requires
from .common import Blueprint, PageArgs, etag_of, if_match_required
from .extensions import get_store

blp = Blueprint("referrals", __name__, url_prefix="/api/v1/referrals", description="Referrals from GPs, pseudonymous.")


class _Strict(CprGuard):
    """Unknown fields refused; a CPR number anywhere refused (:mod:`catalogue.privacy`)."""

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


class ExactlyTrue(fields.Boolean):
    """A boolean that loads only from JSON ``true``: ``"true"``, ``1`` or ``"yes"`` are refused."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if value is not True:
            raise ValidationError("Must be true: the citizen's explicit consent to the referral.")
        return True


class ReferralCreateSchema(_Strict):
    """Intake: what a referral carries, and nothing more (no name, no free text)."""

    citizen_ref = fields.String(
        required=True,
        validate=validate.Regexp(PSEUDONYM_PATTERN, error=PSEUDONYM_MESSAGE),
        metadata={"description": "The referring system's own pseudonym for the citizen. Never a CPR number or a name."},
    )
    external_ref = fields.String(
        required=True,
        validate=validate.Regexp(PSEUDONYM_PATTERN, error=PSEUDONYM_MESSAGE),
        metadata={
            "description": "The referring system's own id for this referral. Sending it again returns the "
            "referral already received (200), not a second one."
        },
    )
    consent = ExactlyTrue(
        required=True, metadata={"enum": [True], "description": "The citizen's explicit consent: must be true."}
    )
    gp_practice = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^\d{1,20}$", error="Digits only (the practice's ydernummer)."),
    )
    received = fields.Date(
        load_default=date.today,
        metadata={"description": "The date the referral was received; today when not given."},
    )
    age_band = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(AGE_BANDS))
    postcode = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^\d{4}$", error="A Danish postcode has 4 digits."),
        metadata={"description": "Where the citizen lives: a Norddjurs postcode (or give town)."},
    )
    town = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(1, 100),
        metadata={"description": "Where the citizen lives: a Norddjurs town (or give postcode)."},
    )
    reasons = fields.List(
        fields.String(validate=validate.OneOf(list(REASONS))),
        load_default=list,
        validate=validate.Length(max=MAX_REASONS),
    )

    @pre_load
    def _no_names_or_free_text(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict):
            errors = unknown_field_errors((str(k) for k in data), self.fields)
            if errors:
                raise ValidationError(errors)
        return data

    @validates_schema(skip_on_field_errors=True)
    def _check(self, data: dict[str, Any], **_: Any) -> None:
        if data["received"] > date.today():
            raise ValidationError("The date is in the future.", "received")
        postcode, town = data.get("postcode"), data.get("town")
        if (postcode or town) and default_gazetteer().resolve(postcode, town) is None:
            raise ValidationError("Not a Norddjurs postcode or town.", "town" if town else "postcode")

    @post_load
    def _place(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        """The gazetteer's postcode and town ("ørum" -> "Ørum Djurs", 8586)."""
        if data.get("postcode") or data.get("town"):
            place = default_gazetteer().resolve(data.get("postcode"), data.get("town"))
            assert place is not None  # _check resolved it
            data["postcode"], data["town"] = place.postcode, place.town
        return data


class ReferralUpdateSchema(_Strict):
    status = fields.String(validate=validate.OneOf(list(STATUSES)))
    offer_ids = fields.List(fields.String(), validate=validate.Length(max=MAX_OFFERS))
    reasons = fields.List(
        fields.String(validate=validate.OneOf(list(REASONS))), validate=validate.Length(max=MAX_REASONS)
    )
    wellbeing = fields.Nested(WellbeingSchema)


def _status() -> fields.String:
    """A status code, documented with the vocabulary as its enum."""
    return fields.String(validate=validate.OneOf(list(STATUSES)))


class ReferralSchema(Schema):
    id = fields.String()
    citizen_ref = fields.String()
    external_ref = fields.String(allow_none=True)
    gp_practice = fields.String(allow_none=True)
    received = fields.Date(allow_none=True)
    age_band = fields.String(allow_none=True, validate=validate.OneOf(AGE_BANDS))
    postcode = fields.String(allow_none=True)
    town = fields.String(allow_none=True)
    reasons = fields.List(fields.String(validate=validate.OneOf(list(REASONS))))
    status = _status()
    offer_ids = fields.List(fields.String())
    wellbeing = fields.Dict()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer()


class ReferralPageSchema(Schema):
    items = fields.List(fields.Nested(ReferralSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer()


class ReferralStatusSchema(Schema):
    id = fields.String()
    status = _status()
    status_label = fields.Function(
        lambda row: status_label(row.status), metadata={"type": "string", "description": "The status in Danish."}
    )
    updated_at = fields.DateTime()


class ReferralEventSchema(Schema):
    at = fields.DateTime()
    actor = fields.String()
    status = _status()
    changes = fields.Dict()


class ReferralHistorySchema(Schema):
    referral_id = fields.String()
    events = fields.List(fields.Nested(ReferralEventSchema))


class ReferralListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(list(STATUSES)))


def _requester() -> service.Requester:
    caller: Caller | None = current_caller()
    assert caller is not None  # every view here is behind @requires
    return service.Requester(name=caller.name, role=caller.role, actor=caller.actor)


def _etag_headers(row: Referral) -> dict[str, str]:
    return {"ETag": etag_of(row.version), "Cache-Control": "private, no-cache"}


def _not_modified(row: Referral) -> Response | None:
    """304 when the client's If-None-Match already names this version."""
    tags = [t.strip().removeprefix("W/").strip('"') for t in request.headers.get("If-None-Match", "").split(",")]
    if str(row.version) in tags:
        return Response(status=304, headers=_etag_headers(row))
    return None


@blp.route("")
class Referrals(MethodView):
    @requires("referral_system", "navigator")
    @blp.arguments(ReferralCreateSchema)
    @blp.response(201, ReferralSchema)
    @blp.alt_response(200, schema=ReferralSchema, description="Already received: this caller sent this external_ref.")
    def post(self, data: dict[str, Any]) -> tuple[Referral, int, dict[str, str]]:
        """Register a referral (from a GP's system, or by a navigator); idempotent per external_ref."""
        data.pop("consent")  # required to be true; every stored referral has it
        row, created = service.receive(get_store(), _requester(), **data)
        return row, 201 if created else 200, {**_etag_headers(row), "Location": f"/api/v1/referrals/{row.id}"}

    @requires("navigator")
    @blp.arguments(ReferralListArgs, location="query")
    @blp.response(200, ReferralPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List referrals for the navigators' work queue."""
        page, per_page = args["page"], args["per_page"]
        with get_store().read() as session:
            rows, total = service.list_page(session, status=args.get("status"), page=page, per_page=per_page)
        pages = (total + per_page - 1) // per_page
        return {"items": rows, "total": total, "page": page, "per_page": per_page, "pages": pages}


@blp.route("/<referral_id>")
class ReferralItem(MethodView):
    @requires("navigator")
    @blp.response(200, ReferralSchema)
    def get(self, referral_id: str) -> Response | tuple[Referral, int, dict[str, str]]:
        """A referral in full (navigators)."""
        with get_store().read() as session:
            row = service.get(session, referral_id, _requester())
        return _not_modified(row) or (row, 200, _etag_headers(row))

    @requires("navigator")
    @if_match_required
    @blp.arguments(ReferralUpdateSchema)
    @blp.response(200, ReferralSchema)
    def patch(self, data: dict[str, Any], referral_id: str, version: int) -> tuple[Referral, int, dict[str, str]]:
        """Move a referral on: status, suggested offers, well-being scores. Needs If-Match."""
        row = service.update(get_store(), referral_id, _requester(), version, data)
        return row, 200, _etag_headers(row)


@blp.route("/<referral_id>/status")
class ReferralStatus(MethodView):
    @requires("referral_system", "navigator")
    @blp.response(200, ReferralStatusSchema)
    def get(self, referral_id: str) -> Referral:
        """Where a referral stands, and nothing more (for the referring system)."""
        with get_store().read() as session:
            return service.get(session, referral_id, _requester())


@blp.route("/<referral_id>/history")
class ReferralHistory(MethodView):
    @requires("navigator")
    @blp.response(200, ReferralHistorySchema)
    def get(self, referral_id: str) -> dict[str, Any]:
        """Status history: who moved the referral, when."""
        with get_store().read() as session:
            events = service.history(session, referral_id, _requester())
        return {"referral_id": referral_id, "events": events}


__all__ = ["blp"]
