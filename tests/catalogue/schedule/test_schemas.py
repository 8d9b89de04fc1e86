"""The offer schema's schedule: the new shape, per-field errors, and Danish text."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from marshmallow import ValidationError

from catalogue.schemas import OfferSchema, canonical_offer, flatten_errors
from tests.conftest import make_offer


def load(schedule: Any) -> dict[str, Any]:
    return canonical_offer(OfferSchema().load(make_offer(schedule=schedule)))["schedule"]


def errors_of(schedule: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as exc:
        OfferSchema().load(make_offer(schedule=schedule))
    return flatten_errors(exc.value.messages)


def test_old_weekly_data_stays_valid() -> None:
    schedule = load({"slots": [{"weekday": 2, "start": "9:30", "end": "12:00"}]})
    assert schedule["state"] == "slots"
    assert schedule["slots"] == [{"weekday": 2, "start": "09:30", "end": "12:00"}]
    assert load({"slots": []})["state"] == "by_arrangement"
    assert load(None)["state"] == "unknown"  # nothing said: times unknown


def test_the_new_shape() -> None:
    schedule = load(
        {
            "state": "slots",
            "slots": [
                {"weekday": 2, "start": "19:00", "end": "21:00", "freq": "monthly", "nth": 1, "note": "i salen"},
                {"weekday": 3, "start": "14:00", "end": "16:00", "interval": 2, "dtstart": "2026-12-02"},
                {"weekday": None, "start": "10:00", "end": "12:00", "freq": "MONTHLY", "bymonthday": [15]},
            ],
            "exception_months": [7],
            "exception_periods": [{"from": "2026-12-20", "to": "2027-01-03"}],
        }
    )
    assert schedule["slots"] == [
        {"weekday": None, "start": "10:00", "end": "12:00", "freq": "MONTHLY", "bymonthday": [15]},
        {"weekday": 2, "start": "19:00", "end": "21:00", "freq": "MONTHLY", "nth": 1, "note": "i salen"},
        {"weekday": 3, "start": "14:00", "end": "16:00", "interval": 2, "dtstart": date(2026, 12, 2)},
    ]
    assert schedule["exception_months"] == [7]
    assert schedule["exception_periods"] == [{"from": date(2026, 12, 20), "to": date(2027, 1, 3)}]


def test_danish_text_is_read_for_schedule() -> None:
    schedule = load("første tirsdag i måneden kl. 19-21; ikke i juli")
    assert schedule["slots"] == [{"weekday": 2, "start": "19:00", "end": "21:00", "freq": "MONTHLY", "nth": 1}]
    assert schedule["exception_months"] == [7]
    assert load("efter aftale")["state"] == "by_arrangement"


def test_unreadable_danish_text_is_named_on_schedule() -> None:
    found = errors_of("hver anden tirsdag")
    assert list(found) == ["schedule"]
    assert found["schedule"][0].startswith('Kan ikke læse tidspunktet "hver anden tirsdag"')


@pytest.mark.parametrize(
    ("slot", "field"),
    [
        ({"weekday": 8}, "schedule.slots.0.weekday"),
        ({"weekday": None}, "schedule.slots.0.weekday"),
        ({"freq": "YEARLY"}, "schedule.slots.0.freq"),
        ({"nth": 1}, "schedule.slots.0.nth"),  # nth needs MONTHLY
        ({"freq": "MONTHLY", "nth": 0}, "schedule.slots.0.nth"),
        ({"freq": "MONTHLY", "nth": 6}, "schedule.slots.0.nth"),
        ({"interval": 0}, "schedule.slots.0.interval"),
        ({"interval": "2"}, "schedule.slots.0.interval"),
        ({"byweekno": [54]}, "schedule.slots.0.byweekno.0"),
        ({"freq": "MONTHLY", "byweekno": [2]}, "schedule.slots.0.byweekno"),
        ({"bymonthday": [15]}, "schedule.slots.0.bymonthday"),  # needs MONTHLY
        ({"freq": "MONTHLY", "bymonthday": [32]}, "schedule.slots.0.bymonthday.0"),
        ({"dtstart": "2027-01-10", "until": "2027-01-01"}, "schedule.slots.0.until"),
        ({"count": 5}, "schedule.slots.0.count"),  # needs dtstart
        ({"dtstart": "2027-01-01", "count": 5, "until": "2027-03-01"}, "schedule.slots.0.count"),
        ({"freq": "DAILY", "interval": 2}, "schedule.slots.0.interval"),
        ({"note": "x" * 201}, "schedule.slots.0.note"),
        ({"colour": "red"}, "schedule.slots.0.colour"),
    ],
)
def test_bad_slot_parts_are_named(slot: dict[str, Any], field: str) -> None:
    base = {"weekday": 2, "start": "19:00", "end": "21:00"}
    assert field in errors_of({"slots": [{**base, **slot}]})


@pytest.mark.parametrize(
    ("schedule", "field"),
    [
        ({"state": "maybe"}, "schedule.state"),
        ({"state": "slots", "slots": []}, "schedule.slots"),
        ({"state": "by_arrangement", "slots": [{"weekday": 2, "start": "10:00", "end": "12:00"}]}, "schedule.state"),
        ({"exception_months": [13]}, "schedule.exception_months.0"),
        ({"exception_periods": [{"from": "2027-01-03", "to": "2026-12-20"}]}, "schedule.exception_periods.0.to"),
        ({"exception_periods": [{"from": "2027-01-03"}]}, "schedule.exception_periods.0.to"),
        ({"valid_from": "2027-01-03", "valid_to": "2026-12-20"}, "schedule.valid_to"),
    ],
)
def test_bad_schedule_parts_are_named(schedule: dict[str, Any], field: str) -> None:
    assert field in errors_of(schedule)
