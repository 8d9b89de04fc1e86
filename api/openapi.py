"""The OpenAPI document tells the truth about access and errors, for every blueprint.

flask-smorest documents what each view declares (arguments, 2xx schemas).
What every view shares is added here, once, after all blueprints are
registered (:func:`init_spec`), from metadata the decorators leave on the
view functions, so no blueprint has to repeat it:

- ``requires(...)`` (:func:`api.auth.access_of`): ``security: [{bearer: []}]``,
  401 and 403, 429 when throttled, and ``x-roles``;
- a path parameter: 404;
- ``if_match_required`` (:data:`api.common.IF_MATCH_ATTR`) or an If-Match
  header parameter: the header, 412 and 428;
- a request body or query arguments: 422;
- a request body: 413 (over ``MAX_CONTENT_LENGTH``, see :func:`api.errors.refuse_oversize`).

Every error response references the one envelope, ``#/components/schemas/Error``,
which is :class:`api.errors.ErrorSchema`, the schema the error handlers serialise through.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, Final

from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from flask_smorest import Api

from .auth import access_of
from .common import IF_MATCH_ATTR
from .errors import ErrorSchema

SECURITY_SCHEME: Final = "bearer"
IF_MATCH_PARAMETER: Final[dict[str, Any]] = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "description": 'The ETag of the version you edited, e.g. `"3"` (from the GET). A stale one gets 412.',
    "schema": {"type": "string"},
}
#: status -> (flask-smorest's response component, description, headers)
ERRORS: Final[dict[int, tuple[str, str, dict[str, Any]]]] = {
    400: ("BAD_REQUEST", "The body is not usable JSON (nested too deep, a number too long).", {}),
    401: (
        "UNAUTHORIZED",
        "No API key, or an unknown or revoked one.",
        {"WWW-Authenticate": {"description": "`Bearer realm=...`", "schema": {"type": "string"}}},
    ),
    403: ("FORBIDDEN", "The key's role may not do this.", {}),
    404: ("NOT_FOUND", "No such record (or not one this key may see).", {}),
    412: (
        "PRECONDITION_FAILED",
        "If-Match is stale or malformed; `current` holds the current version when it was stale.",
        {"ETag": {"description": "The current version.", "schema": {"type": "string"}}},
    ),
    413: ("REQUEST_ENTITY_TOO_LARGE", "The request body is larger than `FAELLESSKAB_MAX_UPLOAD_MB`.", {}),
    422: ("UNPROCESSABLE_ENTITY", "The input is invalid; `errors` names each field.", {}),
    428: ("PRECONDITION_REQUIRED", "If-Match is missing.", {}),
    429: (
        "TOO_MANY_REQUESTS",
        "Over the rate limit for this key.",
        {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
    ),
    503: (
        "SERVICE_UNAVAILABLE",
        "Try again later: the store cannot write (read-only or full disk, busy), the search engine or model "
        "is unavailable, or the service is at capacity.",
        {"Retry-After": {"description": "Seconds to wait, when known.", "schema": {"type": "integer"}}},
    ),
}
_PATH_ARG = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def init_spec(api: Api, app: Flask | None = None) -> None:
    """Publish the error envelope and add security and error responses to every operation.

    Call once after every blueprint is registered. ``app`` defaults to the app ``api`` was made with."""
    flask_app: Flask = app or api._app
    _publish_error_schema(api)
    components = api.spec.components
    for component, description, headers in ERRORS.values():
        components.get_ref("response", component)  # registers flask-smorest's lazy component
        response = components.responses[component]
        response["description"] = description
        if headers:
            response["headers"] = headers
    for method, path, view, operation in _operations(api, flask_app):
        _annotate(operation, method, path, view, components)


def _publish_error_schema(api: Api) -> None:
    """Replace flask-smorest's ``Error`` component (``code: int, status: str``) with what the API sends."""
    plugin = next(p for p in api.spec.plugins if isinstance(p, MarshmallowPlugin))
    api.spec.components.schemas["Error"] = plugin.converter.schema2jsonschema(ErrorSchema)  # type: ignore[union-attr]


def _operations(api: Api, app: Flask) -> Iterator[tuple[str, str, Callable[..., Any], dict[str, Any]]]:
    """(method, OpenAPI path, view function, operation) for every documented operation."""
    paths: dict[str, dict[str, Any]] = api.spec._paths
    for rule in app.url_map.iter_rules():
        path = _PATH_ARG.sub(r"{\1}", rule.rule)
        if path not in paths:
            continue
        view_func = app.view_functions[rule.endpoint]
        view_class = getattr(view_func, "view_class", None)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operation = paths[path].get(method.lower())
            view = getattr(view_class, method.lower(), None) if view_class else view_func
            if operation is not None and view is not None:
                yield method, path, view, operation


def _annotate(operation: dict[str, Any], method: str, path: str, view: Callable[..., Any], components: Any) -> None:
    statuses: set[int] = set()
    access = access_of(view)
    if access is not None:
        operation["security"] = [{SECURITY_SCHEME: []}]
        operation["x-roles"] = list(access.roles)
        roles = ", ".join(f"`{r}`" for r in access.roles)
        operation["description"] = (operation.get("description", "") + f"\n\nRoles: {roles}.").strip()
        statuses |= {401, 403, 503}
        if access.throttle:
            statuses.add(429)
    if "{" in path:
        statuses.add(404)
    parameters: list[dict[str, Any]] = operation.setdefault("parameters", [])
    has_if_match = any(p.get("in") == "header" and p.get("name") == "If-Match" for p in parameters)
    if getattr(view, IF_MATCH_ATTR, False) and not has_if_match:
        parameters.append(dict(IF_MATCH_PARAMETER))
        has_if_match = True
    if has_if_match:
        statuses |= {412, 428}
    if "requestBody" in operation or any(p.get("in") in ("query", "body") for p in parameters):
        statuses.add(422)
    if "requestBody" in operation:
        statuses |= {400, 413}
    if not parameters:
        del operation["parameters"]
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for status in sorted(statuses):
        responses.setdefault(str(status), components.get_ref("response", ERRORS[status][0]))
