"""Every endpoint against every role and no key: 401 without a key, 403 for the wrong role,
and the one right answer for a role that may call it.

The table is written out by hand on purpose, and a test checks that it
covers every route, so a new endpoint cannot ship without a decision about
who may call it. Requests for allowed roles use unknown ids or empty bodies,
so the matrix changes nothing; the status they get is therefore 404 (unknown
id), 422 (the empty body is invalid), 400 (an import without offers) or 200
(a read), and each is written down: an allowed role that gets a 500 fails.
The spec's ``x-roles`` (api.openapi) must say the same as the table.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.conftest import auth

NAV, VC, REF = "navigator", "volunteer_centre", "referral_system"
ROLES = (NAV, VC, REF, "admin")

MATRIX: list[tuple[str, str, set[str], int]] = [
    ("POST", "/api/v1/match", {NAV}, 422),
    ("GET", "/api/v1/offers", {NAV, VC}, 200),
    ("POST", "/api/v1/offers", {VC}, 422),
    ("POST", "/api/v1/offers/import", {VC}, 400),
    ("GET", "/api/v1/offers/no-such-offer", {NAV, VC}, 404),
    ("PATCH", "/api/v1/offers/no-such-offer", {VC}, 404),
    ("POST", "/api/v1/offers/no-such-offer/retire", {VC}, 404),
    ("PUT", "/api/v1/offers/no-such-offer/capacity", {VC}, 422),
    ("GET", "/api/v1/offers/no-such-offer/history", {NAV, VC}, 404),
    ("GET", "/api/v1/organisations", {NAV, VC}, 200),
    ("POST", "/api/v1/organisations", {VC}, 422),
    ("GET", "/api/v1/organisations/no-such-org", {NAV, VC}, 404),
    ("PATCH", "/api/v1/organisations/no-such-org", {VC}, 404),
    ("GET", "/api/v1/organisations/no-such-org/history", {NAV, VC}, 404),
    ("POST", "/api/v1/referrals", {REF, NAV}, 422),
    ("GET", "/api/v1/referrals", {REF, NAV}, 200),
    ("GET", "/api/v1/referrals/no-such-referral", {NAV}, 404),
    ("PATCH", "/api/v1/referrals/no-such-referral", {NAV}, 404),
    ("GET", "/api/v1/referrals/no-such-referral/status", {REF, NAV}, 404),
    ("GET", "/api/v1/referrals/no-such-referral/history", {NAV}, 404),
    ("POST", "/api/v1/referrals/no-such-referral/transitions", {NAV}, 422),
    ("GET", "/api/v1/referrals/no-such-referral/offers", {NAV}, 404),
    ("GET", "/api/v1/referrals/no-such-referral/companions", {NAV}, 404),
    ("POST", "/api/v1/referrals/no-such-referral/companions", {NAV}, 422),
    ("POST", "/api/v1/referrals/no-such-referral/companions/1/transitions", {NAV}, 422),
    ("GET", "/api/v1/referrals/no-such-referral/questionnaires", {NAV}, 404),
    ("POST", "/api/v1/referrals/no-such-referral/questionnaires", {NAV}, 422),
    ("POST", "/api/v1/fhir", {REF}, 422),
    ("GET", "/api/v1/fhir/Task/no-such-referral", {REF, NAV}, 404),
    ("GET", "/api/v1/apikeys", set(), 200),
    ("POST", "/api/v1/apikeys", set(), 422),
    ("DELETE", "/api/v1/apikeys/no-such-key", set(), 404),
    ("GET", "/api/v1/reports/capacity", set(), 200),
    ("GET", "/api/v1/reports/demand", set(), 200),
    ("GET", "/api/v1/reports/access", set(), 200),
    ("GET", "/api/v1/capacity/summary", {VC}, 200),
    ("GET", "/api/v1/capacity/timeseries", {VC}, 422),
    ("GET", "/api/v1/capacity/grants", {VC}, 200),
    ("POST", "/api/v1/capacity/grants", {VC}, 422),
    ("POST", "/api/v1/capacity/grants/no-such-grant/payments", {VC}, 422),
    ("PUT", "/api/v1/capacity/grants/no-such-grant/offers", {VC}, 422),
    ("GET", "/api/v1/capacity/fund", {VC}, 200),
    ("PUT", "/api/v1/capacity/fund", {VC}, 422),
    ("GET", "/api/v1/capacity/volunteer-reports", {VC}, 200),
    ("POST", "/api/v1/capacity/volunteer-reports", {VC}, 422),
    ("GET", "/api/v1/capacity/gaps", {VC}, 200),
    ("GET", "/api/v1/reports/outcomes", set(), 200),
    ("GET", "/api/v1/reports/research-export", set(), 200),
]
IDS = [f"{m} {p}" for m, p, _, _ in MATRIX]


def call(client: FlaskClient, method: str, path: str, headers: dict[str, str]) -> int:
    kwargs: dict[str, object] = {"headers": {**headers, "If-Match": '"1"'}}
    if method in ("POST", "PATCH", "PUT"):
        kwargs["json"] = {}
    return client.open(path, method=method, **kwargs).status_code  # type: ignore[arg-type]


@pytest.mark.parametrize(("method", "path", "allowed", "expected"), MATRIX, ids=IDS)
def test_role_matrix(
    client: FlaskClient, demo_app: Flask, method: str, path: str, allowed: set[str], expected: int
) -> None:
    assert call(client, method, path, {}) == 401
    assert call(client, method, path, {"Authorization": "Bearer fm_not-a-real-key-000000000000"}) == 401
    assert call(client, method, path, {"Authorization": "Basic dXNlcjpwYXNz"}) == 401
    got = {role: call(client, method, path, auth(demo_app, role)) for role in ROLES}
    want = {role: expected if role == "admin" or role in allowed else 403 for role in ROLES}
    assert got == want


def _openapi_path(path: str) -> str:
    return (
        path.replace("no-such-offer", "{offer_id}")
        .replace("no-such-org", "{org_id}")
        .replace("no-such-referral", "{referral_id}")
        .replace("no-such-key", "{name}")
        .replace("no-such-grant", "{grant_id}")
        .replace("/companions/1/", "/companions/{companion_id}/")
    )


def test_spec_roles_match_the_table(client: FlaskClient) -> None:
    spec: dict[str, Any] = client.get("/api/openapi.json").get_json()
    paths = spec["paths"]
    for method, path, allowed, _ in MATRIX:
        operation = paths[_openapi_path(path)][method.lower()]
        assert operation["x-roles"] == sorted(allowed | {"admin"}), (method, path)
        assert operation["security"] == [{"bearer": []}], (method, path)


def test_matrix_covers_every_route(demo_app: Flask) -> None:
    covered = {(m, _openapi_path(p).replace("{", "<").replace("}", ">")) for m, p, _, _ in MATRIX}
    routes = {
        (method, re.sub(r"<\w+:", "<", rule.rule))  # <int:companion_id> -> <companion_id>
        for rule in demo_app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1")
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }
    assert routes == covered


def test_public_endpoints_need_no_key(client: FlaskClient) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/openapi.json").status_code == 200
