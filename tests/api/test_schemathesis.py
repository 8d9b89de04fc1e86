"""Property-based tests of the whole HTTP API against its own OpenAPI document (Schemathesis).

Every operation in ``/api/openapi.json`` gets generated requests, valid and
invalid, sent with EACH role's key (and without one for the public HSDS
feed). Every answer must be no 5xx, a documented status code and content
type, and a body that conforms to the documented schema: for errors, the
one envelope. Examples are few and derandomised so the run is bounded and
repeatable (about two minutes on a small machine).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api import create_app
from api.auth import ROLES
from tests.api.conftest import auth

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
MAX_EXAMPLES = 12


def _json(res: Any) -> Any:
    """The JSON body of a test response (typed Any: the tests index into it)."""
    return res.json


def _operations() -> list[tuple[str, str]]:
    """(METHOD, path) of every documented operation, from a bare app (nothing is loaded to build the spec)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"TESTING": True, "DATA_DIR": tmp, "EMBEDDING_MODEL": "fake"})
        paths = _json(app.test_client().get("/api/openapi.json"))["paths"]
    return [(method.upper(), path) for path, item in paths.items() for method in item if method != "parameters"]


OPERATIONS = _operations()


@pytest.fixture(scope="module")
def api_schema(demo_app: Flask) -> Any:
    return schemathesis.openapi.from_wsgi("/api/openapi.json", demo_app)


@pytest.mark.parametrize(("method", "path"), [pytest.param(m, p, id=f"{m} {p}") for m, p in OPERATIONS])
def test_api_conforms_to_its_spec(api_schema: Any, demo_app: Flask, method: str, path: str) -> None:
    operation = api_schema[path][method]
    keyed = bool(operation.definition.raw.get("security"))
    keys = [auth(demo_app, role) for role in ROLES] if keyed else [{}]
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

    @given(case=cases)
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def check(case: Any) -> None:
        for headers in keys:
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS, headers=headers)

    check()
