"""Offer schedules: the shape and its occurrences (:mod:`.model`, python-dateutil ``rrule``),
Danish phrases (:mod:`.phrases`, Babel names) and the Danish cell parser (:mod:`.parser`)."""

from .model import (
    FREQS,
    STATES,
    canonical_schedule,
    canonical_slot,
    has_known_phase,
    is_weekly,
    occurrences,
    schedule_end,
)
from .parser import ScheduleTextError, parse_schedule
from .phrases import schedule_cell, schedule_text, slot_phrase

__all__ = [
    "FREQS",
    "STATES",
    "ScheduleTextError",
    "canonical_schedule",
    "canonical_slot",
    "has_known_phase",
    "is_weekly",
    "occurrences",
    "parse_schedule",
    "schedule_cell",
    "schedule_end",
    "schedule_text",
    "slot_phrase",
]
