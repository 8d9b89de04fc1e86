"""Questionnaires: item ranges per instrument, scores, replacement."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from catalogue.errors import InvalidRecord
from catalogue.store import Store
from referrals import questionnaires, service
from referrals.service import Requester

NAV = Requester(name="nav", role="navigator", actor="navigator#2")


@pytest.mark.parametrize(
    ("instrument", "items", "errors"),
    [
        ("who5", [0, 1, 2, 3, 5], {}),
        ("who5", [0, 1, 2, 3, 6], {"items.4": ["An item of who5 is a whole number from 0 to 5."]}),
        ("who5", [-1, 1, 2, 3], {"items": ["who5 has 5 items; 4 given."]}),
        ("life_satisfaction", [10], {}),
        ("life_satisfaction", [11], {"items.0": ["An item of life_satisfaction is a whole number from 0 to 10."]}),
        ("tils", [1, 3, 2], {}),
        ("tils", [0, 3, 4], {"items.0": ["An item of tils is a whole number from 1 to 3."], "items.2": ["An item of tils is a whole number from 1 to 3."]}),
        ("tils", [1, True, 2], {"items.1": ["An item of tils is a whole number from 1 to 3."]}),
        ("phq9", [1], {"instrument": ["Unknown questionnaire; use one of who5, life_satisfaction, tils."]}),
    ],
)  # fmt: skip
def test_item_errors_name_each_item(instrument: str, items: list[object], errors: dict[str, list[str]]) -> None:
    assert questionnaires.item_errors(instrument, items) == errors


def test_who5_index_is_raw_times_four() -> None:
    assert [questionnaires.who5_index(r) for r in (0, 13, 25)] == [0, 52, 100]


def test_recording_again_replaces_and_nothing_is_half_written(store: Store) -> None:
    with store.write() as session:
        rid = service.create(session, NAV, citizen_ref="lp-7f3a91").id
    first = questionnaires.record_answers(
        store, rid, NAV, instrument="who5", timepoint="baseline", taken_on=date(2026, 1, 5), items=[1, 1, 1, 1, 1]
    )
    assert first.score == 5
    questionnaires.record_answers(
        store, rid, NAV, instrument="who5", timepoint="baseline", taken_on=date(2026, 1, 6), items=[2, 2, 2, 2, 2]
    )
    with pytest.raises(InvalidRecord) as caught:
        questionnaires.record_answers(
            store,
            rid,
            NAV,
            instrument="tils",
            timepoint="later",
            taken_on=date.today() + timedelta(days=1),
            items=[1, 1, 1],
        )
    assert set(caught.value.errors) == {"timepoint", "taken_on"}
    with store.read() as session:
        answers = questionnaires.answers_of(session, rid, NAV)
    assert [(a.instrument, a.timepoint, a.score, a.taken_on) for a in answers] == [
        ("who5", "baseline", 10, date(2026, 1, 6))
    ]


def test_a_year_one_date_and_a_follow_up_before_its_baseline_are_refused(store: Store) -> None:
    """Both were stored and counted in the outcome report (a year-1 baseline, a change
    measured backwards)."""
    with store.write() as session:
        rid = service.create(session, NAV, citizen_ref="lp-7f3a91").id

    def record(timepoint: str, on: date) -> object:
        return questionnaires.record_answers(
            store, rid, NAV, instrument="life_satisfaction", timepoint=timepoint, taken_on=on, items=[5]
        )

    with pytest.raises(InvalidRecord) as caught:
        record("baseline", date(1, 1, 1))
    assert list(caught.value.errors) == ["taken_on"]
    record("baseline", date(2025, 11, 1))
    with pytest.raises(InvalidRecord) as caught:
        record("follow_up", date(2025, 1, 1))
    assert list(caught.value.errors) == ["taken_on"]
    record("follow_up", date(2025, 11, 1))  # the same day is allowed
    with pytest.raises(InvalidRecord) as caught:
        record("baseline", date(2025, 12, 1))  # a baseline moved after its follow-up
    assert list(caught.value.errors) == ["taken_on"]
