"""Helpers shared by the blueprints: paging, ETags and the write path."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Response, current_app, jsonify, request
from marshmallow import Schema, fields, validate
from werkzeug.exceptions import PreconditionFailed, PreconditionRequired

from .serialize import jsonable

log = logging.getLogger("faellesskab.api")

MAX_PER_PAGE = 200


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, error="page starts at 1."))
    per_page = fields.Integer(
        load_default=50, validate=validate.Range(1, MAX_PER_PAGE, error=f"per_page is 1 to {MAX_PER_PAGE}.")
    )


def page_body(items: list[dict[str, Any]], total: int, page: int, per_page: int) -> dict[str, Any]:
    return {
        "items": jsonable(items),
        "total": total,
        "page": page,
        "per_page": per_page,
        "pages": (total + per_page - 1) // per_page,
    }


def etag_of(version: int) -> str:
    return f'"{version}"'


def with_etag(body: Mapping[str, Any], status: int = 200) -> Response:
    """A JSON response carrying the record's version as its ETag; honours If-None-Match."""
    tag = etag_of(int(body["version"]))
    if status == 200 and str(body["version"]) in _tags(request.headers.get("If-None-Match", "")):
        response = Response(status=304)
    else:
        response = jsonify(jsonable(body))
        response.status_code = status
    response.headers["ETag"] = tag
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def expected_version() -> int:
    """The version the client edited, from If-Match. Required on every write,
    so that nobody overwrites a colleague's change without knowing it."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired(
            "Send If-Match with the ETag you read (GET the record first), so a colleague's newer edit is not overwritten."
        )
    tags = _tags(header)
    if "*" in tags:
        raise PreconditionFailed("If-Match: * is not accepted; send the ETag of the version you edited.")
    try:
        return int(tags[0])
    except (IndexError, ValueError):
        raise PreconditionFailed('If-Match must be an ETag such as "3".') from None


def _tags(header: str) -> list[str]:
    return [
        t.strip().removeprefix("W/").strip('"') if t.strip() != "*" else "*" for t in header.split(",") if t.strip()
    ]


def reindex(offer_ids: Iterable[str]) -> str:
    """Make a change searchable now. The write has already been committed;
    if indexing fails, the next `index sync` catches up, and we say so."""
    ids = list(offer_ids)
    if not ids:
        return "none"
    try:
        current_app.extensions["indexer"].index_offers(ids)
        return "done"
    except Exception:
        log.exception("indexing after a write failed; `faellesskab index sync` will catch up")
        return "deferred"


def json_body() -> dict[str, Any]:
    from marshmallow import ValidationError

    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError({"_body": ["Send a JSON object (Content-Type: application/json)."]})
    return body
