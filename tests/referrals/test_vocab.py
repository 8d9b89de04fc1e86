"""The referral vocabularies and the lifecycle's transition table."""

from __future__ import annotations

import itertools
import re

import pytest

from referrals.vocab import (
    AGE_BANDS,
    CLOSE_REASONS,
    COMPANION_STATES,
    COMPANION_TRANSITIONS,
    INITIAL_STATUS,
    REASONS,
    STATUSES,
    TASK_STATUS,
    TRANSITIONS,
    status_label,
    task_status,
)


@pytest.mark.parametrize(
    "vocabulary",
    [REASONS, STATUSES, CLOSE_REASONS, COMPANION_STATES],
    ids=["reasons", "statuses", "close", "companion"],
)
def test_codes_are_snake_case_and_labels_danish_text(vocabulary: dict[str, str]) -> None:
    for code, label in vocabulary.items():
        assert re.fullmatch(r"[a-z]+(_[a-z0-9]+)*", code), code
        assert label and label[0].isupper() and label == label.strip(), code
    assert len(set(vocabulary.values())) == len(vocabulary), "two codes share a label"


def test_lifecycle_starts_received_and_every_status_can_be_closed() -> None:
    assert INITIAL_STATUS == "received" and set(TRANSITIONS) == set(STATUSES)
    assert all("closed" in moves for status, moves in TRANSITIONS.items() if status != "closed")
    assert TRANSITIONS["closed"] == () and "started" in TRANSITIONS["started"]
    assert all(set(moves) <= set(STATUSES) for moves in TRANSITIONS.values())
    assert set(COMPANION_TRANSITIONS) == set(COMPANION_STATES)


def test_every_status_reaches_closed() -> None:
    for start in STATUSES:
        seen, todo = {start}, [start]
        while todo:
            for nxt in TRANSITIONS[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        assert "closed" in seen, start


@pytest.mark.parametrize(
    ("status", "reason", "task"),
    [
        ("received", None, "requested"),
        ("contacted", None, "accepted"),
        ("assessed", None, "accepted"),
        ("matched", None, "in-progress"),
        ("started", None, "in-progress"),
        ("following_up", None, "in-progress"),
        ("closed", "completed", "completed"),
        ("closed", "no_longer_interested", "cancelled"),
        ("closed", "no_capacity", "failed"),
    ],
)
def test_task_status_mapping(status: str, reason: str | None, task: str) -> None:
    assert task_status(status, reason) == task
    assert set(TASK_STATUS) == set(STATUSES) - {"closed"}


def test_status_label() -> None:
    assert status_label("received") == "Modtaget"
    with pytest.raises(KeyError):
        status_label("lost")


def test_no_reason_is_a_diagnosis_code() -> None:
    # ICD-10 codes (a letter and two digits) would make the referral health data.
    assert not any(re.fullmatch(r"[A-Z]\d\d(\.\d+)?", c) for c in REASONS)


def test_age_bands_cover_adults_without_gaps() -> None:
    bounds = [band.rstrip("+").split("-") for band in AGE_BANDS]
    assert bounds[0][0] == "16" and bounds[-1] == ["85"]
    assert all(int(a[1]) + 1 == int(b[0]) for a, b in itertools.pairwise(bounds))
