"""Organisations: associations, volunteer groups, the municipality."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response
from flask.views import MethodView
from marshmallow import Schema, fields

from catalogue.schemas import OrganisationSchema

from .auth import current_caller, requires
from .common import (
    ETAG,
    INDEX_STATUS,
    LOCATION,
    Blueprint,
    EventSchema,
    PageArgs,
    etag_headers,
    if_match_required,
    json_body,
    not_modified,
    page,
    page_schema,
    reindex,
)
from .extensions import get_store

blp = Blueprint(
    "organisations", __name__, url_prefix="/api/v1/organisations", description="Organisations behind the offers."
)

READERS = ("navigator", "volunteer_centre")
WRITERS = ("volunteer_centre",)


class OrganisationListArgs(PageArgs):
    modified_after = fields.AwareDateTime(default_timezone=None, metadata={"description": "ISO 8601 with time zone"})


OrganisationPageSchema = page_schema(OrganisationSchema, "OrganisationPageSchema")


class OrganisationHistorySchema(Schema):
    organisation_id = fields.String(required=True)
    events = fields.List(fields.Nested(EventSchema), required=True)


def _actor() -> str:
    caller = current_caller()
    return caller.actor if caller else "anonymous"


@blp.route("")
class Organisations(MethodView):
    @requires(*READERS)
    @blp.arguments(OrganisationListArgs, location="query")
    @blp.response(200, OrganisationPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List organisations, paginated."""
        page_no, per_page = args["page"], args["per_page"]
        items, total = get_store().list_organisations(
            limit=per_page, offset=(page_no - 1) * per_page, modified_after=args.get("modified_after")
        )
        return page(items, total, page_no, per_page)

    @requires(*WRITERS, throttle="write")
    @blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": OrganisationSchema}}})
    @blp.response(201, OrganisationSchema, headers={**ETAG, **LOCATION})
    def post(self) -> tuple[Mapping[str, Any], dict[str, str]]:
        """Create an organisation (an id is made from the name if none is given)."""
        org = get_store().create_organisation(json_body(), actor=_actor())
        return org, {**etag_headers(org["version"]), "Location": f"/api/v1/organisations/{org['id']}"}


@blp.route("/<org_id>")
class OrganisationItem(MethodView):
    @requires(*READERS)
    @blp.response(200, OrganisationSchema, headers=ETAG)
    @blp.alt_response(304, description="Not modified: If-None-Match names the current version.")
    def get(self, org_id: str) -> tuple[Mapping[str, Any], dict[str, str]] | Response:
        """One organisation, with its version as the ETag."""
        org = get_store().get_organisation(org_id)
        return not_modified(org["version"]) or (org, etag_headers(org["version"]))

    @requires(*WRITERS, throttle="write")
    @if_match_required
    @blp.doc(
        requestBody={"required": True, "content": {"application/json": {"schema": OrganisationSchema(partial=True)}}}
    )
    @blp.response(200, OrganisationSchema, headers={**ETAG, **INDEX_STATUS})
    def patch(self, org_id: str, version: int) -> tuple[Mapping[str, Any], dict[str, str]]:
        """Change some fields. Needs If-Match. Its offers are re-indexed (the name is searchable)."""
        store = get_store()
        org = store.update_organisation(org_id, json_body(), expected_version=version, actor=_actor())
        offers, _ = store.list_offers(organisation_id=org_id)
        return org, {**etag_headers(org["version"]), "X-Index-Status": reindex(o["id"] for o in offers)}


@blp.route("/<org_id>/history")
class OrganisationHistory(MethodView):
    @requires(*READERS)
    @blp.response(200, OrganisationHistorySchema)
    def get(self, org_id: str) -> dict[str, Any]:
        """The audit trail of an organisation."""
        store = get_store()
        store.get_organisation(org_id)  # 404 if unknown
        return {"organisation_id": org_id, "events": store.history("organisation", org_id)}
