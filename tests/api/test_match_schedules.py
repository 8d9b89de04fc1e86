"""The issue's case over HTTP: an HSDS service meeting the first Tuesday of the month, 19-21."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

import migrations
from api import create_app
from api.auth import create_key
from api.extensions import get_indexer, get_store
from catalogue.hsds import read_hsds_json

FOREIGN = Path(__file__).parents[1] / "data" / "hsds" / "foreign_service.json"
SERVICE_ID = "6b77176d-f3db-42fa-8cc9-70f63aa89b8e"


@pytest.fixture(scope="module")
def monthly_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    tmp = tmp_path_factory.mktemp("monthly-app")
    app = create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(tmp),
            "DATABASE_URL": f"sqlite:///{tmp / 'fm.sqlite'}",
            "EMBEDDING_MODEL": "fake",
            "RATE_MATCH": "1000/1",
        }
    )
    store = get_store(app)
    migrations.upgrade(store)
    service = json.loads(FOREIGN.read_text(encoding="utf-8"))
    service["schedules"] = [
        {"id": "monthly", "freq": "MONTHLY", "byday": "1TU", "opens_at": "19:00", "closes_at": "21:00"}
    ]
    assert store.import_offers(read_hsds_json(service).records, actor="test").committed
    get_indexer(app).rebuild()
    app.config["KEY"] = create_key(store, name="nav", role="navigator", created_by="tests")
    yield app


def match(app: Flask, *barriers: str) -> dict[str, Any]:
    body = {"interests": "Walk and talk, gåture i naturen", "location": {"town": "Grenaa"}, "barriers": list(barriers)}
    res = app.test_client().post("/api/v1/match", json=body, headers={"Authorization": f"Bearer {app.config['KEY']}"})
    assert res.status_code == 200, res.json
    return res.json  # type: ignore[no-any-return]


def first_tuesdays(today: date, n: int) -> list[str]:
    """Independent of dateutil: day 1-7 of each month that is a Tuesday, from today on."""
    out: list[str] = []
    day = today
    while len(out) < n:
        if day.isoweekday() == 2 and day.day <= 7:
            out.append(day.isoformat())
        day += timedelta(days=1)
    return out


def test_stored_as_a_monthly_slot_not_efter_aftale(monthly_app: Flask) -> None:
    schedule = get_store(monthly_app).get_offer(SERVICE_ID)["schedule"]
    assert schedule["state"] == "slots"
    assert schedule["slots"] == [{"weekday": 2, "start": "19:00", "end": "21:00", "freq": "MONTHLY", "nth": 1}]


def test_not_returned_for_daytime_only(monthly_app: Flask) -> None:
    body = match(monthly_app, "daytime_only")
    assert SERVICE_ID not in [r["offer_id"] for r in body["results"]]
    assert body["excluded"].get("daytime_only") == 1


def test_shown_as_the_first_tuesday_with_the_right_dates(monthly_app: Flask) -> None:
    body = match(monthly_app, "evenings_only")
    (result,) = [r for r in body["results"] if r["offer_id"] == SERVICE_ID]
    assert "Tidspunkt: første tirsdag i måneden kl. 19–21" in result["accommodations"]
    assert not any("aftales" in text for text in result["reasons"])
    today = datetime.now(ZoneInfo("Europe/Copenhagen")).date()
    assert [s["date"] for s in result["next_slots"]] == first_tuesdays(today, 3)
    assert {(s["weekday"], s["start"], s["end"]) for s in result["next_slots"]} == {("tirsdag", "19:00", "21:00")}
