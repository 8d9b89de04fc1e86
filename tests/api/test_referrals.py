"""Referrals: pseudonymous, least access, status history."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from api.auth import create_key
from api.extensions import get_store
from referrals.privacy import FREE_TEXT_MESSAGE, NAME_MESSAGE
from tests.api.conftest import auth


def intake(ref: str, **fields: Any) -> dict[str, Any]:
    """A valid referral body with ``ref`` as its external_ref, the citizen's consent, and ``fields``."""
    return {"citizen_ref": "lp-7f3a91", "external_ref": ref, "consent": True, **fields}


def _count(app: Flask) -> int:
    with get_store(app).read() as session:
        return session.execute(text("SELECT count(*) FROM referral")).scalar_one()


def test_referral_lifecycle(client: FlaskClient, demo_app: Flask) -> None:
    ref_sys, nav = auth(demo_app, "referral_system"), auth(demo_app, "navigator")
    res = client.post(
        "/api/v1/referrals",
        json={**intake("gp-0001"), "gp_practice": "012345", "reasons": ["loneliness"]},
        headers=ref_sys,
    )
    assert res.status_code == 201 and res.json["status"] == "received"
    rid = res.json["id"]
    status = client.get(f"/api/v1/referrals/{rid}/status", headers=ref_sys)
    assert status.json == {
        "id": rid,
        "external_ref": "gp-0001",
        "status": "received",
        "status_label": "Modtaget",
        "close_reason": None,
        "updated_at": status.json["updated_at"],
    }
    assert client.get(f"/api/v1/referrals/{rid}", headers=ref_sys).status_code == 403  # only the status
    patch = {"wellbeing": {"baseline": {"date": "2026-11-20", "who5": 9, "life_satisfaction": 4}}}
    assert client.patch(f"/api/v1/referrals/{rid}", json=patch, headers=nav).status_code == 428
    res = client.patch(f"/api/v1/referrals/{rid}", json=patch, headers={**nav, "If-Match": '"1"'})
    assert res.status_code == 200 and res.json["wellbeing"]["baseline"]["who5"] == 9
    moved = client.post(
        f"/api/v1/referrals/{rid}/transitions", json={"to": "contacted"}, headers={**nav, "If-Match": '"2"'}
    )
    assert moved.status_code == 200 and moved.json["status"] == "contacted"
    stale = client.patch(f"/api/v1/referrals/{rid}", json={"reasons": []}, headers={**nav, "If-Match": '"1"'})
    assert stale.status_code == 412 and stale.json["current"]["status"] == "contacted"
    events = client.get(f"/api/v1/referrals/{rid}/history", headers=nav).json["events"]
    navigator_key = events[2]["actor"]
    assert [e["status"] for e in events] == ["received", "received", "contacted"]
    assert navigator_key.startswith("navigator#") and "test-navigator" not in navigator_key
    assert client.get(f"/api/v1/referrals/{rid}/status", headers=ref_sys).json["status"] == "contacted"


def test_no_cpr_numbers_and_no_free_text(client: FlaskClient, demo_app: Flask) -> None:
    ref_sys = auth(demo_app, "referral_system")
    for cpr in ("010190-1234", "0101901234", "x-0101901234"):
        res = client.post("/api/v1/referrals", json={**intake("gp-cpr"), "citizen_ref": cpr}, headers=ref_sys)
        assert res.status_code == 422 and "CPR" in res.json["errors"]["citizen_ref"][0]
    res = client.post(
        "/api/v1/referrals",
        json={**intake("gp-1234"), "name": "Jens Hansen", "diagnosis": "depression"},
        headers=ref_sys,
    )
    assert res.status_code == 422 and res.json["errors"] == {"name": [NAME_MESSAGE], "diagnosis": [FREE_TEXT_MESSAGE]}
    res = client.post("/api/v1/referrals", json={**intake("gp-1234"), "reasons": ["sad"]}, headers=ref_sys)
    assert res.status_code == 422


def test_a_referral_system_sees_only_its_own(client: FlaskClient, demo_app: Flask) -> None:
    rid = client.post("/api/v1/referrals", json=intake("gp-aaaa"), headers=auth(demo_app, "referral_system")).json["id"]
    other = create_key(get_store(demo_app), name="other-system", role="referral_system", created_by="t")
    res = client.get(f"/api/v1/referrals/{rid}/status", headers={"Authorization": f"Bearer {other}"})
    assert res.status_code == 404


def test_bad_wellbeing_and_no_status_by_patch(client: FlaskClient, demo_app: Flask) -> None:
    nav = auth(demo_app, "navigator")
    rid = client.post("/api/v1/referrals", json=intake("nav-bbbb"), headers=nav).json["id"]
    res = client.patch(
        f"/api/v1/referrals/{rid}",
        json={"wellbeing": {"baseline": {"date": "2026-01-01", "who5": 40}}},
        headers={**nav, "If-Match": '"1"'},
    )
    assert res.status_code == 422 and any(k.startswith("wellbeing") for k in res.json["errors"])
    res = client.patch(f"/api/v1/referrals/{rid}", json={"status": "closed"}, headers={**nav, "If-Match": '"1"'})
    assert res.status_code == 422 and "status" in res.json["errors"]


def test_reports_and_keys(client: FlaskClient, demo_app: Flask) -> None:
    admin = auth(demo_app, "admin")
    client.post(
        "/api/v1/match",
        json={"interests": "Vil gerne synge i kor", "location": {"town": "Grenaa"}},
        headers=auth(demo_app, "navigator"),
    )
    demand = client.get("/api/v1/reports/demand", headers=admin).json
    assert demand["matches"] >= 1 and dict(demand["by_category"]).get("sang", 0) >= 1
    capacity = client.get("/api/v1/reports/capacity?baseline=2026-01-01", headers=admin).json
    assert capacity["months"][-1]["active_offers"] >= 150
    access = client.get("/api/v1/reports/access", headers=admin).json["items"]
    assert any(e["path"] == "/api/v1/match" and e["key_name"] == "test-navigator" for e in access)
    created = client.post("/api/v1/apikeys", json={"name": "new-nav", "role": "navigator"}, headers=admin)
    assert created.status_code == 201 and created.json["key"].startswith("fm_")
    listed = client.get("/api/v1/apikeys", headers=admin).json["items"]
    assert "key" not in listed[0] and any(k["name"] == "new-nav" for k in listed)
    headers = {"Authorization": f"Bearer {created.json['key']}"}
    assert client.get("/api/v1/offers?per_page=1", headers=headers).status_code == 200
    assert client.delete("/api/v1/apikeys/new-nav", headers=admin).status_code == 204
    assert client.get("/api/v1/offers?per_page=1", headers=headers).status_code == 401


def test_intake_fields_are_stored_and_the_place_resolved(client: FlaskClient, demo_app: Flask) -> None:
    body = intake("gp-intake-1", received="2026-11-02", age_band="65-74", town="ørum", reasons=["loneliness"])
    res = client.post("/api/v1/referrals", json=body, headers=auth(demo_app, "referral_system"))
    assert res.status_code == 201, res.json
    res = client.get(f"/api/v1/referrals/{res.json['id']}", headers=auth(demo_app, "navigator"))
    got = {k: res.json[k] for k in ("external_ref", "received", "age_band", "postcode", "town", "reasons")}
    assert got == {
        "external_ref": "gp-intake-1",
        "received": "2026-11-02",
        "age_band": "65-74",
        "postcode": "8586",
        "town": "Ørum Djurs",
        "reasons": ["loneliness"],
    }
    today = client.post("/api/v1/referrals", json=intake("gp-intake-2"), headers=auth(demo_app, "referral_system"))
    today = client.get(f"/api/v1/referrals/{today.json['id']}", headers=auth(demo_app, "navigator"))
    assert today.json["received"] == date.today().isoformat() and today.json["town"] is None


def test_a_referral_from_a_village_known_by_name_only_keeps_its_name(client: FlaskClient, demo_app: Flask) -> None:
    """Homå has no point and no sourced postcode: the gazetteer's name, and the postcode as given (or none)."""
    for ref, fields, postcode in (
        ("gp-homa-1", {"town": "Homaa"}, None),
        ("gp-homa-2", {"town": "homå", "postcode": "8500"}, "8500"),
    ):
        res = client.post("/api/v1/referrals", json=intake(ref, **fields), headers=auth(demo_app, "referral_system"))
        assert res.status_code == 201, res.json
        got = client.get(f"/api/v1/referrals/{res.json['id']}", headers=auth(demo_app, "navigator")).json
        assert (got["town"], got["postcode"]) == ("Homå", postcode), ref


def test_resending_an_external_ref_returns_the_same_referral(client: FlaskClient, demo_app: Flask) -> None:
    ref_sys = auth(demo_app, "referral_system")
    first = client.post("/api/v1/referrals", json=intake("gp-retry", reasons=["stress"]), headers=ref_sys)
    assert first.status_code == 201
    before = _count(demo_app)
    again = client.post("/api/v1/referrals", json=intake("gp-retry", reasons=["stress"]), headers=ref_sys)
    assert (again.status_code, again.json["id"], _count(demo_app)) == (200, first.json["id"], before)
    assert again.headers["Location"] == f"/api/v1/referrals/{first.json['id']}"
    other = create_key(get_store(demo_app), name="third-system", role="referral_system", created_by="t")
    theirs = client.post(
        "/api/v1/referrals", json=intake("gp-retry"), headers={"Authorization": f"Bearer {other}"}
    )  # another system may use the same id of its own
    assert theirs.status_code == 201 and theirs.json["id"] != first.json["id"] and _count(demo_app) == before + 1


@pytest.mark.parametrize(
    "consent",
    [False, "true", 1, None, "yes", [True], "MISSING"],
    ids=["false", "string", "one", "null", "yes", "list", "missing"],
)
def test_consent_must_be_exactly_true(client: FlaskClient, demo_app: Flask, consent: object) -> None:
    body = intake("gp-consent")
    if consent == "MISSING":
        del body["consent"]
    else:
        body["consent"] = consent
    before = _count(demo_app)
    res = client.post("/api/v1/referrals", json=body, headers=auth(demo_app, "referral_system"))
    assert res.status_code == 422 and list(res.json["errors"]) == ["consent"] and _count(demo_app) == before


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("name", NAME_MESSAGE),
        ("navn", NAME_MESSAGE),
        ("patient_name", NAME_MESSAGE),
        ("first_name", NAME_MESSAGE),
        ("Efternavn", NAME_MESSAGE),
        ("fullName", NAME_MESSAGE),
        ("notes", FREE_TEXT_MESSAGE),
        ("comment", FREE_TEXT_MESSAGE),
        ("diagnosis", FREE_TEXT_MESSAGE),
    ],
)
def test_names_and_free_text_are_refused_and_not_logged(
    client: FlaskClient, demo_app: Flask, caplog: pytest.LogCaptureFixture, field: str, message: str
) -> None:
    before = _count(demo_app)
    with caplog.at_level(logging.DEBUG):
        res = client.post(
            "/api/v1/referrals",
            json=intake("gp-named", **{field: "Jens Hansen"}),
            headers=auth(demo_app, "referral_system"),
        )
    assert res.status_code == 422 and res.json["errors"] == {field: [message]} and _count(demo_app) == before
    assert "Hansen" not in res.get_data(as_text=True) and "Hansen" not in caplog.text
    assert f"fields {field} are not allowed" in caplog.text


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"town": "Aarhus"}, "town"),
        ({"postcode": "8000"}, "postcode"),
        ({"age_band": "42"}, "age_band"),
        ({"received": (date.today() + timedelta(days=2)).isoformat()}, "received"),
        ({"external_ref": "a b c d"}, "external_ref"),
        ({"reasons": ["sad"]}, "reasons.0"),
    ],
    ids=["town outside", "postcode outside", "age band", "future", "external_ref shape", "reason"],
)
def test_intake_fields_are_validated(client: FlaskClient, demo_app: Flask, fields: dict[str, Any], error: str) -> None:
    res = client.post("/api/v1/referrals", json=intake("gp-bad", **fields), headers=auth(demo_app, "navigator"))
    assert res.status_code == 422 and list(res.json["errors"]) == [error]


@pytest.mark.parametrize("since", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"])
def test_modified_after_without_a_utc_time_is_a_422(client: FlaskClient, demo_app: Flask, since: str) -> None:
    """Both were a 500 (OverflowError when the time was turned into UTC)."""
    res = client.get(
        "/api/v1/referrals", query_string={"modified_after": since}, headers=auth(demo_app, "referral_system")
    )
    assert res.status_code == 422 and "modified_after" in res.get_json()["errors"]


def test_an_external_ref_resent_for_another_citizen_is_refused(client: FlaskClient, demo_app: Flask) -> None:
    """It answered 200 with the first citizen's referral, so the second referral was lost unnoticed."""
    ref_sys = auth(demo_app, "referral_system")
    assert client.post("/api/v1/referrals", json=intake("gp-reused"), headers=ref_sys).status_code == 201
    before = _count(demo_app)
    other = client.post(
        "/api/v1/referrals", json={**intake("gp-reused"), "citizen_ref": "lp-someone-else"}, headers=ref_sys
    )
    assert other.status_code == 422 and list(other.json["errors"]) == ["external_ref"]
    assert _count(demo_app) == before
