"""One JSON error envelope for every error: ``{code, status, message, errors}``.

``errors`` names the fields (``{"location.lat": ["..."]}``) when input was
at fault. A 500 is always a bug: it is logged with a reference the caller
can quote, and says nothing about internals. :class:`ErrorSchema` is both
the published OpenAPI schema of the envelope and the serialiser every
handler here sends it through, so the spec and the bytes cannot drift.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from marshmallow import Schema, ValidationError, fields, validate
from werkzeug.exceptions import BadRequest, HTTPException, RequestEntityTooLarge

from catalogue.db import StoreFault, store_fault
from catalogue.errors import FileFormatError, InvalidRecord, NotFound, VersionConflict
from catalogue.privacy import contains_cpr
from catalogue.schemas import flatten_errors, text_errors
from indexer.backend import BackendUnavailableError, IndexNotFoundError, SearchError
from indexer.embedder import ModelNotPreparedError

log = logging.getLogger("faellesskab.api")
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(rb"[\[\]{}]")

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable_entity",
    428: "precondition_required",
    429: "too_many_requests",
    499: "client_closed_request",
    500: "internal_error",
    503: "unavailable",
}


class ErrorSchema(Schema):
    """The error envelope: what every 4xx and 5xx answer of the API carries."""

    code = fields.String(
        required=True,
        validate=validate.OneOf([*CODES.values(), "error"]),
        metadata={"description": "Machine-readable error code, e.g. `unauthorized`."},
    )
    status = fields.Integer(
        required=True, validate=validate.Range(400, 599), metadata={"description": "The HTTP status code."}
    )
    message = fields.String(required=True, metadata={"description": "What went wrong and what to do, in English."})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        required=True,
        metadata={
            "description": "Field (dotted path, e.g. `location.lat`) -> messages; empty unless input was at fault."
        },
    )
    current = fields.Dict(
        metadata={"description": "412 only: the current version of the record, to apply the change to again."}
    )
    reference = fields.String(metadata={"description": "500 only: the reference to quote when reporting the bug."})
    report = fields.Dict(
        metadata={"description": "Bulk import only: the import report (counts and the first rejected records)."}
    )


_ERROR_SCHEMA = ErrorSchema()


class ImportRejected(Exception):
    """A bulk import wrote nothing because records were rejected: 422 with ``errors`` and the full ``report``."""

    def __init__(self, errors: dict[str, list[str]], report: dict[str, Any]) -> None:
        super().__init__(f"{report.get('rejected_total', 0)} records rejected")
        self.errors, self.report = errors, report


def envelope(status: int, message: str, errors: dict[str, Any] | None = None, **extra: Any) -> Response:
    """The error response: ``extra`` is ``current``, ``reference`` or ``report`` (see :class:`ErrorSchema`)."""
    body = {"code": CODES.get(status, "error"), "status": status, "message": message, "errors": errors or {}, **extra}
    response = jsonify(_ERROR_SCHEMA.dump(body))
    response.status_code = status
    return response


def refuse_oversize() -> None:
    """Before any view: a declared ``Content-Length`` above ``MAX_CONTENT_LENGTH``
    gets 413 without a byte of the body read (werkzeug also stops a body without
    a length once it passes the limit)."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit is not None and (request.content_length or 0) > limit:
        raise RequestEntityTooLarge(f"The request body is larger than the limit of {limit} bytes.")


#: How deep a JSON body may nest. The deepest real body (an HSDS service) nests
#: about 6 levels; Python's parser raises RecursionError near 1000, deep inside a view.
MAX_JSON_DEPTH = 64


def refuse_unparseable_json() -> None:
    """Before any view: a JSON body that nests deeper than :data:`MAX_JSON_DEPTH`
    or holds an integer longer than Python converts (4300 digits) gets 400 in
    the envelope, naming ``_body``, instead of a RecursionError or ValueError
    (a 500) inside webargs. Other malformed JSON is left to the view's parser."""
    if not request.is_json or not request.content_length:
        return
    data = request.get_data(cache=True)
    if _json_depth(data) > MAX_JSON_DEPTH:
        raise _bad_body(f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels.")
    try:
        json.loads(data)
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise _bad_body(f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels.") from None
    except ValueError as exc:
        if "integer string conversion" in str(exc):
            raise _bad_body("The JSON body holds a number with too many digits.") from None


#: A page's words for an address holding what is not text.
PATH_NOT_TEXT_DA = "Adressen må kun indeholde almindelig tekst (ingen NUL-tegn)."


def refuse_non_text_path() -> Response | None:
    """Before any view: a path parameter (a record's id) holding a NUL byte or a lone surrogate
    (:func:`catalogue.schemas.text_errors`) gets 404 in the envelope naming it (``offer_id``; no record
    has such an id, and 404 is what the spec declares for a path parameter), or on a web page a Danish
    400, instead of reaching the store: PostgreSQL refuses NUL in a query (a 500)."""
    errors = text_errors(dict(request.view_args or {}))
    if not errors:
        return None
    if is_page_request():
        raise BadRequest(PATH_NOT_TEXT_DA)
    return envelope(404, f"Not found: {', '.join(sorted(errors))} is not plain text.", errors)


def _bad_body(message: str) -> BadRequest:
    exc = BadRequest(message)
    exc.data = {"messages": {"json": {"_body": [message]}}}  # type: ignore[attr-defined]
    return exc


def _json_depth(data: bytes, stop: int = MAX_JSON_DEPTH) -> int:
    """The deepest nesting of ``[``/``{`` in a JSON text (brackets inside strings
    not counted), or the first depth above ``stop``: the scan ends there, so a
    hostile body costs no more than a flat one."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(_STRINGS.sub(b'""', data)):
        depth += 1 if match.group() in (b"[", b"{") else -1
        if depth > deepest:
            deepest = depth
            if deepest > stop:
                break
    return deepest


#: Paths answered by web pages (HTML errors in Danish); everything else is the API (the JSON envelope).
PAGE_PREFIXES = ("/navigator", "/frivillig", "/admin/", "/log-", "/plan")
PAGE_HEADINGS = {
    400: "Noget i forespørgslen var galt",
    401: "Du skal logge ind",
    403: "Ingen adgang",
    404: "Siden findes ikke",
    405: "Det kan man ikke her",
    429: "For mange forsøg",
}


def is_page_request() -> bool:
    """True for the web pages' paths (and ``/``), whose errors are shown as a Danish HTML page."""
    return request.path == "/" or request.path.startswith(PAGE_PREFIXES)


def _page(exc: HTTPException, status: int) -> Response:
    """A web page's error as a page: the heading by status, the view's Danish description."""
    from flask import render_template

    own = exc.description and exc.description != type(exc).description  # werkzeug's defaults are English
    message = exc.description if status < 500 and own else "Der skete en fejl. Prøv igen om lidt."
    if status == 429:
        message = "Der har været for mange forkerte forsøg. Vent lidt, og prøv så igen."
    response = Response(
        render_template("error.html", heading=PAGE_HEADINGS.get(status, "Der skete en fejl"), message=message),
        status=status,
        mimetype="text/html",
    )
    for header, value in exc.get_headers() or []:
        if header.lower() not in ("content-type", "content-length"):
            response.headers[header] = value
    return response


def init_app(app: Flask) -> None:
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_oversize)
    app.before_request_funcs[None].insert(1, refuse_unparseable_json)
    app.before_request_funcs[None].insert(2, refuse_non_text_path)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        if is_page_request():
            return _page(exc, status)
        errors: dict[str, Any] = {}
        data = getattr(exc, "data", None)  # flask-smorest / webargs put field errors here
        if isinstance(data, dict) and "messages" in data:
            messages = data["messages"]
            # webargs nests by location: {"json": {...}} or {"query": {...}}
            for location_errors in messages.values() if isinstance(messages, dict) else []:
                errors.update(flatten_errors(location_errors))
        response = envelope(status, _message(exc, errors), errors)
        for header, value in exc.get_headers() or []:  # WWW-Authenticate, Retry-After, Allow
            if header.lower() not in ("content-type", "content-length"):
                response.headers[header] = value
        return response

    @app.errorhandler(ValidationError)
    def _validation(exc: ValidationError) -> Response:
        errors = flatten_errors(exc.messages)
        return envelope(422, f"Invalid input: {', '.join(sorted(errors))}.", errors)

    @app.errorhandler(InvalidRecord)
    def _invalid(exc: InvalidRecord) -> Response:
        return envelope(422, f"Invalid input: {', '.join(sorted(exc.errors))}.", exc.errors)

    @app.errorhandler(ImportRejected)
    def _rejected(exc: ImportRejected) -> Response:
        rejected, total = exc.report.get("rejected_total", 0), exc.report.get("total", 0)
        message = f"{rejected} of {total} records are invalid; nothing was written (see errors and report)."
        return envelope(422, message, exc.errors, report=exc.report)

    @app.errorhandler(FileFormatError)
    def _file(exc: FileFormatError) -> Response:
        return envelope(400, str(exc), {"file": [str(exc)]})

    @app.errorhandler(NotFound)
    def _not_found(exc: NotFound) -> Response:
        shown = "(CPR number not repeated)" if contains_cpr(str(exc.entity_id)) else repr(exc.entity_id)
        return envelope(404, f"No {exc.entity} with id {shown}.")

    @app.errorhandler(VersionConflict)
    def _conflict(exc: VersionConflict) -> Response:
        from .serialize import jsonable

        response = envelope(
            412,
            "Someone else saved this first. Here is the current version; apply your change to it and send it again.",
            {"If-Match": [f"You had version {exc.expected}; the current version is {exc.current.get('version')}."]},
            current=jsonable(exc.current),
        )
        response.headers["ETag"] = f'"{exc.current.get("version")}"'
        return response

    @app.errorhandler(ModelNotPreparedError)
    def _model(exc: ModelNotPreparedError) -> Response:
        return envelope(503, str(exc))

    @app.errorhandler(IndexNotFoundError)
    def _index(exc: IndexNotFoundError) -> Response:
        return envelope(503, str(exc))

    @app.errorhandler(BackendUnavailableError)
    def _backend(exc: BackendUnavailableError) -> Response:
        return envelope(503, f"The search engine is unavailable: {exc}")

    @app.errorhandler(SearchError)
    def _search(exc: SearchError) -> Response:
        log.exception("search error")
        return envelope(503, f"Search failed: {exc}")

    @app.errorhandler(Exception)
    def _bug(exc: Exception) -> Response:
        if isinstance(exc, HTTPException):
            return _http(exc)
        fault = store_fault(exc)
        if fault is not None:
            return unavailable_store(fault)
        ref = uuid.uuid4().hex[:12]
        log.exception("unhandled error, reference %s", ref)
        return envelope(500, f"Internal error; please report reference {ref}.", reference=ref)


#: fault -> (Danish, English) reason and seconds to wait, for :func:`unavailable_store`.
STORE_FAULTS: dict[StoreFault, tuple[str, str, int]] = {
    "read_only": ("databasen er skrivebeskyttet", "the store is read-only", 10),
    "full": ("disken er fuld", "the disk is full", 30),
    "io": ("disken svarer ikke", "the disk fails", 10),
    "locked": ("databasen er optaget af en anden skrivning", "the store is busy with another write", 2),
}


def unavailable_store(fault: StoreFault) -> Response:
    """503 with ``Retry-After`` for a transient store fault (:func:`catalogue.db.store_fault`):
    the change was not saved (its transaction rolled back), and trying again later is right."""
    danish, english, wait = STORE_FAULTS[fault]
    log.warning("store fault (%s): answered 503", fault)
    response = envelope(
        503,
        f"Ændringen blev ikke gemt: {danish}. Prøv igen om lidt. / "
        f"Not saved: {english}. Try again in {wait} s; nothing was written.",
    )
    response.headers["Retry-After"] = str(wait)
    return response


def _message(exc: HTTPException, errors: dict[str, Any]) -> str:
    if errors:
        return f"Invalid input: {', '.join(sorted(errors))}."
    return exc.description or exc.name
