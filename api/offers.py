"""Offers: what the volunteer centre keeps up to date, and navigators read.

Reads carry an ``ETag`` (the record's version); every write needs
``If-Match`` with that ETag, and a stale one gets 412 with the current
version, so two coordinators never silently overwrite each other. A change
is indexed before the response is sent, so it is searchable at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Response, request
from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validate

from catalogue import taxonomy
from catalogue.errors import FileFormatError
from catalogue.fileformats import IMPORT_FORMATS
from catalogue.importer import MAX_REJECTIONS_LISTED
from catalogue.schemas import OfferSchema

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
from .errors import ImportRejected
from .extensions import get_store

blp = Blueprint(
    "offers",
    __name__,
    url_prefix="/api/v1/offers",
    description="Offers: activities, volunteer services, municipal offers.",
)

READERS = ("navigator", "volunteer_centre")
WRITERS = ("volunteer_centre",)


class OfferListArgs(PageArgs):
    town = fields.String(validate=validate.Length(max=100))
    category = fields.String(validate=validate.Length(max=100))
    kind = fields.String(validate=validate.OneOf(list(taxonomy.OFFER_KINDS)))
    status = fields.String(validate=validate.OneOf(list(taxonomy.STATUSES)))
    organisation_id = fields.String(validate=validate.Length(max=100))
    modified_after = fields.AwareDateTime(default_timezone=None, metadata={"description": "ISO 8601 with time zone"})


OfferPageSchema = page_schema(OfferSchema, "OfferPageSchema")


class CapacitySchema(Schema):
    places_total = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0, max=1_000_000))
    places_available = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0, max=1_000_000))
    waitlist = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0, max=1_000_000))
    volunteers = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0, max=1_000_000))


class ImportArgs(Schema):
    skip_invalid = fields.Boolean(load_default=False)
    dry_run = fields.Boolean(load_default=False)
    format = fields.String(
        load_default=None, validate=validate.OneOf([f for f in IMPORT_FORMATS if f != "hsds-datapackage"])
    )


class RejectionSchema(Schema):
    record = fields.Integer(required=True, metadata={"description": "1-based position in the file"})
    line = fields.Integer(required=True, allow_none=True)
    id = fields.String(required=True, allow_none=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True)


class ImportReportSchema(Schema):
    source = fields.String(required=True)
    total = fields.Integer(required=True)
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    organisations_created = fields.Integer(required=True)
    organisations_updated = fields.Integer(required=True)
    rejected = fields.List(
        fields.Nested(RejectionSchema),
        required=True,
        metadata={"description": f"The first {MAX_REJECTIONS_LISTED} rejected records in full (see `rejected_total`)."},
    )
    rejected_total = fields.Integer(required=True, metadata={"description": "How many records were rejected."})
    committed = fields.Boolean(required=True)
    dry_run = fields.Boolean(required=True)
    warnings = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "The reader's notes, per record (the lines the CLI prints as 'note:')."},
    )
    index = fields.String(
        validate=validate.OneOf(["done", "deferred", "none"]), metadata={"description": "when committed"}
    )


class OfferHistorySchema(Schema):
    offer_id = fields.String(required=True)
    events = fields.List(fields.Nested(EventSchema), required=True)


def _actor() -> str:
    caller = current_caller()
    return caller.actor if caller else "anonymous"


def _written(offer: Mapping[str, Any]) -> tuple[Mapping[str, Any], dict[str, str]]:
    """The saved offer with its ETag, indexed at once (X-Index-Status says whether that worked)."""
    return offer, {**etag_headers(offer["version"]), "X-Index-Status": reindex([offer["id"]])}


@blp.route("")
class Offers(MethodView):
    @requires(*READERS)
    @blp.arguments(OfferListArgs, location="query")
    @blp.response(200, OfferPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List offers, paginated and filtered (all filters combine with AND)."""
        page_no, per_page = args.pop("page"), args.pop("per_page")
        items, total = get_store().list_offers(**args, limit=per_page, offset=(page_no - 1) * per_page)
        return page(items, total, page_no, per_page)

    @requires(*WRITERS, throttle="write")
    @blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": OfferSchema}}})
    @blp.response(201, OfferSchema, headers={**ETAG, **INDEX_STATUS, **LOCATION})
    def post(self) -> tuple[Mapping[str, Any], dict[str, str]]:
        """Create an offer. Its organisation is given by id, or by name (created if new).

        The body is validated by the store against the live category list."""
        offer, headers = _written(get_store().create_offer(json_body(), actor=_actor()))
        return offer, {**headers, "Location": f"/api/v1/offers/{offer['id']}"}


@blp.route("/<offer_id>")
class OfferItem(MethodView):
    @requires(*READERS)
    @blp.response(200, OfferSchema, headers=ETAG)
    @blp.alt_response(304, description="Not modified: If-None-Match names the current version.")
    def get(self, offer_id: str) -> tuple[Mapping[str, Any], dict[str, str]] | Response:
        """One offer, with its version as the ETag."""
        offer = get_store().get_offer(offer_id)
        return not_modified(offer["version"]) or (offer, etag_headers(offer["version"]))

    @requires(*WRITERS, throttle="write")
    @if_match_required
    @blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": OfferSchema(partial=True)}}})
    @blp.response(200, OfferSchema, headers={**ETAG, **INDEX_STATUS})
    def patch(self, offer_id: str, version: int) -> tuple[Mapping[str, Any], dict[str, str]]:
        """Change some fields. Needs If-Match; the whole result is validated as an offer."""
        return _written(get_store().update_offer(offer_id, json_body(), expected_version=version, actor=_actor()))


@blp.route("/<offer_id>/retire")
class OfferRetire(MethodView):
    @requires(*WRITERS, throttle="write")
    @if_match_required
    @blp.response(200, OfferSchema, headers={**ETAG, **INDEX_STATUS})
    def post(self, offer_id: str, version: int) -> tuple[Mapping[str, Any], dict[str, str]]:
        """Retire an offer (status ended). It stays for history and statistics."""
        return _written(get_store().retire_offer(offer_id, expected_version=version, actor=_actor()))


@blp.route("/<offer_id>/capacity")
class OfferCapacity(MethodView):
    @requires(*WRITERS, throttle="write")
    @if_match_required
    @blp.arguments(CapacitySchema)
    @blp.response(200, OfferSchema, headers={**ETAG, **INDEX_STATUS})
    def put(self, values: dict[str, Any], offer_id: str, version: int) -> tuple[Mapping[str, Any], dict[str, str]]:
        """Record places, waiting list and volunteers: the small update associations make often."""
        if not values:
            raise ValidationError(
                {"_body": ["Give at least one of places_total, places_available, waitlist, volunteers."]}
            )
        return _written(get_store().update_capacity(offer_id, values, expected_version=version, actor=_actor()))


@blp.route("/<offer_id>/history")
class OfferHistory(MethodView):
    @requires(*READERS)
    @blp.response(200, OfferHistorySchema)
    def get(self, offer_id: str) -> dict[str, Any]:
        """The audit trail: who changed what, when."""
        store = get_store()
        store.get_offer(offer_id)  # 404 if unknown
        return {"offer_id": offer_id, "events": store.history("offer", offer_id)}


@blp.route("/import")
class OfferImport(MethodView):
    @requires(*WRITERS, throttle="write")
    @blp.arguments(ImportArgs, location="query")
    @blp.doc(
        requestBody={
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {"offers": {"type": "array", "items": {"type": "object"}}},
                    }
                },
                "multipart/form-data": {
                    "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
                },
            },
        }
    )
    @blp.response(200, ImportReportSchema)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Bulk import, with the CLI's validation and report: all or nothing unless skip_invalid.

        When records are rejected and nothing was written, the answer is 422: the
        error's ``errors`` name ``offers.<record>.<field>`` (or, for the file as a whole, e.g.
        ``categories.<code>``) and its ``report`` is the import report."""
        parsed = _parse_upload(args.get("format"))
        report = get_store().import_offers(
            parsed.records,
            actor=_actor(),
            source=parsed.meta.get("source", "api"),
            categories=parsed.categories,
            skip_invalid=args["skip_invalid"],
            dry_run=args["dry_run"],
            warnings=parsed.meta.get("warnings") or [],
        )
        body = report.to_dict()
        if not (report.committed or (report.dry_run and report.ok)):
            errors = {
                (f"offers.{r.record}.{field}" if r.record else field).removesuffix("."): messages  # 0: the file
                for r in report.rejected
                for field, messages in r.errors.items()
            }
            raise ImportRejected(errors, body)
        if report.committed:
            ids = [r.data.get("id") for r in parsed.records if isinstance(r.data, dict)]
            body["index"] = reindex([i for i in ids if isinstance(i, str)])
        return body


def _parse_upload(fmt: str | None) -> Any:
    """The uploaded file (multipart ``file``) or the JSON body, parsed by the one format registry."""
    from catalogue import fileformats

    categories = get_store().categories()
    upload = request.files.get("file")
    if upload is not None:
        name = upload.filename or "upload"
        chosen = fmt or fileformats.detect_format(Path(name))
        return fileformats.read_bytes(upload.read(), chosen, filename=name, known_categories=categories)
    if request.is_json:
        return fileformats.read_bytes(request.get_data(), fmt or "json", known_categories=categories)
    raise FileFormatError("Send JSON ({\"offers\": [...]}) or a multipart upload named 'file'.")
