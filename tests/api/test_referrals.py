"""Referrals: pseudonymous, least access, status history."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from api.auth import create_key
from api.extensions import get_store
from tests.api.conftest import auth


def test_referral_lifecycle(client: FlaskClient, demo_app: Flask) -> None:
    ref_sys, nav = auth(demo_app, "referral_system"), auth(demo_app, "navigator")
    res = client.post(
        "/api/v1/referrals",
        json={"citizen_ref": "lp-7f3a91", "gp_practice": "012345", "reasons": ["loneliness"]},
        headers=ref_sys,
    )
    assert res.status_code == 201 and res.json["status"] == "received"
    rid = res.json["id"]
    status = client.get(f"/api/v1/referrals/{rid}/status", headers=ref_sys)
    assert status.json == {
        "id": rid,
        "status": "received",
        "status_label": "Modtaget",
        "updated_at": status.json["updated_at"],
    }
    assert client.get(f"/api/v1/referrals/{rid}", headers=ref_sys).status_code == 403  # only the status
    patch = {
        "status": "matched",
        "offer_ids": ["demo-0001"],
        "wellbeing": {"baseline": {"date": "2026-11-20", "who5": 9, "life_satisfaction": 4}},
    }
    assert client.patch(f"/api/v1/referrals/{rid}", json=patch, headers=nav).status_code == 428
    res = client.patch(f"/api/v1/referrals/{rid}", json=patch, headers={**nav, "If-Match": '"1"'})
    assert res.status_code == 200 and res.json["status"] == "matched" and res.json["wellbeing"]["baseline"]["who5"] == 9
    stale = client.patch(f"/api/v1/referrals/{rid}", json={"status": "closed"}, headers={**nav, "If-Match": '"1"'})
    assert stale.status_code == 412 and stale.json["current"]["status"] == "matched"
    events = client.get(f"/api/v1/referrals/{rid}/history", headers=nav).json["events"]
    assert [e["status"] for e in events] == ["received", "matched"] and events[1]["actor"] == "key:test-navigator"
    assert client.get(f"/api/v1/referrals/{rid}/status", headers=ref_sys).json["status"] == "matched"


def test_no_cpr_numbers_and_no_free_text(client: FlaskClient, demo_app: Flask) -> None:
    ref_sys = auth(demo_app, "referral_system")
    for cpr in ("010190-1234", "0101901234", "x-0101901234"):
        res = client.post("/api/v1/referrals", json={"citizen_ref": cpr}, headers=ref_sys)
        assert res.status_code == 422 and "CPR" in res.json["errors"]["citizen_ref"][0]
    res = client.post(
        "/api/v1/referrals",
        json={"citizen_ref": "lp-1234", "name": "Jens Hansen", "diagnosis": "depression"},
        headers=ref_sys,
    )
    assert res.status_code == 422 and {"name", "diagnosis"} <= set(res.json["errors"])
    res = client.post("/api/v1/referrals", json={"citizen_ref": "lp-1234", "reasons": ["sad"]}, headers=ref_sys)
    assert res.status_code == 422


def test_a_referral_system_sees_only_its_own(client: FlaskClient, demo_app: Flask) -> None:
    rid = client.post(
        "/api/v1/referrals", json={"citizen_ref": "lp-aaaa"}, headers=auth(demo_app, "referral_system")
    ).json["id"]
    other = create_key(get_store(demo_app), name="other-system", role="referral_system", created_by="t")
    res = client.get(f"/api/v1/referrals/{rid}/status", headers={"Authorization": f"Bearer {other}"})
    assert res.status_code == 404


def test_bad_wellbeing_and_unknown_offers(client: FlaskClient, demo_app: Flask) -> None:
    nav = auth(demo_app, "navigator")
    rid = client.post("/api/v1/referrals", json={"citizen_ref": "lp-bbbb"}, headers=nav).json["id"]
    res = client.patch(
        f"/api/v1/referrals/{rid}",
        json={"wellbeing": {"baseline": {"date": "2026-01-01", "who5": 40}}, "offer_ids": ["nope"]},
        headers={**nav, "If-Match": '"1"'},
    )
    assert res.status_code == 422 and any(k.startswith("wellbeing") for k in res.json["errors"])
    res = client.patch(f"/api/v1/referrals/{rid}", json={"offer_ids": ["nope"]}, headers={**nav, "If-Match": '"1"'})
    assert res.status_code == 422 and "offer_ids" in res.json["errors"]


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
