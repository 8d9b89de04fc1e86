"""HSDS schedules <-> offer schedules (``catalogue.hsds.schedules``): recurrences kept, nothing guessed."""

from __future__ import annotations

import copy
import json
from datetime import date
from typing import Any

import pytest

from catalogue.hsds import export_services, read_hsds_json
from catalogue.schemas import OfferSchema
from tests.conftest import make_offer

from .support import CATEGORIES, FOREIGN, Schemas, assert_round_trip, errors

MONTHLY_RULE = {"freq": "MONTHLY", "byday": "1TU", "opens_at": "19:00", "closes_at": "21:00"}


def foreign(*rules: dict[str, Any]) -> dict[str, Any]:
    service = json.loads(FOREIGN.read_text(encoding="utf-8"))
    service["schedules"] = [{"id": f"rule-{n}", **rule} for n, rule in enumerate(rules)]
    return service


def imported(service: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    parsed = read_hsds_json(service)
    return OfferSchema().load(dict(parsed.records[0].data))["schedule"], parsed.meta["warnings"]


def test_first_tuesday_monthly_is_kept_not_made_efter_aftale() -> None:
    schedule, warnings = imported(foreign(MONTHLY_RULE))
    assert warnings == []
    assert schedule["state"] == "slots"
    assert schedule["slots"] == [{"weekday": 2, "start": "19:00", "end": "21:00", "freq": "MONTHLY", "nth": 1}]


def test_sibling_rules() -> None:
    schedule, _ = imported(
        foreign(
            {"freq": "MONTHLY", "byday": "1TU,-1FR", "opens_at": "10:00", "closes_at": "12:00"},
            {
                "freq": "WEEKLY",
                "interval": 2,
                "byday": "WE",
                "dtstart": "2026-12-02",
                "opens_at": "14:00",
                "closes_at": "16:00",
            },
            {"freq": "WEEKLY", "byday": "TH", "byweekno": "2,4,6", "opens_at": "09:00", "closes_at": "11:00"},
            {"freq": "MONTHLY", "bymonthday": "15", "opens_at": "13:00", "closes_at": "15:00", "notes": "I kantinen"},
        )
    )
    assert schedule["slots"] == [
        {
            "weekday": None,
            "start": "13:00",
            "end": "15:00",
            "freq": "MONTHLY",
            "bymonthday": [15],
            "note": "I kantinen",
        },
        {"weekday": 2, "start": "10:00", "end": "12:00", "freq": "MONTHLY", "nth": 1},
        {"weekday": 3, "start": "14:00", "end": "16:00", "interval": 2, "dtstart": date(2026, 12, 2)},
        {"weekday": 4, "start": "09:00", "end": "11:00", "byweekno": [2, 4, 6]},
        {"weekday": 5, "start": "10:00", "end": "12:00", "freq": "MONTHLY", "nth": -1},
    ]


def test_daily_without_days_is_every_day() -> None:
    schedule, _ = imported(foreign({"freq": "DAILY", "opens_at": "09:00", "closes_at": "15:00"}))
    assert [s["weekday"] for s in schedule["slots"]] == [1, 2, 3, 4, 5, 6, 7]


def test_unreadable_rule_is_reported_and_leaves_the_times_unknown() -> None:
    schedule, warnings = imported(foreign({"freq": "YEARLY", "byday": "TU", "opens_at": "19:00", "closes_at": "21:00"}))
    assert (schedule["state"], schedule["slots"]) == ("unknown", [])
    assert len(warnings) == 1 and "YEARLY" in warnings[0] and "left out" in warnings[0]
    schedule, warnings = imported(foreign({"freq": "MONTHLY", "byday": "1TU"}))  # no times
    assert schedule["state"] == "unknown" and "opens_at" in warnings[0]


def test_no_schedules_is_unknown_and_efter_aftale_is_said() -> None:
    schedule, _ = imported(foreign())
    assert schedule["state"] == "unknown"
    schedule, _ = imported(foreign({"description": "Efter aftale med den frivillige"}))
    assert schedule["state"] == "by_arrangement"
    schedule, _ = imported(foreign({"description": "Se hjemmesiden"}))
    assert schedule["state"] == "unknown"


def _offers() -> list[dict[str, Any]]:
    raw = [
        make_offer(
            "monthly",
            schedule={
                "slots": [{"weekday": 2, "start": "19:00", "end": "21:00", "freq": "MONTHLY", "nth": 1}],
                "exception_months": [7],
            },
        ),
        make_offer(
            "fortnightly",
            schedule={
                "slots": [
                    {"weekday": 3, "start": "14:00", "end": "16:00", "interval": 2, "dtstart": "2026-12-02"},
                    {"weekday": 1, "start": "14:00", "end": "16:00", "interval": 2, "dtstart": "2026-12-02"},
                    {"weekday": 2, "start": "10:00", "end": "12:00", "freq": "MONTHLY", "nth": 2},
                    {"weekday": 4, "start": "10:00", "end": "12:00", "freq": "MONTHLY", "nth": -1},
                ],
                "exception_periods": [{"from": "2026-12-20", "to": "2027-01-03"}],
            },
        ),
        make_offer(
            "dated",
            schedule={
                "slots": [
                    {"weekday": 4, "start": "10:00", "end": "12:00", "dtstart": "2027-01-05", "until": "2027-06-10"},
                    {"weekday": 1, "start": "10:00", "end": "11:00", "dtstart": "2027-01-04", "count": 8},
                    {"weekday": 2, "start": "10:00", "end": "12:00", "byweekno": [2, 4, 6], "note": "i hallen"},
                    {"weekday": None, "start": "10:00", "end": "12:00", "freq": "MONTHLY", "bymonthday": [1, 15]},
                ],
                "valid_from": "2027-01-01",
                "valid_to": "2027-06-30",
            },
        ),
        make_offer("aftale", schedule={"state": "by_arrangement", "valid_to": "2027-06-30"}),
        make_offer("ukendt", schedule={"state": "unknown"}),
    ]
    return [OfferSchema().load(copy.deepcopy(r)) for r in raw]


def test_round_trip_of_monthly_fortnightly_and_dated_schedules(hsds: Schemas) -> None:
    offers = _offers()
    services = export_services(offers, CATEGORIES)
    for service in services:
        assert errors(hsds.service, service) == []
    assert_round_trip(offers, read_hsds_json(services), CATEGORIES)
    again = export_services([OfferSchema().load(dict(r.data)) for r in read_hsds_json(services).records], CATEGORIES)
    assert again == services


def test_export_shape() -> None:
    monthly, fortnightly, *_ = export_services(_offers(), CATEGORIES)
    (rule,) = monthly["schedules"]
    assert {k: rule[k] for k in ("freq", "byday", "opens_at", "closes_at", "description")} == {
        "freq": "MONTHLY",
        "byday": "1TU",
        "opens_at": "19:00",
        "closes_at": "21:00",
        "description": "Første tirsdag i måneden kl. 19–21",
    }
    attrs = {a["taxonomy_term"]["code"]: a["value"] for a in monthly["attributes"]}
    assert attrs["fm:schedule_state"] == "slots"
    assert json.loads(attrs["fm:schedule_exceptions"]) == {"months": [7], "periods": []}
    every_other = next(r for r in fortnightly["schedules"] if r.get("interval") == 2)
    assert (every_other["byday"], every_other["dtstart"]) == ("MO,WE", "2026-12-02")


@pytest.mark.parametrize("bad", ["not json", '{"months": "juli"}'])
def test_unreadable_exceptions_are_reported(bad: str) -> None:
    service = export_services(_offers()[:1], CATEGORIES)[0]
    for attr in service["attributes"]:
        if attr["taxonomy_term"]["code"] == "fm:schedule_exceptions":
            attr["value"] = bad
    parsed = read_hsds_json([service])
    if bad == "not json":
        assert "not readable" in parsed.meta["warnings"][0]
    else:
        with pytest.raises(Exception):  # noqa: B017 - the schema names the field
            OfferSchema().load(dict(parsed.records[0].data))
