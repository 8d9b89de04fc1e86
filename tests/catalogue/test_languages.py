"""The one language table (CLDR via Babel): what publishers write, and what we store."""

from __future__ import annotations

import pytest

from catalogue.languages import COMMON, common_names_da, is_language, name_da, parse_language


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("da", "da"),
        ("dan", "da"),  # ISO 639-2/3
        ("da-DK", "da"),  # BCP 47
        ("da_DK", "da"),
        ("Danish", "da"),
        ("dansk", "da"),
        ("  DANSK ", "da"),
        ("farsi", "fa"),
        ("per", "fa"),  # ISO 639-2/B
        ("fas", "fa"),
        ("persisk", "fa"),
        ("ukr", "uk"),
        ("Ukrainian", "uk"),
        ("українська", "uk"),  # the language's own name
        ("ger", "de"),
        ("Deutsch", "de"),
        ("eng", "en"),
        ("en-GB", "en"),
        ("arabisk", "ar"),
        ("tigrinya", "ti"),
        ("grønlandsk", "kl"),
        ("bokmål", "nb"),
        ("dk", None),  # the country, not the language
        ("xx", None),
        ("", None),
    ],
)
def test_parse_language(written: str, code: str | None) -> None:
    assert parse_language(written) == code


@pytest.mark.parametrize(("code", "known"), [("da", True), ("uk", True), ("fil", True), ("dk", False), ("dan", False)])
def test_is_language_takes_codes_only(code: str, known: bool) -> None:
    assert is_language(code) is known


def test_danish_names() -> None:
    assert name_da("uk") == "ukrainsk"
    assert name_da("fa") == "persisk"
    assert name_da("xx") == "xx"
    names = common_names_da()
    assert list(names) == list(COMMON)
    assert names["da"] == "dansk" and names["ar"] == "arabisk"
