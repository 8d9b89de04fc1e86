"""The Danish schedule cell parser: the issue's phrases and their siblings."""

from __future__ import annotations

from datetime import date

import pytest

from catalogue.schedule import ScheduleTextError, parse_schedule
from catalogue.schedule.model import EVEN_WEEKS, ODD_WEEKS

TODAY = date(2026, 11, 30)


def slots(text: str, today: date = TODAY) -> list[dict[str, object]]:
    schedule = parse_schedule(text, today)
    assert schedule["state"] == "slots"
    return schedule["slots"]


def test_efter_aftale_is_by_arrangement_without_slots() -> None:
    for text in ("efter aftale", "Efter aftale", "  efter   aftale. ", "ved aftale", "Efter aftale (ring til Bente)"):
        schedule = parse_schedule(text, TODAY)
        assert (schedule["state"], schedule["slots"]) == ("by_arrangement", []), text


def test_empty_cell_is_unknown_not_by_arrangement() -> None:
    assert parse_schedule("", TODAY)["state"] == "unknown"
    assert parse_schedule("   ", TODAY)["slots"] == []


def test_two_days_one_time_are_two_slots() -> None:
    assert slots("tirsdag og torsdag 10-12") == [
        {"weekday": 2, "start": "10:00", "end": "12:00"},
        {"weekday": 4, "start": "10:00", "end": "12:00"},
    ]
    assert slots("tirsdag, torsdag og lørdag kl. 9-11") == [
        {"weekday": d, "start": "09:00", "end": "11:00"} for d in (2, 4, 6)
    ]


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("mandag-fredag 9-15", [1, 2, 3, 4, 5]),
        ("man til fre 9-15", [1, 2, 3, 4, 5]),
        ("hverdage 9-15", [1, 2, 3, 4, 5]),
        ("lørdag - søndag 9-15", [6, 7]),
        ("weekender 9-15", [6, 7]),
        ("tirsdage 9-15", [2]),
        ("onsdage og fredage 9-15", [3, 5]),
        ("hver tirsdag 9-15", [2]),
        ("tirs. 9-15", [2]),
    ],
)
def test_day_ranges_plurals_and_short_forms(text: str, days: list[int]) -> None:
    assert [s["weekday"] for s in slots(text)] == days
    assert all((s["start"], s["end"]) == ("09:00", "15:00") for s in slots(text))


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("tirsdag kl. 19.00-21.30", "19:00", "21:30"),
        ("tirsdag kl 19-21.30", "19:00", "21:30"),
        ("tirsdag 10:00–12:00", "10:00", "12:00"),
        ("tirsdag fra kl. 19 til 21", "19:00", "21:00"),
        ("tirsdag 9.30-11", "09:30", "11:00"),
        ("fredag 20-24", "20:00", "23:59"),
    ],
)
def test_times_as_people_write_them(text: str, start: str, end: str) -> None:
    assert slots(text) == [{"weekday": int(slots(text)[0]["weekday"]), "start": start, "end": end}]


def test_every_other_week_has_an_interval_and_no_invented_start() -> None:
    assert slots("hver anden onsdag 14-16") == [{"weekday": 3, "start": "14:00", "end": "16:00", "interval": 2}]
    assert slots("hver tredje mandag 10-12")[0]["interval"] == 3


def test_nth_weekday_of_the_month() -> None:
    assert slots("første tirsdag i måneden 19-21") == [
        {"weekday": 2, "start": "19:00", "end": "21:00", "freq": "MONTHLY", "nth": 1}
    ]
    assert slots("sidste fredag i måneden kl. 18-22") == [
        {"weekday": 5, "start": "18:00", "end": "22:00", "freq": "MONTHLY", "nth": -1}
    ]
    assert slots("2. onsdag i måneden 10-12")[0]["nth"] == 2
    assert slots("næstsidste søndag i måneden 10-12")[0]["nth"] == -2


def test_day_of_the_month() -> None:
    assert slots("den 15. i måneden 10-12") == [
        {"weekday": None, "start": "10:00", "end": "12:00", "freq": "MONTHLY", "bymonthday": [15]}
    ]


def test_even_and_odd_weeks() -> None:
    assert slots("tirsdage i lige uger 10-12") == [
        {"weekday": 2, "start": "10:00", "end": "12:00", "byweekno": EVEN_WEEKS}
    ]
    assert slots("onsdag 10-12 i ulige uger")[0]["byweekno"] == ODD_WEEKS


def test_summer_break_and_other_excepted_months() -> None:
    schedule = parse_schedule("tirsdag 10-12; ikke i juli", TODAY)
    assert schedule["exception_months"] == [7] and len(schedule["slots"]) == 1
    assert parse_schedule("tirsdag 10-12 (sommerpause i juli og august)", TODAY)["exception_months"] == []  # a note
    assert parse_schedule("tirsdag 10-12; sommerpause i juli og august", TODAY)["exception_months"] == [7, 8]
    assert parse_schedule("tirsdag 10-12; lukket i december", TODAY)["exception_months"] == [12]


def test_excepted_period() -> None:
    schedule = parse_schedule("tirsdag 10-12; ikke 20. december til 3. januar", TODAY)
    assert schedule["exception_periods"] == [{"from": date(2026, 12, 20), "to": date(2027, 1, 3)}]


def test_start_and_end_dates_without_a_year_are_read_from_today() -> None:
    assert slots("torsdag 10-12 fra 5. januar")[0]["dtstart"] == date(2027, 1, 5)  # written in November: next one
    assert slots("torsdag 10-12 fra 5. januar", date(2027, 2, 1))[0]["dtstart"] == date(2027, 1, 5)  # this one
    assert slots("mandag 10-12 til og med 10. december")[0]["until"] == date(2026, 12, 10)
    assert slots("mandag 10-12 til og med 10. december", date(2027, 3, 1))[0]["until"] == date(2027, 12, 10)
    both = slots("onsdag 10-12 fra 5. januar til og med 10. december")[0]
    assert (both["dtstart"], both["until"]) == (date(2027, 1, 5), date(2027, 12, 10))
    assert slots("onsdag 10-12 fra 5. januar 2028")[0]["dtstart"] == date(2028, 1, 5)  # a year is taken as written


def test_dates_in_their_own_part_apply_to_every_slot() -> None:
    found = slots("tirsdag 10-12; torsdag 19-21; fra 5. januar")
    assert [s["dtstart"] for s in found] == [date(2027, 1, 5)] * 2


def test_bracketed_note_is_kept_on_the_slots_of_its_part() -> None:
    found = slots("tirsdag 10-12 (ikke i skoleferier); torsdag 19-21")
    assert found[0]["note"] == "ikke i skoleferier" and "note" not in found[1]


def test_several_parts_and_the_old_comma_form() -> None:
    assert slots("tirsdag 10:00-12:00; tor 19-21") == slots("tirsdag 10-12, torsdag 19-21")
    assert [s["weekday"] for s in slots("tirsdag 10-12\ntorsdag 19-21")] == [2, 4]


def test_count_needs_a_start() -> None:
    assert slots("fredag 10-12 8 gange fra 8. januar 2027")[0]["count"] == 8
    with pytest.raises(ScheduleTextError, match="starter"):
        parse_schedule("fredag 10-12 8 gange", TODAY)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("hver anden tirsdag", "mangler et tidsrum"),
        ("sidste fredag i måneden", "mangler et tidsrum"),
        ("tirsdag 12-10", "sluttiden"),
        ("blabla 10-12", "ikke en ugedag"),
        ("første tirsdag 19-21", "i måneden"),
        ("tirsdag 25-26", "klokkeslæt"),
        ("om formiddagen", "forstås ikke"),
        ("mandag 10-12 fra 31. februar", "ikke en dato"),
    ],
)
def test_unreadable_text_is_refused_in_danish_with_the_text_and_examples(text: str, reason: str) -> None:
    with pytest.raises(ScheduleTextError) as exc:
        parse_schedule(text, TODAY)
    message = str(exc.value)
    assert message.startswith(f'Kan ikke læse tidspunktet "{text}"')
    assert reason in message
    assert '"tirsdag og torsdag 10-12"' in message and '"efter aftale"' in message
    assert "Not a valid" not in message


def test_listed_week_numbers() -> None:
    assert slots("tirsdag 10-12 i uge 2, 4 og 10-12")[0]["byweekno"] == [2, 4, 10, 11, 12]
    with pytest.raises(ScheduleTextError, match="ugenumre"):
        parse_schedule("tirsdag 10-12 i uge 60", TODAY)
