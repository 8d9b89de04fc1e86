"""The category rules of catalogue.taxonomy."""

from __future__ import annotations

from typing import Any

import pytest

from catalogue.taxonomy import DEFAULT_CATEGORIES, category_errors


@pytest.mark.parametrize("code", [*DEFAULT_CATEGORIES, "2-hånd", "øl_smagning", "x" * 50])
def test_good_codes(code: str) -> None:
    assert category_errors(code, "Et navn") == {}


@pytest.mark.parametrize("code", ["x", "x" * 51, "Fisk", "fi sk", "-x", "_x", "=1+1", "a<b", 7, None])
def test_bad_codes(code: Any) -> None:
    assert list(category_errors(code, "Et navn")) == ["code"]


@pytest.mark.parametrize(
    ("label", "errors"),
    [
        ("", ["Must not be blank."]),
        (" ", ["Must not be blank."]),
        (None, ["Must not be blank."]),
        ("x" * 101, ["At most 100 characters."]),
        ("<b>" + "x" * 100, ["At most 100 characters.", "Must not contain < or > (no markup)."]),
        ("a > b", ["Must not contain < or > (no markup)."]),
    ],
)
def test_bad_labels(label: Any, errors: list[str]) -> None:
    assert category_errors("fisk", label) == {"label_da": errors}


def test_a_label_of_100_characters_is_fine() -> None:
    assert category_errors("fisk", "æ" * 100) == {}
