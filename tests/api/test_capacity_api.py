"""The capacity endpoints on the simulated history (tests/capacity/history.py, tests/reports/demand_history.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

import migrations
from api import create_app
from api.auth import create_key
from api.extensions import get_store
from tests.api.pages import sign_in
from tests.capacity.history import build_history
from tests.reports.demand_history import build_demand


@pytest.fixture(scope="module")
def history_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    tmp: Path = tmp_path_factory.mktemp("capacity-app")
    app = create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(tmp),
            "DATABASE_URL": f"sqlite:///{tmp / 'fm.sqlite'}",
            "EMBEDDING_MODEL": "fake",
            "CAPACITY_BASELINE": "2026-01-31",
            "RATE_WRITE": "1000/1",
        }
    )
    store = get_store(app)
    migrations.upgrade(store)
    ids = build_history(store)
    build_demand(store)
    app.config["KEYS"] = {
        role: create_key(store, name=f"t-{role}", role=role, created_by="tests")
        for role in ("volunteer_centre", "admin", "navigator")
    }
    app.config["G1"] = ids["G1"]
    return app


def _get(app: Flask, path: str, role: str = "volunteer_centre") -> Any:
    res = app.test_client().get(path, headers={"Authorization": f"Bearer {app.config['KEYS'][role]}"})
    return res.status_code, res.get_json()


def _post(app: Flask, path: str, body: dict[str, Any], method: str = "POST") -> Any:
    client: FlaskClient = app.test_client()
    res = client.open(
        path, method=method, json=body, headers={"Authorization": f"Bearer {app.config['KEYS']['admin']}"}
    )
    return res.status_code, res.get_json()


def test_summary(history_app: Flask) -> None:
    status, body = _get(history_app, "/api/v1/capacity/summary?date=2026-03-31")
    assert status == 200
    assert (body["offers"], body["places_total"], body["volunteers_reported"], body["companions_reported"]) == (
        2,
        25,
        16,
        4,
    )
    assert body["breakdown"]["town"]["Grenaa"]["offers"] == 2
    assert body["growth"] == {
        "baseline": "2026-01-31",
        "new_organisations": 1,
        "new_offers": 1,
        "offers_ended": 1,
        "places_added": -5,
        "volunteers_added": 6,
        "companions_added": 2,
    }
    status, feb = _get(history_app, "/api/v1/capacity/summary?date=2026-02-28&town=Auning", role="admin")
    assert (status, feb["offers"], feb["places_total"]) == (200, 1, 10)
    assert _get(history_app, "/api/v1/capacity/summary", role="navigator")[0] == 403


def test_timeseries(history_app: Flask) -> None:
    status, body = _get(history_app, "/api/v1/capacity/timeseries?metric=places_total&from=2026-01-01&to=2026-04-15")
    assert status == 200
    assert body["baseline"] == "2026-01-31" and body["baseline_value"] == 30
    assert [(p["date"], p["value"]) for p in body["points"]] == [
        ("2026-01-31", 30),
        ("2026-02-28", 45),
        ("2026-03-31", 25),
        ("2026-04-15", 35),
    ]
    status, bad = _get(history_app, "/api/v1/capacity/timeseries?metric=nope&from=2026-01-01")
    assert status == 422 and "metric" in bad["errors"]
    status, bad = _get(history_app, "/api/v1/capacity/timeseries?metric=offers&from=2026-03-01&to=2026-01-01")
    assert status == 422 and "to" in bad["errors"]


def test_grants_and_the_fund_limit(history_app: Flask) -> None:
    status, ledger = _get(history_app, "/api/v1/capacity/grants?date=2026-03-31")
    assert status == 200
    assert (ledger["committed_dkk"], ledger["paid_dkk"], ledger["remaining_dkk"]) == (
        "200000.00",
        "100000.00",
        "1300000.00",
    )
    (g1,) = ledger["grants"]
    assert g1["realised"] == {"offers": 1, "places": 15, "volunteers": 6, "companions": 2}
    assert (g1["cost_per_place"], g1["cost_per_volunteer"]) == ("13333.33", "33333.33")
    grant = {"organisation_id": "org-a", "amount_dkk": "1300000.01", "committed_on": "2026-05-01"}
    status, refused = _post(history_app, "/api/v1/capacity/grants", grant)
    assert status == 409 and refused["errors"] == {"amount_dkk": ["1300000.00 kr. remain."]}
    status, bad = _post(history_app, "/api/v1/capacity/grants", {**grant, "amount_dkk": "12.345"})
    assert status == 422 and "amount_dkk" in bad["errors"]
    status, bad = _post(history_app, "/api/v1/capacity/grants", {**grant, "amount_dkk": 10, "offer_ids": ["nope"]})
    assert status == 422 and "offer_ids" in bad["errors"]
    status, made = _post(
        history_app, "/api/v1/capacity/grants", {**grant, "amount_dkk": 50000, "offer_ids": ["o2"], "purpose": "Kor"}
    )
    assert status == 201
    status, paid = _post(
        history_app, f"/api/v1/capacity/grants/{made['id']}/payments", {"paid_on": "2026-05-02", "amount_dkk": 60000}
    )
    assert status == 409 and paid["errors"] == {"amount_dkk": ["50000.00 kr. remain."]}
    status, paid = _post(
        history_app, f"/api/v1/capacity/grants/{made['id']}/payments", {"paid_on": "2026-05-02", "amount_dkk": 20000}
    )
    assert (status, paid) == (201, {"paid_on": "2026-05-02", "amount_dkk": "20000.00"})
    links = f"/api/v1/capacity/grants/{made['id']}/offers"
    assert _post(history_app, links, {"offer_ids": ["o2", "o3", "o2"]}, method="PUT") == (
        200,
        {"offer_ids": ["o2", "o3"]},
    )
    status, bad = _post(history_app, links, {"offer_ids": ["nope"]}, method="PUT")
    assert status == 422 and "offer_ids" in bad["errors"]
    assert _post(history_app, "/api/v1/capacity/grants/nope/offers", {"offer_ids": []}, method="PUT")[0] == 404
    assert (
        _post(history_app, "/api/v1/capacity/grants/nope/payments", {"paid_on": "2026-05-02", "amount_dkk": 1})[0]
        == 404
    )
    status, fund = _get(history_app, "/api/v1/capacity/fund")
    assert (status, fund["total_dkk"], fund["recorded"]) == (200, "1500000.00", True)
    status, refused = _post(history_app, "/api/v1/capacity/fund", {"name": "Pulje", "total_dkk": 100000}, method="PUT")
    assert status == 409


def test_volunteer_reports(history_app: Flask) -> None:
    status, body = _get(history_app, "/api/v1/capacity/volunteer-reports?organisation_id=org-a")
    assert status == 200 and [(r["reported_on"], r["volunteers"]) for r in body["items"]] == [
        ("2026-01-20", 10),
        ("2026-04-01", 12),
    ]
    report = {"organisation_id": "org-b", "reported_on": "2026-05-01", "volunteers": 4, "companions": 1}
    status, made = _post(history_app, "/api/v1/capacity/volunteer-reports", report)
    assert status == 201 and made["organisation_id"] == "org-b"
    status, bad = _post(history_app, "/api/v1/capacity/volunteer-reports", {**report, "organisation_id": "nope"})
    assert status == 404
    status, bad = _post(history_app, "/api/v1/capacity/volunteer-reports", {**report, "volunteers": -1})
    assert status == 422 and "volunteers" in bad["errors"]


def test_gaps(history_app: Flask) -> None:
    status, body = _get(history_app, "/api/v1/capacity/gaps?from=2026-03-01&to=2026-03-31&limit=2")
    assert status == 200
    assert (body["from"], body["to"]) == ("2026-03-01", "2026-03-31")
    assert body["demand"]["requests"] == 20 and body["demand"]["share_no_good_match"] == 0.65
    assert [(g["town"], g["category"], g["barrier"], g["requests"]) for g in body["gaps"]] == [
        ("Auning", "sang", "(ingen)", 5),
        ("Grenaa", "natur", "hearing_impaired", "<5"),
    ]
    assert body["utilisation"][1]["started"] == "<5"


def test_the_admin_page(history_app: Flask) -> None:
    client = history_app.test_client()
    assert client.get("/admin/kapacitet").status_code == 302  # signed out: to the sign-in page
    sign_in(client, history_app.config["KEYS"]["navigator"])
    assert client.get("/admin/kapacitet").status_code == 403
    sign_in(client, history_app.config["KEYS"]["admin"])
    page = client.get("/admin/kapacitet?from=2026-03-01&to=2026-03-31")
    assert page.status_code == 200 and page.get_data(as_text=True).count("data:image/png;base64,") == 3
    assert client.get("/admin/kapacitet?from=31-03-2026").status_code == 400
    # Year 10000 was a 500; a period from year 1 took minutes.
    assert client.get("/admin/kapacitet?to=9999-12-31").status_code == 400
    assert client.get("/admin/kapacitet?from=0001-01-01").status_code == 400
    assert client.get("/admin/kapacitet?from=2000-01-01&to=2099-12-31").status_code == 400


def test_days_out_of_range_are_a_422_not_a_500(history_app: Flask) -> None:
    """A month end in year 10000 and a grant committed in year 1 (after which every
    ledger report failed) used to be 500s."""
    status, bad = _get(history_app, "/api/v1/capacity/timeseries?metric=offers&from=9990-01-01&to=9999-12-31")
    assert status == 422 and set(bad["errors"]) == {"from", "to"}
    grant = {"organisation_id": "org-a", "amount_dkk": 1, "committed_on": "0001-01-01"}
    status, bad = _post(history_app, "/api/v1/capacity/grants", grant)
    assert status == 422 and set(bad["errors"]) == {"committed_on"}
    assert _get(history_app, "/api/v1/capacity/grants?date=9999-12-31")[0] == 422
    assert _get(history_app, "/api/v1/capacity/grants")[0] == 200
    report = {"organisation_id": "org-b", "reported_on": "0001-01-01", "volunteers": 4, "companions": 1}
    status, bad = _post(history_app, "/api/v1/capacity/volunteer-reports", report)
    assert status == 422 and set(bad["errors"]) == {"reported_on"}


def test_a_fund_below_the_commitments_names_total_dkk(history_app: Flask) -> None:
    status, refused = _post(history_app, "/api/v1/capacity/fund", {"name": "Pulje", "total_dkk": 1000}, method="PUT")
    assert status == 409 and list(refused["errors"]) == ["total_dkk"]
