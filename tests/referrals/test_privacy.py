"""The CPR guard and the pseudonym shape."""

from __future__ import annotations

import pytest

from referrals.privacy import contains_cpr, is_pseudonym

CPR_LIKE = [
    "010190-1234",  # DDMMYY-SSSS
    "0101901234",  # without the dash
    "311299-0001",
    "x-0101901234",  # inside a pseudonym
    "lp:2512847777",
    "ref 150570-4321 end",
]
NOT_CPR = [
    "lp-7f3a91",
    "lp-1234",
    "01019012345",  # eleven digits: part of a longer number
    "90101901234",  # eleven digits, the CPR-like run preceded by a digit
    "410190-1234",  # no day starts with 4
    "012190-1234",  # no month starts with 2
    "010190-123",  # too short
    "010190--1234",  # two dashes
    "",
]


@pytest.mark.parametrize("text", CPR_LIKE)
def test_cpr_like_text_is_caught(text: str) -> None:
    assert contains_cpr(text)


@pytest.mark.parametrize("text", NOT_CPR)
def test_other_text_is_not(text: str) -> None:
    assert not contains_cpr(text)


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("lp-7f3a91", True),
        ("A.b_c:d-1", True),
        ("abc", False),  # too short
        ("-abc1", False),  # must start with a letter or digit
        ("lp 7f3a91", False),  # no spaces
        ("x" * 64, True),
        ("x" * 65, False),
        ("x-0101901234", False),  # the right shape, but CPR-like
    ],
)
def test_pseudonym_shape(text: str, ok: bool) -> None:
    assert is_pseudonym(text) is ok
