"""Every endpoint against every role and no key: 401 without a key, 403 for the wrong role.

The table is written out by hand on purpose, and a test checks that it
covers every route, so a new endpoint cannot ship without a decision about
who may call it. Requests for allowed roles use unknown ids or empty bodies,
so the matrix changes nothing.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.conftest import auth

NAV, VC, REF = "navigator", "volunteer_centre", "referral_system"
ROLES = (NAV, VC, REF, "admin")

MATRIX: list[tuple[str, str, set[str]]] = [
    ("POST", "/api/v1/match", {NAV}),
    ("GET", "/api/v1/offers", {NAV, VC}),
    ("POST", "/api/v1/offers", {VC}),
    ("POST", "/api/v1/offers/import", {VC}),
    ("GET", "/api/v1/offers/no-such-offer", {NAV, VC}),
    ("PATCH", "/api/v1/offers/no-such-offer", {VC}),
    ("POST", "/api/v1/offers/no-such-offer/retire", {VC}),
    ("PUT", "/api/v1/offers/no-such-offer/capacity", {VC}),
    ("GET", "/api/v1/offers/no-such-offer/history", {NAV, VC}),
    ("GET", "/api/v1/organisations", {NAV, VC}),
    ("POST", "/api/v1/organisations", {VC}),
    ("GET", "/api/v1/organisations/no-such-org", {NAV, VC}),
    ("PATCH", "/api/v1/organisations/no-such-org", {VC}),
    ("GET", "/api/v1/organisations/no-such-org/history", {NAV, VC}),
    ("POST", "/api/v1/referrals", {REF, NAV}),
    ("GET", "/api/v1/referrals", {NAV}),
    ("GET", "/api/v1/referrals/no-such-referral", {NAV}),
    ("PATCH", "/api/v1/referrals/no-such-referral", {NAV}),
    ("GET", "/api/v1/referrals/no-such-referral/status", {REF, NAV}),
    ("GET", "/api/v1/referrals/no-such-referral/history", {NAV}),
    ("GET", "/api/v1/apikeys", set()),
    ("POST", "/api/v1/apikeys", set()),
    ("DELETE", "/api/v1/apikeys/no-such-key", set()),
    ("GET", "/api/v1/reports/capacity", set()),
    ("GET", "/api/v1/reports/demand", set()),
    ("GET", "/api/v1/reports/access", set()),
]


def call(client: FlaskClient, method: str, path: str, headers: dict[str, str]) -> int:
    kwargs: dict[str, object] = {"headers": {**headers, "If-Match": '"1"'}}
    if method in ("POST", "PATCH", "PUT"):
        kwargs["json"] = {}
    return client.open(path, method=method, **kwargs).status_code  # type: ignore[arg-type]


@pytest.mark.parametrize(("method", "path", "allowed"), MATRIX, ids=[f"{m} {p}" for m, p, _ in MATRIX])
def test_role_matrix(client: FlaskClient, demo_app: Flask, method: str, path: str, allowed: set[str]) -> None:
    assert call(client, method, path, {}) == 401
    assert call(client, method, path, {"Authorization": "Bearer fm_not-a-real-key-000000000000"}) == 401
    for role in ROLES:
        status = call(client, method, path, auth(demo_app, role))
        if role == "admin" or role in allowed:
            assert status not in (401, 403), (role, status)
        else:
            assert status == 403, (role, status)


def test_matrix_covers_every_route(demo_app: Flask) -> None:
    covered = {
        (
            m,
            p.replace("no-such-offer", "<offer_id>")
            .replace("no-such-org", "<org_id>")
            .replace("no-such-referral", "<referral_id>")
            .replace("no-such-key", "<name>"),
        )
        for m, p, _ in MATRIX
    }
    routes = {
        (method, rule.rule)
        for rule in demo_app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1")
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }
    assert routes == covered


def test_public_endpoints_need_no_key(client: FlaskClient) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/openapi.json").status_code == 200
