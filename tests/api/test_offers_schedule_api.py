"""Offer schedules over the JSON API: the new shape in and out, per-field 422s, a PATCH."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

import migrations
from api import create_app
from api.auth import create_key
from api.extensions import get_store
from tests.conftest import make_offer

MONTHLY = {
    "slots": [{"weekday": 2, "start": "19:00", "end": "21:00", "freq": "MONTHLY", "nth": 1, "note": "i salen"}],
    "exception_months": [7],
}


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path), "EMBEDDING_MODEL": "fake", "RATE_WRITE": "1000/1"})
    store = get_store(app)
    migrations.upgrade(store)
    app.config["VC"] = {
        "Authorization": "Bearer " + create_key(store, name="vc", role="volunteer_centre", created_by="t")
    }
    return app


def test_create_and_read_a_monthly_schedule(app: Flask) -> None:
    c: FlaskClient = app.test_client()
    res = c.post("/api/v1/offers", json=make_offer("m1", schedule=MONTHLY), headers=app.config["VC"])
    assert res.status_code == 201, res.json
    schedule = c.get("/api/v1/offers/m1", headers=app.config["VC"]).json["schedule"]
    assert schedule == {
        "state": "slots",
        "slots": MONTHLY["slots"],
        "valid_from": None,
        "valid_to": None,
        "exception_months": [7],
        "exception_periods": [],
    }


def test_danish_text_and_by_arrangement(app: Flask) -> None:
    c = app.test_client()
    res = c.post(
        "/api/v1/offers",
        json=make_offer("m2", schedule="hver anden onsdag 14-16 fra 2. december 2026"),
        headers=app.config["VC"],
    )
    assert res.status_code == 201, res.json
    slots = c.get("/api/v1/offers/m2", headers=app.config["VC"]).json["schedule"]["slots"]
    assert slots == [{"weekday": 3, "start": "14:00", "end": "16:00", "interval": 2, "dtstart": "2026-12-02"}]
    res = c.post(
        "/api/v1/offers", json=make_offer("m3", schedule={"state": "by_arrangement"}), headers=app.config["VC"]
    )
    assert res.status_code == 201 and res.json["schedule"]["state"] == "by_arrangement"


@pytest.mark.parametrize(
    ("schedule", "field"),
    [
        ({"slots": [{"weekday": 2, "start": "19:00", "end": "21:00", "nth": 1}]}, "schedule.slots.0.nth"),
        ({"slots": [{"weekday": 2, "start": "19:00", "end": "21:00", "freq": "HOURLY"}]}, "schedule.slots.0.freq"),
        ({"slots": [], "exception_months": [0]}, "schedule.exception_months.0"),
        ({"state": "efter aftale"}, "schedule.state"),
        ("hver anden tirsdag", "schedule"),
    ],
)
def test_bad_schedules_are_422_naming_the_field(app: Flask, schedule: object, field: str) -> None:
    res = app.test_client().post("/api/v1/offers", json=make_offer("bad", schedule=schedule), headers=app.config["VC"])
    assert res.status_code == 422, res.json
    assert field in res.json["errors"]
    if field == "schedule":
        assert res.json["errors"]["schedule"][0].startswith('Kan ikke læse tidspunktet "hver anden tirsdag"')


def test_patch_keeps_the_recurrence(app: Flask) -> None:
    c = app.test_client()
    assert (
        c.post("/api/v1/offers", json=make_offer("p1", schedule=MONTHLY), headers=app.config["VC"]).status_code == 201
    )
    res = c.patch("/api/v1/offers/p1", json={"title": "Nyt navn"}, headers={**app.config["VC"], "If-Match": '"1"'})
    assert res.status_code == 200, res.json
    assert res.json["schedule"]["slots"] == MONTHLY["slots"] and res.json["schedule"]["exception_months"] == [7]
