"""The referral vocabularies."""

from __future__ import annotations

import itertools
import re

import pytest

from referrals.vocab import AGE_BANDS, INITIAL_STATUS, REASONS, STATUSES, status_label


@pytest.mark.parametrize("vocabulary", [REASONS, STATUSES], ids=["reasons", "statuses"])
def test_codes_are_snake_case_and_labels_danish_text(vocabulary: dict[str, str]) -> None:
    for code, label in vocabulary.items():
        assert re.fullmatch(r"[a-z]+(_[a-z0-9]+)*", code), code
        assert label and label[0].isupper() and label == label.strip(), code
    assert len(set(vocabulary.values())) == len(vocabulary), "two codes share a label"


def test_lifecycle_starts_received_and_can_end() -> None:
    assert INITIAL_STATUS == "received" and INITIAL_STATUS in STATUSES
    assert {"closed", "declined"} <= set(STATUSES)


def test_status_label() -> None:
    assert status_label("received") == "Modtaget"
    assert status_label("declined") == "Borgeren takkede nej"
    with pytest.raises(KeyError):
        status_label("lost")


def test_no_reason_is_a_diagnosis_code() -> None:
    # ICD-10 codes (a letter and two digits) would make the referral health data.
    assert not any(re.fullmatch(r"[A-Z]\d\d(\.\d+)?", c) for c in REASONS)


def test_age_bands_cover_adults_without_gaps() -> None:
    bounds = [band.rstrip("+").split("-") for band in AGE_BANDS]
    assert bounds[0][0] == "16" and bounds[-1] == ["85"]
    assert all(int(a[1]) + 1 == int(b[0]) for a, b in itertools.pairwise(bounds))
