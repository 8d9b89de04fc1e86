"""THE referral loop over HTTP: intake (native and FHIR), every state, offers from a
real match, a companion, both questionnaires, closing, what the referral system
sees, the outcome report with suppression, and CPR-like input refused everywhere."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from api.extensions import get_store
from referrals.fhir import REASON_SYSTEM
from tests.api.conftest import auth

BASELINE_ON = (date.today() - relativedelta(months=12)).isoformat()
FOLLOW_UP_ON = (date.today() - relativedelta(days=3)).isoformat()
CPR = "010190-1234"


def bundle(ref: str, citizen: str = "lp-fhir-01", **overrides: Any) -> dict[str, Any]:
    """A transaction Bundle as a GP system sends it (SDOH Clinical Care's referral pattern)."""
    subject = {"identifier": {"system": "urn:example:gp-system:pseudonym", "value": citizen}}
    service_request = {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "order",
        "identifier": [{"system": "urn:example:gp-system:referral", "value": ref}],
        "subject": subject,
        "requester": {"identifier": {"system": "urn:example:ydernummer", "value": "333333"}},
        "authoredOn": "2026-11-20",
        "reasonCode": [{"coding": [{"system": REASON_SYSTEM, "code": "loneliness"}]}],
        "supportingInfo": [{"reference": "urn:uuid:consent-1"}],
        **overrides.pop("service_request", {}),
    }
    consent = {
        "resourceType": "Consent",
        "status": "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "treatment"}]},
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
        "patient": subject,
        "provision": {"type": "permit"},
        **overrides.pop("consent", {}),
    }
    task = {
        "resourceType": "Task",
        "status": "requested",
        "intent": "order",
        "code": {"coding": [{"system": "http://hl7.org/fhir/CodeSystem/task-code", "code": "fulfill"}]},
        "focus": {"reference": "urn:uuid:sr-1"},
        "for": subject,
        "authoredOn": "2026-11-20T10:00:00+01:00",
        **overrides.pop("task", {}),
    }
    entries = [("urn:uuid:sr-1", service_request), ("urn:uuid:consent-1", consent), ("urn:uuid:task-1", task)]
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"fullUrl": url, "resource": r, "request": {"method": "POST", "url": r["resourceType"]}}
            for url, r in entries
        ],
    }


def fhir_post(client: FlaskClient, headers: dict[str, str], body: Any) -> Any:
    return client.post("/api/v1/fhir", json=body, headers={**headers, "Content-Type": "application/fhir+json"})


class Navigator:
    """Moves one referral on, always with the ETag it last saw."""

    def __init__(self, client: FlaskClient, headers: dict[str, str], rid: str) -> None:
        self.client, self.headers, self.rid = client, headers, rid

    def etag(self) -> str:
        return str(self.client.get(f"/api/v1/referrals/{self.rid}", headers=self.headers).headers["ETag"])

    def move(self, to: str, **fields: Any) -> Any:
        return self.client.post(
            f"/api/v1/referrals/{self.rid}/transitions",
            json={"to": to, **fields},
            headers={**self.headers, "If-Match": self.etag()},
        )

    def answer(self, instrument: str, timepoint: str, items: list[int]) -> Any:
        on = BASELINE_ON if timepoint == "baseline" else FOLLOW_UP_ON
        return self.client.post(
            f"/api/v1/referrals/{self.rid}/questionnaires",
            json={"instrument": instrument, "timepoint": timepoint, "taken_on": on, "items": items},
            headers=self.headers,
        )


def test_the_whole_loop(client: FlaskClient, demo_app: Flask) -> None:
    ref_sys, nav, admin = (auth(demo_app, r) for r in ("referral_system", "navigator", "admin"))
    started_at = client.get("/api/v1/referrals?per_page=1", headers=nav).json  # noqa: F841 (a read, logged)

    # Intake, native and FHIR; a retry returns the same referral.
    body = {
        "citizen_ref": "lp-loop-01",
        "external_ref": "gp-loop-01",
        "consent": True,
        "gp_practice": "111111",
        "reasons": ["loneliness"],
    }
    first = client.post("/api/v1/referrals", json=body, headers=ref_sys)
    assert first.status_code == 201 and set(first.json) == {
        "id", "external_ref", "status", "status_label", "close_reason", "updated_at"
    }  # fmt: skip
    rid = first.json["id"]
    retry = client.post("/api/v1/referrals", json=body, headers=ref_sys)
    assert (retry.status_code, retry.json["id"]) == (200, rid)
    sent = fhir_post(client, ref_sys, bundle("gp-fhir-01"))
    assert sent.status_code == 201 and sent.content_type == "application/fhir+json", sent.get_data(as_text=True)
    assert sent.json["resourceType"] == "Task" and sent.json["status"] == "requested"
    again = fhir_post(client, ref_sys, bundle("gp-fhir-01"))
    assert (again.status_code, again.json["id"]) == (200, sent.json["id"])
    stored = client.get(f"/api/v1/referrals/{sent.json['id']}", headers=nav).json
    assert (stored["citizen_ref"], stored["external_ref"], stored["gp_practice"], stored["reasons"]) == (
        "lp-fhir-01",
        "gp-fhir-01",
        "333333",
        ["loneliness"],
    )

    # The navigator moves the native referral through every state.
    n = Navigator(client, nav, rid)
    assert n.move("could_not_contact").status_code == 200
    assert n.move("contacted").status_code == 200
    bad = n.move("matched")
    assert bad.status_code == 409 and bad.json["errors"] == {"to": ["Allowed: assessed, closed."]}
    assessed = n.move("assessed", interests=["sang"], barriers=["no_car"])
    assert assessed.json["interests"] == ["sang"] and assessed.json["allowed_transitions"] == ["matched", "closed"]
    match = client.post(
        "/api/v1/match",
        json={"interests": "Vil gerne synge i kor", "location": {"town": "Grenaa"}, "barriers": ["no_car"]},
        headers=nav,
    ).json
    top = match["results"][:3]
    proposals = [{"offer_id": r["offer_id"], "rank": i + 1, "score": r["score"]} for i, r in enumerate(top)]
    matched = n.move("matched", query_id=match["query_id"], proposals=proposals)
    assert matched.status_code == 200 and matched.json["status"] == "matched"
    offers = client.get(f"/api/v1/referrals/{rid}/offers", headers=nav).json["items"]
    assert [(o["offer_id"], o["rank"], o["query_id"]) for o in offers] == [
        (p["offer_id"], p["rank"], match["query_id"]) for p in proposals
    ]
    companion = client.post(f"/api/v1/referrals/{rid}/companions", json={"offer_id": top[0]["offer_id"]}, headers=nav)
    assert companion.status_code == 201 and companion.json["state"] == "requested"
    cid = companion.json["id"]
    path = f"/api/v1/referrals/{rid}/companions/{cid}/transitions"
    assert client.post(path, json={"state": "went_along"}, headers=nav).status_code == 409
    assert client.post(path, json={"state": "found"}, headers=nav).json["state"] == "found"
    assert client.post(path, json={"state": "went_along"}, headers=nav).json["state_label"] == "Ledsageren gik med"
    assert n.move("started", offer_id="not-proposed").status_code == 422
    assert n.move("started", offer_id=top[0]["offer_id"]).status_code == 200
    assert n.move("started", offer_id=top[1]["offer_id"]).status_code == 200  # a second offer
    assert n.move("following_up").status_code == 200
    assert n.answer("who5", "baseline", [1, 2, 1, 2, 2]).status_code == 201  # raw 8, index 32
    assert n.answer("who5", "follow_up", [3, 3, 3, 3, 3]).json["who5_index"] == 60
    assert n.answer("life_satisfaction", "baseline", [3]).status_code == 201
    assert n.answer("life_satisfaction", "follow_up", [7]).status_code == 201
    assert n.answer("tils", "baseline", [3, 3, 2]).status_code == 201
    assert n.answer("tils", "follow_up", [2, 1, 2]).json["score"] == 5
    out_of_range = n.answer("tils", "follow_up", [2, 1, 4])
    assert out_of_range.status_code == 422 and list(out_of_range.json["errors"]) == ["items.2"]
    assert n.move("closed").status_code == 422  # a reason is needed
    closed = n.move("closed", close_reason="completed")
    assert closed.status_code == 200 and closed.json["allowed_transitions"] == []
    assert n.move("contacted").status_code == 409
    events = client.get(f"/api/v1/referrals/{rid}/history", headers=nav).json["events"]
    statuses = [e["status"] for e in events if "status" in e["changes"]]
    assert statuses == [
        "could_not_contact", "contacted", "assessed", "matched", "started", "started", "following_up", "closed"
    ]  # fmt: skip
    assert all(e["actor"].startswith(("navigator#", "referral_system#")) for e in events)

    # The referral system sees the status, and nothing of the navigator's work.
    polled = client.get("/api/v1/referrals?modified_after=2000-01-01T00:00:00Z", headers=ref_sys).json
    mine = {item["id"]: item for item in polled["items"]}
    assert mine[rid] == {
        "id": rid,
        "external_ref": "gp-loop-01",
        "status": "closed",
        "status_label": "Afsluttet",
        "close_reason": "completed",
        "updated_at": mine[rid]["updated_at"],
    }
    later = client.get(
        "/api/v1/referrals", query_string={"modified_after": mine[rid]["updated_at"]}, headers=ref_sys
    ).json
    assert rid not in {item["id"] for item in later["items"]}
    task = client.get(f"/api/v1/fhir/Task/{rid}", headers=ref_sys)
    assert task.content_type == "application/fhir+json" and task.json["status"] == "completed"
    assert "interests" not in task.get_data(as_text=True) and "sang" not in task.get_data(as_text=True)
    assert client.get(f"/api/v1/referrals/{rid}/offers", headers=ref_sys).status_code == 403

    # A re-referral links to the closed referral.
    rereferral = client.post(
        "/api/v1/referrals", json={**body, "external_ref": "gp-loop-02", "previous_id": rid}, headers=ref_sys
    )
    assert rereferral.status_code == 201
    assert client.get(f"/api/v1/referrals/{rereferral.json['id']}", headers=nav).json["previous_id"] == rid
    open_one = client.post(
        "/api/v1/referrals",
        json={**body, "external_ref": "gp-loop-03", "previous_id": rereferral.json["id"]},
        headers=ref_sys,
    )
    assert open_one.status_code == 422 and list(open_one.json["errors"]) == ["previous_id"]

    # Four more citizens at practice 111111 (five in all), four at 222222 and five at 000000.
    changes = {"111111": [(10, 14)] * 4, "222222": [(10, 12)] * 4, "000000": [(10, 13)] * 5}
    for practice, pairs in changes.items():
        for i, (before, after) in enumerate(pairs):
            created = client.post(
                "/api/v1/referrals",
                json={"citizen_ref": f"lp-{practice}-{i}", "external_ref": f"gp-{practice}-{i}", "consent": True,
                      "gp_practice": practice, "reasons": ["stress"]},
                headers=ref_sys,
            )  # fmt: skip
            other = Navigator(client, nav, created.json["id"])
            assert other.answer("who5", "baseline", [2, 2, 2, 2, before - 8]).status_code == 201
            assert other.answer("who5", "follow_up", [3, 3, 3, 3, after - 12]).status_code == 201
            assert other.answer("life_satisfaction", "baseline", [4]).status_code == 201
            assert other.answer("life_satisfaction", "follow_up", [6]).status_code == 201
    report = client.get("/api/v1/reports/outcomes", headers=admin).json
    shown = report["by_practice"]["111111"]
    assert shown["citizens"] == 5 and shown["who5"]["n"] == 5
    # index change: the loop citizen 32 -> 60 (+28), four more 40 -> 56 (+16): mean 18.4
    assert shown["who5"]["mean_change"] == 18.4 and shown["who5"]["share_improved"] == 1.0
    assert shown["who5"]["ci95"][0] < 18.4 < shown["who5"]["ci95"][1]
    assert report["by_practice"]["222222"] == {"citizens": "<5"}  # a group of 4 is suppressed
    # ... and so is the smallest shown practice, or overall minus the shown ones would give it.
    assert report["by_practice"]["000000"] == {"citizens": "skjult"} and report["overall"]["citizens"] == 14
    assert report["by_reason"]["loneliness"] == {"citizens": "<5"} and report["by_reason"]["stress"] == {
        "citizens": "skjult"
    }
    assert report["payment_indicator"]["denominator"] == 14 and report["payment_indicator"]["numerator"] == 14
    assert client.get("/api/v1/reports/outcomes", headers=nav).status_code == 403

    # The research export, admin only and kept in the access log.
    csv = client.get("/api/v1/reports/research-export", headers=admin)
    text_ = csv.get_data().decode("utf-8")
    assert csv.content_type.startswith("text/csv") and text_.startswith("\ufeffreferral_id;")
    row = next(line.split(";") for line in text_.splitlines() if line.startswith(rid))
    header = text_.splitlines()[0].lstrip("\ufeff").split(";")
    values = dict(zip(header, row, strict=True))
    assert values["close_reason"] == "completed" and values["who5_baseline_score"] == "8"
    assert values["status_history"].split("|")[0].startswith("received@")
    access = client.get("/api/v1/reports/access", headers=admin).json["items"]
    assert any(e["path"] == "/api/v1/reports/research-export" and e["key_name"] == "test-admin" for e in access)
    assert any(e["path"] == f"/api/v1/fhir/Task/{rid}" and e["role"] == "referral_system" for e in access)


def _stored_text(app: Flask) -> str:
    """Every row of every referral table and of the access log, as text."""
    tables = ("referral", "referral_event", "referral_offer", "companion_request", "questionnaire", "access_event")
    with get_store(app).read() as session:
        return "\n".join(str(row) for t in tables for row in session.execute(text(f"SELECT * FROM {t}")))


def _digits(cpr: str) -> str:
    return cpr.replace("-", "")[:6]


@pytest.mark.parametrize(
    ("where", "make"),
    [
        ("intake previous_id", lambda rid: ("POST", "/api/v1/referrals", {"citizen_ref": "lp-x1", "external_ref": "gp-x1", "consent": True, "previous_id": CPR})),
        ("transition interests", lambda rid: ("POST", f"/api/v1/referrals/{rid}/transitions", {"to": "contacted", "interests": [CPR]})),
        ("transition query_id", lambda rid: ("POST", f"/api/v1/referrals/{rid}/transitions", {"to": "contacted", "query_id": "0101901234"})),
        ("proposal", lambda rid: ("POST", f"/api/v1/referrals/{rid}/transitions", {"to": "matched", "proposals": [{"offer_id": "010190.1234", "rank": 1, "score": 1.0}]})),
        ("companion", lambda rid: ("POST", f"/api/v1/referrals/{rid}/companions", {"offer_id": "010190 1234"})),
        ("questionnaire", lambda rid: ("POST", f"/api/v1/referrals/{rid}/questionnaires", {"instrument": CPR, "timepoint": "baseline", "taken_on": "2026-01-01", "items": [1]})),
        ("fhir subject", lambda rid: ("FHIR", "/api/v1/fhir", bundle("gp-cpr-1", citizen="010190_1234"))),
        ("fhir identifier", lambda rid: ("FHIR", "/api/v1/fhir", bundle("01.01.90-1234"))),
        ("fhir cpr system", lambda rid: ("FHIR", "/api/v1/fhir", bundle("gp-cpr-3", service_request={"subject": {"identifier": {"system": "urn:oid:1.2.208.176.1.2", "value": "abcd-1"}}}))),
        ("poll", lambda rid: ("GET", "/api/v1/referrals?modified_after=010190:1234", None)),
    ],
)  # fmt: skip
def test_cpr_like_input_is_refused_everywhere_and_kept_nowhere(
    client: FlaskClient, demo_app: Flask, caplog: pytest.LogCaptureFixture, where: str, make: Any
) -> None:
    ref_sys, nav = auth(demo_app, "referral_system"), auth(demo_app, "navigator")
    rid = client.post(
        "/api/v1/referrals",
        json={"citizen_ref": "lp-cpr-test", "external_ref": f"gp-cpr-{where.replace(' ', '-')}", "consent": True},
        headers=ref_sys,
    ).json["id"]
    before = _stored_text(demo_app)
    method, path, body = make(rid)
    headers = ref_sys if method in ("FHIR",) or path.startswith("/api/v1/referrals?") else nav
    if path == "/api/v1/referrals":
        headers = ref_sys
    with caplog.at_level(logging.DEBUG):
        if method == "FHIR":
            res = fhir_post(client, headers, body)
        else:
            res = client.open(path, method=method, json=body, headers={**headers, "If-Match": '"1"'})
    assert res.status_code == 422, (where, res.get_data(as_text=True))
    assert any("CPR" in m for ms in res.json["errors"].values() for m in ms), (where, res.json)
    after = _stored_text(demo_app)
    assert after.count("0101") == before.count("0101") and "1234" not in after.replace(before, ""), where
    assert _digits(CPR) not in caplog.text and "01.01.90" not in caplog.text, where
