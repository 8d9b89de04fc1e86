"""Danish phrases for schedules, and the CSV cell that reads back the same."""

from __future__ import annotations

from datetime import date

import pytest

from catalogue.schedule import parse_schedule, schedule_cell, schedule_text, slot_phrase
from catalogue.schedule.model import EVEN_WEEKS, ODD_WEEKS
from catalogue.schedule.phrases import DAYS_DA, MONTHS_DA, clock

TODAY = date(2026, 11, 30)


def s(weekday: int | None = 2, start: str = "19:00", end: str = "21:00", **rule: object) -> dict[str, object]:
    return {"weekday": weekday, "start": start, "end": end, **rule}


def test_babel_names() -> None:
    assert MONTHS_DA[0] == "januar" and MONTHS_DA[6] == "juli"
    assert DAYS_DA[1] == "mandag" and DAYS_DA[7] == "søndag"
    assert clock("19:00", "21:30") == "kl. 19–21.30"


@pytest.mark.parametrize(
    ("slot", "text"),
    [
        (s(freq="MONTHLY", nth=1), "første tirsdag i måneden kl. 19–21"),
        (s(5, freq="MONTHLY", nth=-1), "sidste fredag i måneden kl. 19–21"),
        (s(3, "14:00", "16:00", interval=2), "hver anden onsdag kl. 14–16"),
        (s(2, "10:00", "12:00", byweekno=EVEN_WEEKS), "tirsdage i lige uger kl. 10–12"),
        (s(3, "10:00", "12:00", byweekno=ODD_WEEKS), "onsdage i ulige uger kl. 10–12"),
        (s(4, "10:00", "12:00", dtstart=date(2027, 1, 5)), "hver torsdag kl. 10–12 fra 5. januar"),
        (s(1, "10:00", "12:00", until=date(2026, 12, 10)), "hver mandag kl. 10–12 til og med 10. december"),
        (s(None, "10:00", "12:00", freq="MONTHLY", bymonthday=[15]), "den 15. i måneden kl. 10–12"),
        (s(2, note="ikke i skoleferier"), "hver tirsdag kl. 19–21 (ikke i skoleferier)"),
    ],
)
def test_slot_phrases(slot: dict[str, object], text: str) -> None:
    assert slot_phrase(slot) == text


def test_schedule_text() -> None:
    assert schedule_text({"state": "by_arrangement", "slots": []}) == "efter aftale"
    assert schedule_text({"slots": []}) == "efter aftale"
    assert schedule_text({"state": "unknown", "slots": []}) == "tidspunkt ikke oplyst"
    two = {"slots": [s(2, "10:00", "12:00"), s(4, "10:00", "12:00")]}
    assert schedule_text(two) == "hver tirsdag og torsdag kl. 10–12"
    summer = {"slots": [s(freq="MONTHLY", nth=1)], "exception_months": [7]}
    assert schedule_text(summer) == "første tirsdag i måneden kl. 19–21; sommerpause i juli"
    winter = {"slots": [s()], "exception_months": [12]}
    assert schedule_text(winter) == "hver tirsdag kl. 19–21; ikke i december"


@pytest.mark.parametrize(
    "text",
    [
        "efter aftale",
        "tirsdag og torsdag 10-12",
        "mandag-fredag 9-15",
        "første tirsdag i måneden kl. 19-21; sidste fredag i måneden 18-22",
        "hver anden onsdag 14-16 fra 2. december; sommerpause i juli og august",
        "tirsdage i lige uger 10-12 (ikke i skoleferier); ikke 20. december til 3. januar",
        "den 15. i måneden 10-12",
        "fredag 10-12 8 gange fra 8. januar",
        "mandag 10-12 til og med 10. december",
    ],
)
def test_the_csv_cell_reads_back_the_same(text: str) -> None:
    schedule = parse_schedule(text, TODAY)
    cell = schedule_cell(schedule)
    assert parse_schedule(cell, date(2027, 5, 1)) == schedule, cell  # dates carry their year
