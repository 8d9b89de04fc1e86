"""The pseudonym shape (the CPR guard's table is tests/catalogue/test_privacy.py)."""

from __future__ import annotations

import pytest

from referrals.privacy import is_pseudonym


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
