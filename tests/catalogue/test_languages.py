"""The one language table (CLDR via Babel): what publishers write, and what we store."""

from __future__ import annotations

import pytest

from catalogue import taxonomy
from catalogue.languages import COMMON, common_names_da, is_language, name_da, parse_language
from catalogue.schemas import OfferSchema
from tests.conftest import make_offer


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


def test_taxonomy_aliases_come_from_the_table() -> None:
    assert common_names_da() == taxonomy.LANGUAGE_NAMES_DA
    assert {"da", "uk", "fa", "kl"} <= taxonomy.ISO_639_1
    assert "dk" not in taxonomy.ISO_639_1
    assert all(len(code) == 2 and is_language(code) for code in taxonomy.ISO_639_1)


def test_offer_languages_are_stored_as_codes() -> None:
    offer = OfferSchema().load(make_offer(languages=["Dansk", "da-DK", "ukr", "farsi"]))
    assert offer["languages"] == ["da", "uk", "fa"]


def test_unreadable_language_is_named() -> None:
    with pytest.raises(Exception) as exc:
        OfferSchema().load(make_offer(languages=["da", "dk", "elvish"]))
    (message,) = exc.value.messages["languages"]  # type: ignore[attr-defined]
    assert message.startswith("Not a language: dk, elvish.")
