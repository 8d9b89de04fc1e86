"""Helpers shared by the blueprints: paging, ETags, If-Match and the write path."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from functools import wraps
from typing import Any, Final, TypeVar

import flask_smorest
from flask import Response, current_app, request
from marshmallow import Schema, ValidationError, fields, validate
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import PreconditionFailed, PreconditionRequired

from catalogue.schemas import refuse_non_text

log = logging.getLogger("faellesskab.api")

MAX_PER_PAGE = 200
F = TypeVar("F", bound=Callable[..., Any])
#: Set on a view by :func:`if_match_required`, read by ``api.openapi`` to document If-Match, 412 and 428.
IF_MATCH_ATTR: Final = "__fm_if_match__"
VERSION_TAG: Final = re.compile(r"[0-9]{1,18}")  # a record's version, as its ETag carries it


#: Response headers, as documented in the OpenAPI document.
INDEX_STATUS = {
    "X-Index-Status": {
        "description": "`done`: searchable now; `deferred`: the search engine could not take it now; the service indexes it "
        "by itself as soon as it can (or `index sync`).",
        "schema": {"type": "string", "enum": ["done", "deferred", "none"]},
    }
}
ETAG = {
    "ETag": {
        "description": 'The record\'s version, e.g. `"3"`; send it back as If-Match.',
        "schema": {"type": "string"},
    }
}
LOCATION = {"Location": {"description": "The new record's URL.", "schema": {"type": "string"}}}


class PlainTextParser(FlaskParser):
    """webargs' parser, refusing (422, naming the field) any string argument that
    holds a NUL byte or a lone surrogate, in every location (query, JSON, form)."""

    def pre_load(self, location_data: Mapping[str, Any], *, schema: Schema, req: Any, location: str) -> Any:
        refuse_non_text(location_data)  # query and form data come as a Mapping proxy; it is only read
        return super().pre_load(location_data, schema=schema, req=req, location=location)


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's blueprint with :class:`PlainTextParser`: use it for every API blueprint."""

    ARGUMENTS_PARSER = PlainTextParser()


class EventSchema(Schema):
    """One audit event of a catalogue record (``Store.history``)."""

    at = fields.DateTime(required=True)
    actor = fields.String(required=True)
    action = fields.String(required=True)
    version = fields.Integer(required=True, allow_none=True)
    changes = fields.Dict(required=True, allow_none=True)


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000, error="page is 1 to 1000000."))
    per_page = fields.Integer(
        load_default=50, validate=validate.Range(1, MAX_PER_PAGE, error=f"per_page is 1 to {MAX_PER_PAGE}.")
    )


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    """A page of ``item``: ``{items, total, page, per_page, pages}`` (the shape :func:`page` makes)."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item), required=True),
            "total": fields.Integer(required=True),
            "page": fields.Integer(required=True),
            "per_page": fields.Integer(required=True),
            "pages": fields.Integer(required=True),
        },
        name=name,
    )


def page(items: list[Any], total: int, page_no: int, per_page: int) -> dict[str, Any]:
    """One page of a listing, for a :func:`page_schema` to serialise."""
    return {"items": items, "total": total, "page": page_no, "per_page": per_page, "pages": -(-total // per_page)}


def etag_of(version: int) -> str:
    return f'"{version}"'


def etag_headers(version: int) -> dict[str, str]:
    """The headers a record's response carries: its version as the ETag, and revalidate before reuse."""
    return {"ETag": etag_of(version), "Cache-Control": "private, no-cache"}


def not_modified(version: int) -> Response | None:
    """A 304 when the client's If-None-Match already names this version, else None."""
    if request.if_none_match.contains_weak(str(version)):
        response = Response(status=304)
        response.headers.update(etag_headers(version))
        return response
    return None


def no_content() -> Response:
    """204 with no body and no Content-Type (there is no content to have a type)."""
    response = Response(status=204)
    response.headers.remove("Content-Type")
    return response


def expected_version() -> int:
    """The version the client edited, from If-Match (parsed by Werkzeug).

    Raises 428 PreconditionRequired when If-Match is missing, 412
    PreconditionFailed when it is ``*`` or not exactly one version ETag
    such as ``"3"``. Whether the version is still current is checked inside
    the write transaction (the store raises VersionConflict -> 412)."""
    tags = request.if_match
    if not tags:
        raise PreconditionRequired(
            "Send If-Match with the ETag you read (GET the record first), so a colleague's newer edit is not overwritten."
        )
    if tags.star_tag:
        raise PreconditionFailed("If-Match: * is not accepted; send the ETag of the version you edited.")
    values = tags.as_set(include_weak=True)
    value = next(iter(values)) if len(values) == 1 else None
    if not isinstance(value, str) or not VERSION_TAG.fullmatch(value):
        raise PreconditionFailed('If-Match must be one ETag such as "3".')
    return int(value)


def if_match_required(view: F) -> F:
    """Every write needs If-Match, so nobody overwrites a colleague's change without knowing it.

    The view gets the edited version as the keyword argument ``version``;
    428 and 412 as in :func:`expected_version`."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return view(*args, version=expected_version(), **kwargs)

    setattr(wrapper, IF_MATCH_ATTR, True)
    return wrapper  # type: ignore[return-value]


def reindex(offer_ids: Iterable[str]) -> str:
    """Make a change searchable now. The write has already been committed;
    if indexing fails, the indexer keeps the ids and retries them by itself
    (``indexer.sync``: with the next write, and in the background), and we say so."""
    ids = list(offer_ids)
    if not ids:
        return "none"
    try:
        current_app.extensions["indexer"].index_offers(ids)
        return "done"
    except Exception:
        log.warning("indexing after a write failed; deferred, retried in the background", exc_info=True)
        return "deferred"


def json_body() -> dict[str, Any]:
    """The request's JSON object; ValidationError (422) when it is not one."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError({"_body": ["Send a JSON object (Content-Type: application/json)."]})
    return body
