"""Offers: what the volunteer centre keeps up to date, and navigators read.

Reads carry an ``ETag`` (the record's version); every write needs
``If-Match`` with that ETag, and a stale one gets 412 with the current
version, so two coordinators never silently overwrite each other. A change
is indexed before the response is sent, so it is searchable at once.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from catalogue import taxonomy
from catalogue.errors import FileFormatError
from catalogue.schemas import OfferSchema

from .auth import current_caller, requires
from .common import PageArgs, expected_version, json_body, page_body, reindex, with_etag
from .extensions import get_store
from .serialize import jsonable

blp = Blueprint(
    "offers",
    __name__,
    url_prefix="/api/v1/offers",
    description="Offers: activities, volunteer services, municipal offers.",
)

READERS = ("navigator", "volunteer_centre")
WRITERS = ("volunteer_centre",)


class OfferListArgs(PageArgs):
    town = fields.String()
    category = fields.String()
    kind = fields.String(validate=validate.OneOf(list(taxonomy.OFFER_KINDS)))
    status = fields.String(validate=validate.OneOf(list(taxonomy.STATUSES)))
    organisation_id = fields.String()
    modified_after = fields.AwareDateTime(default_timezone=None, metadata={"description": "ISO 8601 with time zone"})


class OfferPageSchema(Schema):
    items = fields.List(fields.Nested(OfferSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer()


class CapacitySchema(Schema):
    places_total = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0))
    places_available = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0))
    waitlist = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0))
    volunteers = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0))


class ImportArgs(Schema):
    skip_invalid = fields.Boolean(load_default=False)
    dry_run = fields.Boolean(load_default=False)
    format = fields.String(load_default=None, validate=validate.OneOf(["json", "jsonl", "csv", "hsds"]))


def _actor() -> str:
    caller = current_caller()
    return caller.actor if caller else "anonymous"


def _written(offer: dict[str, Any], status: int = 200) -> Response:
    response = with_etag(offer, status)
    response.headers["X-Index-Status"] = reindex([offer["id"]])
    return response


@blp.route("")
class Offers(MethodView):
    @requires(*READERS)
    @blp.arguments(OfferListArgs, location="query")
    @blp.response(200, OfferPageSchema)
    def get(self, args: dict[str, Any]) -> Response:
        """List offers, paginated and filtered (all filters combine with AND)."""
        page, per_page = args.pop("page"), args.pop("per_page")
        items, total = get_store().list_offers(**args, limit=per_page, offset=(page - 1) * per_page)
        return jsonify(page_body(items, total, page, per_page))

    @requires(*WRITERS, throttle="write")
    @blp.doc(requestBody={"content": {"application/json": {"schema": OfferSchema}}})
    @blp.response(201, OfferSchema)
    def post(self) -> Response:
        """Create an offer. Its organisation is given by id, or by name (created if new)."""
        offer = get_store().create_offer(json_body(), actor=_actor())
        response = _written(offer, 201)
        response.headers["Location"] = f"/api/v1/offers/{offer['id']}"
        return response


@blp.route("/<offer_id>")
class OfferItem(MethodView):
    @requires(*READERS)
    @blp.response(200, OfferSchema)
    def get(self, offer_id: str) -> Response:
        """One offer, with its version as the ETag."""
        return with_etag(get_store().get_offer(offer_id))

    @requires(*WRITERS, throttle="write")
    @blp.doc(
        requestBody={"content": {"application/json": {"schema": OfferSchema(partial=True)}}},
        parameters=[{"in": "header", "name": "If-Match", "required": True, "schema": {"type": "string"}}],
    )
    @blp.response(200, OfferSchema)
    def patch(self, offer_id: str) -> Response:
        """Change some fields. Needs If-Match; the whole result is validated as an offer."""
        version = expected_version()
        offer = get_store().update_offer(offer_id, json_body(), expected_version=version, actor=_actor())
        return _written(offer)


@blp.route("/<offer_id>/retire")
class OfferRetire(MethodView):
    @requires(*WRITERS, throttle="write")
    @blp.doc(parameters=[{"in": "header", "name": "If-Match", "required": True, "schema": {"type": "string"}}])
    @blp.response(200, OfferSchema)
    def post(self, offer_id: str) -> Response:
        """Retire an offer (status ended). It stays for history and statistics."""
        offer = get_store().retire_offer(offer_id, expected_version=expected_version(), actor=_actor())
        return _written(offer)


@blp.route("/<offer_id>/capacity")
class OfferCapacity(MethodView):
    @requires(*WRITERS, throttle="write")
    @blp.arguments(CapacitySchema)
    @blp.doc(parameters=[{"in": "header", "name": "If-Match", "required": True, "schema": {"type": "string"}}])
    @blp.response(200, OfferSchema)
    def put(self, values: dict[str, Any], offer_id: str) -> Response:
        """Record places, waiting list and volunteers: the small update associations make often."""
        if not values:
            from marshmallow import ValidationError

            raise ValidationError(
                {"_body": ["Give at least one of places_total, places_available, waitlist, volunteers."]}
            )
        offer = get_store().update_capacity(offer_id, values, expected_version=expected_version(), actor=_actor())
        return _written(offer)


@blp.route("/<offer_id>/history")
class OfferHistory(MethodView):
    @requires(*READERS)
    def get(self, offer_id: str) -> Response:
        """The audit trail: who changed what, when."""
        store = get_store()
        store.get_offer(offer_id)  # 404 if unknown
        return jsonify({"offer_id": offer_id, "events": jsonable(store.history("offer", offer_id))})


@blp.route("/import")
class OfferImport(MethodView):
    @requires(*WRITERS, throttle="write")
    @blp.arguments(ImportArgs, location="query")
    @blp.doc(
        requestBody={
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
            }
        }
    )
    def post(self, args: dict[str, Any]) -> Response:
        """Bulk import, with the CLI's validation and report: all or nothing unless skip_invalid."""
        parsed = _parse_upload(args.get("format"))
        store = get_store()
        report = store.import_offers(
            parsed.records,
            actor=_actor(),
            source=parsed.meta.get("source", "api"),
            categories=parsed.categories,
            skip_invalid=args["skip_invalid"],
            dry_run=args["dry_run"],
        )
        body = report.to_dict()
        if report.committed:
            ids = [r.data.get("id") for r in parsed.records if isinstance(r.data, dict)]
            body["index"] = reindex([i for i in ids if isinstance(i, str)])
        status = 200 if report.committed or (report.dry_run and report.ok) else 422
        response = jsonify(body)
        response.status_code = status
        return response


def _parse_upload(fmt: str | None) -> Any:
    from pathlib import Path

    from catalogue import formats

    upload = request.files.get("file")
    if upload is not None:
        name = upload.filename or "upload"
        chosen = fmt or formats.detect_format(Path(name))
        raw = upload.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise FileFormatError(f"{name} is not UTF-8; save it as 'CSV UTF-8' or UTF-8 text.") from None
        parsed = _parse_text(text, chosen)
        parsed.meta["source"] = name
        return parsed
    if request.is_json:
        return _parse_text(request.get_data(as_text=True), fmt or "json")
    raise FileFormatError("Send JSON ({\"offers\": [...]}) or a multipart upload named 'file'.")


def _parse_text(text: str, fmt: str) -> Any:
    from catalogue import formats

    if fmt == "hsds":
        from catalogue.hsds import read_hsds_json

        return read_hsds_json(text, known_categories=get_store().categories())
    return formats.read_text(text, fmt)
