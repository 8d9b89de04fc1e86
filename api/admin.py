"""Administration: API keys and reports for the pilot's funders and operators."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from flask import Response, jsonify
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate
from sqlalchemy import select

from catalogue.capacity import capacity_timeline, month_ends

from .auth import ROLES, create_key, current_caller, list_keys, requires, revoke_key
from .extensions import get_store
from .models import AccessEvent
from .serialize import jsonable

blp = Blueprint("admin", __name__, url_prefix="/api/v1", description="Keys and reports (administrators).")


class KeyCreateSchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(1, 100))
    role = fields.String(required=True, validate=validate.OneOf(list(ROLES)))


class SinceArgs(Schema):
    since = fields.AwareDateTime(load_default=None, default_timezone=UTC)


class CapacityArgs(Schema):
    baseline = fields.Date(
        load_default=None, metadata={"description": "Start of the pilot; later additions count as new."}
    )


@blp.route("/apikeys")
class ApiKeys(MethodView):
    @requires("admin")
    def get(self) -> Response:
        """Keys by name, role and prefix (never the keys themselves)."""
        return jsonify({"items": jsonable(list_keys(get_store()))})

    @requires("admin", throttle="write")
    @blp.arguments(KeyCreateSchema)
    def post(self, data: dict[str, Any]) -> Response:
        """Create a key. The response is the only time it is shown."""
        caller = current_caller()
        try:
            key = create_key(
                get_store(), name=data["name"], role=data["role"], created_by=caller.actor if caller else "?"
            )
        except ValueError as exc:
            from marshmallow import ValidationError

            raise ValidationError({"name": [str(exc)]}) from None
        response = jsonify({"name": data["name"], "role": data["role"], "key": key})
        response.status_code = 201
        response.headers["Cache-Control"] = "no-store"
        return response


@blp.route("/apikeys/<name>")
class ApiKeyItem(MethodView):
    @requires("admin", throttle="write")
    def delete(self, name: str) -> Response:
        """Revoke a key; it stops working at once."""
        from catalogue.errors import NotFound

        if not revoke_key(get_store(), name):
            raise NotFound("active API key", name)
        return Response(status=204)


@blp.route("/reports/capacity")
class CapacityReport(MethodView):
    @requires("admin")
    @blp.arguments(CapacityArgs, location="query")
    def get(self, args: dict[str, Any]) -> Response:
        """Civil-society capacity month by month: organisations, offers, places, volunteers."""
        events = get_store().capacity_events()
        if not events:
            return jsonify({"baseline": None, "months": []})
        first = events[0]["at"].date()
        base = args.get("baseline") or first
        today = datetime.now(UTC).date()
        points = capacity_timeline(events, month_ends(min(first, base), today), base)
        return jsonify({"baseline": base.isoformat(), "months": [p.to_dict() for p in points]})


@blp.route("/reports/demand")
class DemandReport(MethodView):
    @requires("admin")
    @blp.arguments(SinceArgs, location="query")
    def get(self, args: dict[str, Any]) -> Response:
        """What citizens ask for and where the catalogue falls short (from the match log)."""
        from matcher.log import recent_matches

        rows = recent_matches(get_store(), since=args.get("since"), limit=100_000)
        shown: Counter[str] = Counter()
        for r in rows:
            shown.update(r["result_ids"][:3])
        no_match = [r for r in rows if r["no_good_match"]]
        return jsonify(
            {
                "matches": len(rows),
                "no_good_match": len(no_match),
                "by_category": Counter(c for r in rows for c in r["categories"]).most_common(),
                "no_good_match_by_category": Counter(c for r in no_match for c in r["categories"]).most_common(),
                "by_barrier": Counter(b for r in rows for b in r["barriers"]).most_common(),
                "by_town": Counter(r["town"] or "(ukendt)" for r in rows).most_common(),
                "by_age_band": Counter(r["age_band"] or "(ukendt)" for r in rows).most_common(),
                "excluded_by_rule": sum((Counter(r["excluded"]) for r in rows), Counter()).most_common(),
                "most_shown_offers": shown.most_common(20),
            }
        )


@blp.route("/reports/access")
class AccessReport(MethodView):
    @requires("admin")
    @blp.arguments(SinceArgs, location="query")
    def get(self, args: dict[str, Any]) -> Response:
        """The access log: which key did what, when (newest first, at most 1000)."""
        stmt = select(AccessEvent).order_by(AccessEvent.id.desc()).limit(1000)
        if args.get("since"):
            stmt = stmt.where(AccessEvent.at >= args["since"])
        with get_store().engine.connect() as conn:
            items = [dict(r._mapping) for r in conn.execute(stmt)]
        return jsonify({"items": jsonable(items)})
