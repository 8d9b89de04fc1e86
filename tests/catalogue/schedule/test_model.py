"""Schedule shape and occurrences (python-dateutil rrule)."""

from __future__ import annotations

from datetime import date

from catalogue.schedule import canonical_schedule, occurrences, schedule_end
from catalogue.schedule.model import EVEN_WEEKS, canonical_slot

TODAY = date(2026, 11, 30)  # a Monday


def dates(schedule: dict[str, object], n: int = 4, today: date = TODAY) -> list[str]:
    out = []
    for day, _ in occurrences(schedule, today):
        out.append(day.isoformat())
        if len(out) == n:
            break
    return out


def slot(weekday: int | None = 2, start: str = "19:00", end: str = "21:00", **rule: object) -> dict[str, object]:
    return {"weekday": weekday, "start": start, "end": end, **rule}


def test_a_weekly_slot_without_recurrence_stays_every_week() -> None:
    assert canonical_slot(slot()) == {"weekday": 2, "start": "19:00", "end": "21:00"}
    assert canonical_slot(slot(freq="WEEKLY", interval=1, note="  ")) == {
        "weekday": 2,
        "start": "19:00",
        "end": "21:00",
    }
    assert canonical_slot(slot(freq="DAILY")) == canonical_slot(slot())  # DAILY on a weekday = every week
    assert dates({"slots": [slot()]}) == ["2026-12-01", "2026-12-08", "2026-12-15", "2026-12-22"]


def test_state_is_explicit() -> None:
    assert canonical_schedule({"slots": [slot()]})["state"] == "slots"
    assert canonical_schedule({"slots": []})["state"] == "by_arrangement"  # what an empty list always meant
    assert canonical_schedule({"state": "unknown"})["state"] == "unknown"
    assert canonical_schedule({"state": "unknown", "slots": [slot()]})["state"] == "slots"
    assert set(canonical_schedule(None)) == {
        "state",
        "slots",
        "valid_from",
        "valid_to",
        "exception_months",
        "exception_periods",
    }


def test_first_tuesday_of_the_month() -> None:
    monthly = {"slots": [slot(freq="MONTHLY", nth=1)]}
    assert dates(monthly) == ["2026-12-01", "2027-01-05", "2027-02-02", "2027-03-02"]


def test_last_friday_of_the_month() -> None:
    last = {"slots": [slot(5, freq="MONTHLY", nth=-1)]}
    assert dates(last, 3) == ["2026-12-25", "2027-01-29", "2027-02-26"]


def test_every_other_wednesday_from_its_start() -> None:
    fortnightly = {"slots": [slot(3, "14:00", "16:00", interval=2, dtstart=date(2026, 12, 2))]}
    assert dates(fortnightly, 3) == ["2026-12-02", "2026-12-16", "2026-12-30"]
    later = dates(fortnightly, 2, today=date(2027, 1, 1))
    assert later == ["2027-01-13", "2027-01-27"]  # the phase is kept, not restarted from today


def test_every_other_week_without_a_start_gives_no_dates() -> None:
    assert dates({"slots": [slot(3, interval=2)]}) == []  # which weeks is unknown: no guessed dates


def test_even_weeks() -> None:
    even = {"slots": [slot(2, byweekno=EVEN_WEEKS)]}
    assert dates(even, 3) == ["2026-12-08", "2026-12-22", "2027-01-12"]  # ISO weeks 50, 52 and 2


def test_day_of_the_month() -> None:
    assert dates({"slots": [slot(None, freq="MONTHLY", bymonthday=[15])]}, 2) == ["2026-12-15", "2027-01-15"]


def test_summer_break_and_excepted_periods_are_left_out() -> None:
    summer = {"slots": [slot(freq="MONTHLY", nth=1)], "exception_months": [7]}
    assert dates(summer, 3, today=date(2027, 6, 10)) == ["2027-08-03", "2027-09-07", "2027-10-05"]
    christmas = {
        "slots": [slot()],
        "exception_periods": [{"from": date(2026, 12, 20), "to": date(2027, 1, 3)}],
    }
    assert dates(christmas, 4) == ["2026-12-01", "2026-12-08", "2026-12-15", "2027-01-05"]


def test_dtstart_until_count_and_the_season() -> None:
    assert dates({"slots": [slot(4, dtstart=date(2027, 1, 5))]}, 2) == ["2027-01-07", "2027-01-14"]
    assert dates({"slots": [slot(1, until=date(2026, 12, 10))]}) == ["2026-11-30", "2026-12-07"]
    counted = {"slots": [slot(5, dtstart=date(2026, 11, 1), count=6)]}
    assert dates(counted, 10) == ["2026-12-04", "2026-12-11"]  # 6 Fridays from 6 November
    season = {"slots": [slot()], "valid_from": "2027-01-01", "valid_to": "2027-01-20"}
    assert dates(season, 5) == ["2027-01-05", "2027-01-12", "2027-01-19"]


def test_several_slots_in_date_and_time_order() -> None:
    both = {"slots": [slot(4, "19:00", "21:00"), slot(2, "10:00", "12:00"), slot(2, "08:00", "09:00")]}
    assert [(d.isoformat(), s["start"]) for d, s in list(occurrences(both, TODAY))[:3]] == [
        ("2026-12-01", "08:00"),
        ("2026-12-01", "10:00"),
        ("2026-12-03", "19:00"),
    ]


def test_schedule_end() -> None:
    assert schedule_end({"slots": [slot()], "valid_to": "2027-06-01"}) == date(2027, 6, 1)
    assert schedule_end({"slots": [slot()]}) is None
    assert schedule_end({"slots": [slot(until=date(2026, 12, 10))]}) == date(2026, 12, 10)
    assert schedule_end({"slots": [slot(5, dtstart=date(2026, 11, 1), count=6)]}) == date(2026, 12, 11)
    # one open-ended slot keeps the offer going
    assert schedule_end({"slots": [slot(until=date(2026, 12, 10)), slot(4)]}) is None
