"""Well-being questionnaires of a referral, scored as their authors define them.

- ``who5``: WHO-5 Well-Being Index (WHO Regional Office for Europe, 1998;
  Topp et al. 2015): five items scored 0-5; raw score 0-25; index = raw x 4
  (0-100); an index of 50 or below is read as poor well-being.
- ``life_satisfaction``: one item 0-10, "Hvor tilfreds er du med dit liv for
  tiden?" (the question Danmarks Statistik and the OECD ask).
- ``tils``: the Three-Item Loneliness Scale (Hughes et al. 2004): three items
  scored 1-3; total 3-9, higher is lonelier.

Each is recorded at a ``timepoint`` (``baseline`` or ``follow_up``) with the
date it was answered; recording the same instrument and timepoint again
replaces the answers (one history event each time). Out-of-range items are
refused per item (``InvalidRecord`` with ``items.<i>``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalogue.base import utcnow
from catalogue.errors import InvalidRecord
from catalogue.store import Store

from .lifecycle import touch
from .models import Questionnaire
from .service import Requester, get


@dataclass(frozen=True)
class Instrument:
    """A questionnaire: how many items, each item's lowest and highest score, and a Danish label."""

    items: int
    low: int
    high: int
    label: str


INSTRUMENTS: Final[dict[str, Instrument]] = {
    "who5": Instrument(5, 0, 5, "WHO-5 Trivselsindeks"),
    "life_satisfaction": Instrument(1, 0, 10, "Tilfredshed med livet"),
    "tils": Instrument(3, 1, 3, "Ensomhed (T-ILS)"),
}
TIMEPOINTS: Final[dict[str, str]] = {"baseline": "Ved start", "follow_up": "Ved opfølgning"}
#: The earliest day a questionnaire may be dated (the pilot is this century's).
FIRST_DAY: Final = date(2000, 1, 1)

#: A WHO-5 index at or below this is poor well-being (Topp et al. 2015).
WHO5_POOR_INDEX: Final = 50


def who5_index(raw: int) -> int:
    """The WHO-5 index 0-100 of a raw score 0-25 (raw x 4)."""
    return raw * 4


def item_errors(instrument: str, items: Sequence[object]) -> dict[str, list[str]]:
    """``{"items.<i>": [message]}`` for every item out of range (or not a whole
    number), ``{"items": [...]}`` for a wrong count, ``{"instrument": ...}`` when unknown."""
    spec = INSTRUMENTS.get(instrument)
    if spec is None:
        return {"instrument": [f"Unknown questionnaire; use one of {', '.join(INSTRUMENTS)}."]}
    if len(items) != spec.items:
        return {"items": [f"{instrument} has {spec.items} items; {len(items)} given."]}
    return {
        f"items.{i}": [f"An item of {instrument} is a whole number from {spec.low} to {spec.high}."]
        for i, value in enumerate(items)
        if isinstance(value, bool) or not isinstance(value, int) or not spec.low <= value <= spec.high
    }


def record_answers(
    store: Store,
    referral_id: str,
    requester: Requester,
    *,
    instrument: str,
    timepoint: str,
    taken_on: date,
    items: Sequence[int],
) -> Questionnaire:
    """Store (or replace) one questionnaire and its total score (the sum of the items).
    Raises ``NotFound`` as ``service.get`` and ``InvalidRecord`` per field (``taken_on``
    in the future, before :data:`FIRST_DAY`, or a follow-up before its baseline)."""
    errors = item_errors(instrument, items)
    if timepoint not in TIMEPOINTS:
        errors["timepoint"] = [f"Use one of {', '.join(TIMEPOINTS)}."]
    if taken_on > date.today():
        errors["taken_on"] = ["The date is in the future."]
    elif taken_on < FIRST_DAY:
        errors["taken_on"] = [f"Must not be before {FIRST_DAY.isoformat()}."]
    if errors:
        raise InvalidRecord(errors)
    with store.write() as session:
        row = get(session, referral_id, requester)
        other = session.scalar(
            select(Questionnaire).where(
                Questionnaire.referral_id == referral_id,
                Questionnaire.instrument == instrument,
                Questionnaire.timepoint != timepoint,
            )
        )
        if other is not None and (other.taken_on > taken_on if timepoint == "follow_up" else other.taken_on < taken_on):
            raise InvalidRecord(
                {"taken_on": ["A follow-up is taken on or after the baseline of the same questionnaire."]}
            )
        answers = session.scalar(
            select(Questionnaire).where(
                Questionnaire.referral_id == referral_id,
                Questionnaire.instrument == instrument,
                Questionnaire.timepoint == timepoint,
            )
        )
        if answers is None:
            answers = Questionnaire(referral_id=referral_id, instrument=instrument, timepoint=timepoint)
            session.add(answers)
        answers.taken_on, answers.items, answers.score = taken_on, list(items), sum(items)
        answers.recorded_at, answers.recorded_by = utcnow(), requester.actor
        touch(session, row, requester, {"questionnaire": [instrument, timepoint, sum(items)]})
        return answers


def answers_of(session: Session, referral_id: str, requester: Requester | None) -> list[Questionnaire]:
    """A referral's questionnaires, by instrument then timepoint; raises ``NotFound`` as ``service.get``."""
    get(session, referral_id, requester)
    stmt = select(Questionnaire).where(Questionnaire.referral_id == referral_id)
    return list(session.scalars(stmt.order_by(Questionnaire.instrument, Questionnaire.timepoint)))


__all__ = [
    "INSTRUMENTS",
    "TIMEPOINTS",
    "WHO5_POOR_INDEX",
    "Instrument",
    "answers_of",
    "item_errors",
    "record_answers",
    "who5_index",
]
