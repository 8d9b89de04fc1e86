"""Explanations of schedules that are not every week (``schedule_phrase``, ``next_slots``)."""

from __future__ import annotations

from datetime import date

from matcher import explain

from .helpers import offer

TODAY = date(2026, 11, 23)  # a Monday
FIRST_TUESDAY = {"weekday": 2, "start": "19:00", "end": "21:00", "freq": "MONTHLY", "nth": 1}


def test_phrases_of_recurring_slots() -> None:
    assert explain.schedule_phrase([FIRST_TUESDAY]) == "første tirsdag i måneden kl. 19–21"
    fortnightly = {"weekday": 3, "start": "14:00", "end": "16:00", "interval": 2}
    assert explain.schedule_phrase([fortnightly]) == "hver anden onsdag kl. 14–16"
    even = {"weekday": 2, "start": "10:00", "end": "12:00", "byweekno": list(range(2, 54, 2))}
    assert explain.schedule_phrase([even]) == "tirsdage i lige uger kl. 10–12"


def test_phrase_of_the_whole_schedule() -> None:
    summer = offer(schedule={"slots": [FIRST_TUESDAY], "exception_months": [7]})["schedule"]
    assert explain.schedule_phrase(summer) == "første tirsdag i måneden kl. 19–21; sommerpause i juli"
    weekly_summer = offer(
        schedule={"slots": [{"weekday": 2, "start": "10:00", "end": "12:00"}], "exception_months": [7]}
    )
    assert explain.schedule_phrase(weekly_summer["schedule"]) == "hver tirsdag kl. 10–12; sommerpause i juli"
    assert explain.schedule_phrase(offer(schedule={"slots": []})["schedule"]) == "efter aftale"
    assert explain.schedule_phrase(offer(schedule=None)["schedule"]) == "tidspunkt ikke oplyst"
    # plain weekly slots keep the short form
    assert explain.schedule_phrase([{"weekday": 2, "start": "10:00", "end": "12:00"}]) == "hver tirsdag formiddag"


def test_next_slots_follow_the_rule() -> None:
    monthly = offer(schedule={"slots": [FIRST_TUESDAY]})
    assert explain.next_slots(monthly, TODAY) == [
        {"date": "2026-12-01", "weekday": "tirsdag", "start": "19:00", "end": "21:00"},
        {"date": "2027-01-05", "weekday": "tirsdag", "start": "19:00", "end": "21:00"},
        {"date": "2027-02-02", "weekday": "tirsdag", "start": "19:00", "end": "21:00"},
    ]


def test_next_slots_skip_the_summer_break() -> None:
    summer = offer(schedule={"slots": [FIRST_TUESDAY], "exception_months": [7, 8]})
    assert [s["date"] for s in explain.next_slots(summer, date(2027, 6, 2))] == [
        "2027-09-07",
        "2027-10-05",
        "2027-11-02",
    ]


def test_no_invented_dates_for_every_other_week_without_a_start() -> None:
    unknown_phase = offer(schedule={"slots": [{"weekday": 3, "start": "14:00", "end": "16:00", "interval": 2}]})
    assert explain.next_slots(unknown_phase, TODAY) == []
    known = offer(
        schedule={"slots": [{"weekday": 3, "start": "14:00", "end": "16:00", "interval": 2, "dtstart": "2026-11-04"}]}
    )
    assert [s["date"] for s in explain.next_slots(known, TODAY)] == ["2026-12-02", "2026-12-16", "2026-12-30"]
