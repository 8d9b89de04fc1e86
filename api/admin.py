"""Administration: API keys and reports for the pilot's funders and operators."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from flask import Response
from flask.views import MethodView
from marshmallow import RAISE, Schema, ValidationError, fields, validate
from sqlalchemy import select

from catalogue.capacity import capacity_report
from catalogue.errors import NotFound
from catalogue.privacy import CprGuard
from matcher.log import demand_report

from .auth import ROLES, create_key, current_caller, list_keys, requires, revoke_key
from .common import Blueprint, no_content
from .extensions import get_store
from .models import AccessEvent

blp = Blueprint("admin", __name__, url_prefix="/api/v1", description="Keys and reports (administrators).")


class KeyCreateSchema(CprGuard):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(1, 100))
    role = fields.String(required=True, validate=validate.OneOf(list(ROLES)))


class KeySchema(Schema):
    name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(list(ROLES)))
    prefix = fields.String(required=True, metadata={"description": "The characters after `fm_` that identify a key"})
    created_at = fields.DateTime(required=True)
    created_by = fields.String(required=True)
    revoked_at = fields.DateTime(required=True, allow_none=True)
    last_used_at = fields.DateTime(required=True, allow_none=True)


class KeyListSchema(Schema):
    items = fields.List(fields.Nested(KeySchema), required=True)


class KeyCreatedSchema(Schema):
    name = fields.String(required=True)
    role = fields.String(required=True)
    key = fields.String(required=True, metadata={"description": "The key itself; shown this once only."})


class SinceArgs(Schema):
    since = fields.AwareDateTime(load_default=None, default_timezone=UTC)


class CapacityArgs(Schema):
    baseline = fields.Date(
        load_default=None, metadata={"description": "Start of the pilot; later additions count as new."}
    )


class CapacityPointSchema(Schema):
    """``catalogue.capacity.CapacityPoint``: the civil society's capacity at the end of a month."""

    period_end = fields.Date(required=True)
    organisations = fields.Integer(required=True, metadata={"description": "with at least one active offer"})
    organisations_new = fields.Integer(required=True, metadata={"description": "of those, new since the baseline"})
    active_offers = fields.Integer(required=True)
    active_offers_new = fields.Integer(required=True)
    places_total = fields.Integer(required=True)
    places_available = fields.Integer(required=True)
    waitlist = fields.Integer(required=True)
    volunteers = fields.Integer(required=True)


class CapacityReportSchema(Schema):
    baseline = fields.Date(required=True, allow_none=True)
    months = fields.List(fields.Nested(CapacityPointSchema), required=True)


def _counts(description: str) -> fields.List:
    """``[[name, count], ...]``, most common first (``Counter.most_common``)."""
    pair = fields.List(fields.Raw(), validate=validate.Length(equal=2))
    return fields.List(pair, required=True, metadata={"description": f"{description}: [name, count] pairs"})


class DemandReportSchema(Schema):
    matches = fields.Integer(required=True)
    no_good_match = fields.Integer(required=True)
    by_category = _counts("categories asked for")
    no_good_match_by_category = _counts("categories asked for without a good match")
    by_barrier = _counts("barriers")
    by_town = _counts("towns")
    by_age_band = _counts("age bands")
    excluded_by_rule = _counts("offers removed by each hard rule")
    most_shown_offers = _counts("offer ids shown in the top 3")


class AccessEventSchema(Schema):
    id = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    key_name = fields.String(required=True, allow_none=True)
    role = fields.String(required=True, allow_none=True)
    method = fields.String(required=True)
    path = fields.String(required=True)
    status = fields.Integer(required=True)


class AccessReportSchema(Schema):
    items = fields.List(fields.Nested(AccessEventSchema), required=True)


@blp.route("/apikeys")
class ApiKeys(MethodView):
    @requires("admin")
    @blp.response(200, KeyListSchema)
    def get(self) -> dict[str, Any]:
        """Keys by name, role and prefix (never the keys themselves)."""
        return {"items": list_keys(get_store())}

    @requires("admin", throttle="write")
    @blp.arguments(KeyCreateSchema)
    @blp.response(201, KeyCreatedSchema, headers={"Cache-Control": {"schema": {"type": "string"}}})
    def post(self, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """Create a key. The response is the only time it is shown."""
        caller = current_caller()
        try:
            key = create_key(
                get_store(), name=data["name"], role=data["role"], created_by=caller.actor if caller else "?"
            )
        except ValueError as exc:
            raise ValidationError({"name": [str(exc)]}) from None
        return {"name": data["name"], "role": data["role"], "key": key}, {"Cache-Control": "no-store"}


@blp.route("/apikeys/<name>")
class ApiKeyItem(MethodView):
    @requires("admin", throttle="write")
    @blp.response(204, description="Revoked; no body.")
    def delete(self, name: str) -> Response:
        """Revoke a key; it stops working at once."""
        if not revoke_key(get_store(), name):
            raise NotFound("active API key", name)
        return no_content()


@blp.route("/reports/capacity")
class CapacityReport(MethodView):
    @requires("admin")
    @blp.arguments(CapacityArgs, location="query")
    @blp.response(200, CapacityReportSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Civil-society capacity month by month: organisations, offers, places, volunteers."""
        report = capacity_report(get_store(), baseline=args.get("baseline"))
        return {"baseline": report.baseline if report.points else None, "months": [vars(p) for p in report.points]}


@blp.route("/reports/demand")
class DemandReport(MethodView):
    @requires("admin")
    @blp.arguments(SinceArgs, location="query")
    @blp.response(200, DemandReportSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """What citizens ask for and where the catalogue falls short (from the match log)."""
        return demand_report(get_store(), since=args.get("since"))


@blp.route("/reports/access")
class AccessReport(MethodView):
    @requires("admin")
    @blp.arguments(SinceArgs, location="query")
    @blp.response(200, AccessReportSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The access log: which key did what, when (newest first, at most 1000)."""
        stmt = select(*AccessEvent.__table__.columns).order_by(AccessEvent.id.desc()).limit(1000)
        if args.get("since"):
            stmt = stmt.where(AccessEvent.at >= args["since"])
        with get_store().read() as session:
            return {"items": [dict(row) for row in session.execute(stmt).mappings()]}
