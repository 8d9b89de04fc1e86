"""Organisations: associations, volunteer groups, the municipality."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields

from catalogue.schemas import OrganisationSchema

from .auth import current_caller, requires
from .common import PageArgs, expected_version, json_body, page_body, reindex, with_etag
from .extensions import get_store
from .serialize import jsonable

blp = Blueprint(
    "organisations", __name__, url_prefix="/api/v1/organisations", description="Organisations behind the offers."
)

READERS = ("navigator", "volunteer_centre")
WRITERS = ("volunteer_centre",)


class OrganisationListArgs(PageArgs):
    modified_after = fields.AwareDateTime(default_timezone=None)


def _actor() -> str:
    caller = current_caller()
    return caller.actor if caller else "anonymous"


@blp.route("")
class Organisations(MethodView):
    @requires(*READERS)
    @blp.arguments(OrganisationListArgs, location="query")
    def get(self, args: dict[str, Any]) -> Response:
        """List organisations, paginated."""
        page, per_page = args["page"], args["per_page"]
        items, total = get_store().list_organisations(
            limit=per_page, offset=(page - 1) * per_page, modified_after=args.get("modified_after")
        )
        return jsonify(page_body(items, total, page, per_page))

    @requires(*WRITERS, throttle="write")
    @blp.doc(requestBody={"content": {"application/json": {"schema": OrganisationSchema}}})
    @blp.response(201, OrganisationSchema)
    def post(self) -> Response:
        """Create an organisation (an id is made from the name if none is given)."""
        org = get_store().create_organisation(json_body(), actor=_actor())
        response = with_etag(org, 201)
        response.headers["Location"] = f"/api/v1/organisations/{org['id']}"
        return response


@blp.route("/<org_id>")
class OrganisationItem(MethodView):
    @requires(*READERS)
    @blp.response(200, OrganisationSchema)
    def get(self, org_id: str) -> Response:
        """One organisation, with its version as the ETag."""
        return with_etag(get_store().get_organisation(org_id))

    @requires(*WRITERS, throttle="write")
    @blp.doc(
        requestBody={"content": {"application/json": {"schema": OrganisationSchema(partial=True)}}},
        parameters=[{"in": "header", "name": "If-Match", "required": True, "schema": {"type": "string"}}],
    )
    @blp.response(200, OrganisationSchema)
    def patch(self, org_id: str) -> Response:
        """Change some fields. Needs If-Match. Its offers are re-indexed (the name is searchable)."""
        store = get_store()
        org = store.update_organisation(org_id, json_body(), expected_version=expected_version(), actor=_actor())
        offers, _ = store.list_offers(organisation_id=org_id)
        response = with_etag(org)
        response.headers["X-Index-Status"] = reindex(o["id"] for o in offers)
        return response


@blp.route("/<org_id>/history")
class OrganisationHistory(MethodView):
    @requires(*READERS)
    def get(self, org_id: str) -> Response:
        """The audit trail of an organisation."""
        store = get_store()
        store.get_organisation(org_id)
        return jsonify({"organisation_id": org_id, "events": jsonable(store.history("organisation", org_id))})
