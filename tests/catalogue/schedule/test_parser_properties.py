"""Property tests of the Danish schedule parser (hypothesis): any text either reads to a schedule
the offer schema accepts, or is refused with the Danish message; nothing else ever escapes."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from catalogue.schedule import ScheduleTextError, parse_schedule, schedule_cell
from catalogue.schemas import OfferSchema
from tests.conftest import make_offer

TODAY = date(2026, 11, 30)
WORDS = [
    "tirsdag", "torsdage", "man", "fre.", "og", ",", "-", "til", "kl.", "10", "12", "19.30", "21:00", "hver",
    "anden", "første", "sidste", "i", "måneden", "lige", "ulige", "uger", "uge", "fra", "til og med", "5.",
    "januar", "juli", "ikke", "sommerpause", "efter aftale", "(", ")", ";", "den", "15.", "gange", "8", "24",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join) | st.text(max_size=60))
def test_any_text_reads_or_is_refused_in_danish(text: str) -> None:
    try:
        schedule = parse_schedule(text, TODAY)
    except ScheduleTextError as exc:
        assert str(exc).startswith("Kan ikke læse tidspunktet") and "Skriv fx" in str(exc)
        return
    assert schedule["state"] in ("slots", "by_arrangement", "unknown")
    # what is read is what the offer schema accepts, and the written cell reads back the same
    if "\x00" not in text:
        OfferSchema().load(make_offer(schedule=text))
    assert parse_schedule(schedule_cell(schedule), TODAY) == schedule
