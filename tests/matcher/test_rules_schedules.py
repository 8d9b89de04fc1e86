"""Time-of-day rules on slots of any frequency: the filter (both engines read the same document
fields) and the independent checker agree, and the issue's monthly case is right."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from indexer.documents import build_document
from indexer.filters import matches
from matcher.check import violations
from matcher.request import MatchRequestSchema
from matcher.rules import as_filter, hard_rules

from .helpers import offer

TODAY = date(2026, 11, 22)
EVENING_MONTHLY = {"weekday": 2, "start": "19:00", "end": "21:00", "freq": "MONTHLY", "nth": 1}
DAY_FORTNIGHTLY = {"weekday": 3, "start": "10:00", "end": "12:00", "interval": 2}
DAY_OF_MONTH = {"weekday": None, "start": "10:00", "end": "12:00", "freq": "MONTHLY", "bymonthday": [15]}
ENDED = {"weekday": 2, "start": "10:00", "end": "12:00", "until": "2026-11-01"}

SCHEDULES: dict[str, Any] = {
    "evening_monthly": {"slots": [EVENING_MONTHLY]},
    "day_fortnightly": {"slots": [DAY_FORTNIGHTLY]},
    "day_of_month": {"slots": [DAY_OF_MONTH]},
    "ended": {"slots": [ENDED]},
    "by_arrangement": {"state": "by_arrangement"},
    "unknown": {"state": "unknown"},
}
REQUESTS: dict[str, dict[str, Any]] = {
    "daytime_only": {"interests": "xx", "barriers": ["daytime_only"]},
    "evenings_only": {"interests": "xx", "barriers": ["evenings_only"]},
    "tuesday_evening": {"interests": "xx", "availability": [{"weekday": 2, "start": "18:00", "end": "22:00"}]},
    "wednesday_morning": {"interests": "xx", "availability": [{"weekday": 3, "start": "09:00", "end": "11:00"}]},
}
#: (request, schedule) -> the rules broken.
EXPECTED = {
    ("daytime_only", "evening_monthly"): {"daytime_only"},  # the case: not returned
    ("evenings_only", "day_fortnightly"): {"evenings_only"},
    ("evenings_only", "day_of_month"): {"evenings_only"},
    ("tuesday_evening", "day_fortnightly"): {"availability"},
    ("tuesday_evening", "day_of_month"): {"availability"},  # its weekday is not known: never a weekday window
    ("wednesday_morning", "evening_monthly"): {"availability"},
    ("wednesday_morning", "day_of_month"): {"availability"},
    ("evenings_only", "ended"): {"evenings_only"},
    ("tuesday_evening", "ended"): {"availability"},
    ("wednesday_morning", "ended"): {"availability"},
}


@pytest.mark.parametrize("req_name", REQUESTS)
@pytest.mark.parametrize("sched_name", SCHEDULES)
def test_filter_and_checker_agree_on_recurring_slots(req_name: str, sched_name: str) -> None:
    req = MatchRequestSchema().load(REQUESTS[req_name])
    o = offer(schedule=SCHEDULES[sched_name])
    rules = hard_rules(req, TODAY)
    broken = set(violations(req, o, TODAY))
    expected = EXPECTED.get((req_name, sched_name), set()) | ({"season"} if sched_name == "ended" else set())
    assert broken == expected
    assert matches(as_filter(rules), build_document(o)) == (not broken)


def test_a_slot_rule_that_has_ended_ends_the_offer() -> None:
    doc = build_document(offer(schedule={"slots": [ENDED]}))
    assert doc.valid_to == "2026-11-01"
    counted = {"weekday": 5, "start": "10:00", "end": "12:00", "dtstart": "2026-11-01", "count": 6}
    assert build_document(offer(schedule={"slots": [counted]})).valid_to == "2026-12-11"
