"""``POST /api/v1/match``: rank offers for a citizen (navigators)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields

from catalogue.errors import InvalidRecord
from matcher.request import MatchRequest, MatchRequestSchema

from .auth import current_caller, requires
from .common import Blueprint
from .extensions import get_store
from .overload import match_slot

blp = Blueprint("match", __name__, url_prefix="/api/v1", description="Find offers that fit a citizen.")


class NextSlotSchema(Schema):
    date = fields.String()
    weekday = fields.String()
    start = fields.String()
    end = fields.String()


class ResultSchema(Schema):
    offer_id = fields.String()
    title = fields.String()
    organisation = fields.String()
    kind = fields.String()
    town = fields.String(allow_none=True)
    distance_km = fields.Float(allow_none=True)
    score = fields.Float()
    reasons = fields.List(fields.String())
    accommodations = fields.List(fields.String())
    cautions = fields.List(fields.String())
    next_slots = fields.List(fields.Nested(NextSlotSchema))


class ListedSchema(Schema):
    offer_id = fields.String()
    title = fields.String()
    organisation = fields.String()
    town = fields.String(allow_none=True)
    waitlist = fields.Integer(allow_none=True)


class SuggestedBarrierSchema(Schema):
    code = fields.String(metadata={"description": "a barrier code of the request's `barriers`"})
    quote = fields.String(metadata={"description": "the words of the citizen's text that point to it"})


class MatchResponseSchema(Schema):
    query_id = fields.String(required=True)
    results = fields.List(fields.Nested(ResultSchema), required=True)
    excluded = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "rule -> how many of the most relevant offers it removed"},
    )
    excluded_labels = fields.Dict(keys=fields.String(), values=fields.String())
    inferred_categories = fields.List(fields.String())
    full_waitlist = fields.List(
        fields.Nested(ListedSchema), metadata={"description": "relevant offers that fit but are full"}
    )
    companion_services = fields.List(fields.Nested(ListedSchema))
    suggested_barriers = fields.List(
        fields.Nested(SuggestedBarrierSchema),
        metadata={"description": "barriers the text mentions but the request does not tick: to confirm, never applied"},
    )
    no_good_match = fields.Boolean()
    advice = fields.String(allow_none=True)
    notes = fields.List(fields.String())
    timings_ms = fields.Dict(keys=fields.String(), values=fields.Float())


@blp.route("/match")
class MatchView(MethodView):
    @requires("navigator", throttle="match")
    @blp.arguments(MatchRequestSchema, location="json")
    @blp.response(200, MatchResponseSchema)
    @blp.alt_response(503, "SERVICE_UNAVAILABLE")  # no index, no model, search engine down, or at capacity
    def post(self, req: MatchRequest) -> dict[str, Any]:
        """Rank offers for a citizen, with a Danish explanation for each.

        Hard rules (barriers, distance, age, places) are never broken; the
        response counts how many relevant offers each rule removed."""
        labels = get_store().categories()  # read once: the matcher explains with the same taxonomy
        unknown = sorted(set(req.categories) - set(labels))
        if unknown:
            raise InvalidRecord({"categories": [f"Unknown category: {', '.join(unknown)}."]})
        caller = current_caller()
        with match_slot():  # 503 when this worker is at capacity; nothing computed for a client that left
            response = current_app.extensions["matcher"].match(
                req, actor=caller.actor if caller else "anonymous", labels=labels
            )
        return dict(response.to_dict())
