"""The OpenAPI document (api.openapi): valid, complete, and true about access and errors."""

from __future__ import annotations

import re
import tempfile
from typing import Any

import jsonschema
import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

import migrations
from api import create_app
from tests.api.conftest import auth
from tests.api.test_errors import Unreadable


def _json(res: Any) -> Any:
    """The JSON body of a test response (typed Any: the tests index into it)."""
    return res.json


def _bare_spec() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"TESTING": True, "DATA_DIR": tmp, "EMBEDDING_MODEL": "fake"})
        spec: dict[str, Any] = _json(app.test_client().get("/api/openapi.json"))
    return spec


SPEC = _bare_spec()
OPERATIONS = [
    (method.upper(), path) for path, item in SPEC["paths"].items() for method in item if method != "parameters"
]


def _operation(spec: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    operation: dict[str, Any] = spec["paths"][path][method.lower()]
    return operation


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        section, kind, name = node["$ref"].removeprefix("#/").split("/")
        node = spec[section][kind][name]
    return node


def test_the_spec_is_valid_openapi() -> None:
    validate(SPEC)


def test_the_error_schema_is_the_envelope_the_api_sends() -> None:
    error = SPEC["components"]["schemas"]["Error"]
    assert error["properties"]["code"]["type"] == "string" and error["properties"]["status"]["type"] == "integer"
    assert sorted(error["required"]) == ["code", "errors", "message", "status"]
    assert set(error["properties"]) == {"code", "status", "message", "errors", "current", "reference", "report"}
    assert error["additionalProperties"] is False


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_every_operation_publishes_a_2xx_schema(method: str, path: str) -> None:
    responses = _operation(SPEC, method, path)["responses"]
    success = {code: _resolve(SPEC, r) for code, r in responses.items() if code.startswith("2")}
    assert success, "no 2xx response"
    for code, response in success.items():
        if code == "204":
            assert "content" not in response
        else:
            media = "application/json"  # or FHIR's own JSON type, or the research export's CSV
            media = next((m for m in ("application/fhir+json", "text/csv") if m in response["content"]), media)
            assert response["content"][media]["schema"], code


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_security_and_errors_match_what_the_api_does(demo_app: Flask, method: str, path: str) -> None:
    """Without a key: a 401 means the spec must declare the bearer key, 401 and 403; anything else, no key."""
    url = re.sub(r"\{[^}]+\}", "no-such-id", path)
    status = demo_app.test_client().open(url, method=method).status_code
    operation = _operation(SPEC, method, path)
    responses = operation["responses"]
    if status == 401:
        assert operation["security"] == [{"bearer": []}]
        assert {"401", "403"} <= set(responses)
    else:
        assert "security" not in operation and "401" not in responses
    if "{" in path:
        assert "404" in responses
    headers = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
    assert ("If-Match" in headers) == ({"412", "428"} <= set(responses))
    assert ("requestBody" in operation) == ("413" in responses)
    for code, response in responses.items():
        if code[0] in "45":
            schema = _resolve(SPEC, response)["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}, code


def _error_schema(spec: dict[str, Any], method: str, path: str, status: int) -> dict[str, Any]:
    responses = _operation(spec, method, path)["responses"]
    response = _resolve(spec, responses[str(status)])
    schema = _resolve(spec, response["content"]["application/json"]["schema"])
    return schema


def _assert_documented_error(spec: dict[str, Any], method: str, path: str, res: Any, status: int) -> None:
    assert res.status_code == status, _json(res)
    assert res.content_type == "application/json"
    jsonschema.validate(_json(res), _error_schema(spec, method, path, status))
    assert _json(res)["status"] == status


def test_errors_the_api_sends_conform_to_the_spec(client: FlaskClient, demo_app: Flask) -> None:
    spec = _json(client.get("/api/openapi.json"))
    nav, vc = auth(demo_app, "navigator"), auth(demo_app, "volunteer_centre")
    offer = _json(client.get("/api/v1/offers?per_page=1", headers=nav))["items"][0]["id"]
    item = "/api/v1/offers/{offer_id}"

    res = client.get("/api/v1/offers")
    _assert_documented_error(spec, "GET", "/api/v1/offers", res, 401)
    assert res.headers["WWW-Authenticate"].startswith("Bearer")
    _assert_documented_error(spec, "POST", "/api/v1/match", client.post("/api/v1/match", json={}, headers=vc), 403)
    _assert_documented_error(spec, "GET", item, client.get("/api/v1/offers/nope", headers=nav), 404)
    res = client.get("/api/v1/offers?per_page=0", headers=nav)
    _assert_documented_error(spec, "GET", "/api/v1/offers", res, 422)
    assert list(_json(res)["errors"]) == ["per_page"]
    res = client.patch(f"/api/v1/offers/{offer}", json={"waitlist": 1}, headers=vc)
    _assert_documented_error(spec, "PATCH", item, res, 428)
    res = client.patch(f"/api/v1/offers/{offer}", json={"waitlist": 1}, headers={**vc, "If-Match": '"999"'})
    _assert_documented_error(spec, "PATCH", item, res, 412)
    assert _json(res)["current"]["id"] == offer and res.headers["ETag"] == f'"{_json(res)["current"]["version"]}"'
    res = client.patch(f"/api/v1/offers/{offer}", json={"waitlist": 1}, headers={**vc, "If-Match": "*"})
    _assert_documented_error(spec, "PATCH", item, res, 412)
    res = client.post("/api/v1/offers/import", json={"offers": [{"id": "x"}]}, headers=vc)
    _assert_documented_error(spec, "POST", "/api/v1/offers/import", res, 422)
    assert _json(res)["report"]["committed"] is False
    res = client.post("/api/v1/offers/import", input_stream=Unreadable(10**9), content_type="application/json")
    _assert_documented_error(spec, "POST", "/api/v1/offers/import", res, 413)


def test_throttled_and_internal_errors_conform(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from api.auth import create_key
    from api.extensions import get_store

    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path), "EMBEDDING_MODEL": "fake", "RATE_WRITE": "1/60"})
    migrations.upgrade(get_store(app))
    headers = {"Authorization": "Bearer " + create_key(get_store(app), name="a", role="admin", created_by="t")}
    client = app.test_client()
    spec = _json(client.get("/api/openapi.json"))
    assert client.delete("/api/v1/apikeys/nobody", headers=headers).status_code == 404
    res = client.delete("/api/v1/apikeys/nobody", headers=headers)
    _assert_documented_error(spec, "DELETE", "/api/v1/apikeys/{name}", res, 429)
    assert 1 <= int(res.headers["Retry-After"]) <= 60

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(type(get_store(app)), "capacity_events", broken)
    res = client.get("/api/v1/reports/capacity", headers=headers)
    assert res.status_code == 500 and "a bug" not in res.get_data(as_text=True)
    jsonschema.validate(_json(res), spec["components"]["schemas"]["Error"])
    assert _json(res)["code"] == "internal_error" and len(_json(res)["reference"]) == 12


def test_revoking_a_key_answers_204_without_a_body_or_content_type(tmp_path: Any) -> None:
    from api.auth import create_key
    from api.extensions import get_store

    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path), "EMBEDDING_MODEL": "fake"})
    migrations.upgrade(get_store(app))
    headers = {"Authorization": "Bearer " + create_key(get_store(app), name="a", role="admin", created_by="t")}
    create_key(get_store(app), name="b", role="navigator", created_by="t")
    res = app.test_client().delete("/api/v1/apikeys/b", headers=headers)
    assert res.status_code == 204 and res.data == b"" and "Content-Type" not in res.headers
    assert "content" not in SPEC["paths"]["/api/v1/apikeys/{name}"]["delete"]["responses"]["204"]
