"""The Danish analyser: stop words that are content words, protected stems, compounds."""

from __future__ import annotations

import pytest

from indexer import analysis
from indexer.analysis import (
    ANALYZER_VERSION,
    CONTENT_WORDS,
    DANISH_STOP_WORDS,
    SNOWBALL_DANISH_STOP_WORDS,
    STEM_OVERRIDES,
    analyze,
    analyze_query,
    tokens,
)


def test_have_the_garden_is_a_content_word() -> None:
    # Field case: "Hun savner sin have" found grief groups only, as "have" was a stop word.
    assert "have" not in DANISH_STOP_WORDS and "have" in SNOWBALL_DANISH_STOP_WORDS
    assert analyze("Hun savner sin have") == ["savn", "have"]
    assert "have" in analyze("Han har en lille have med æbletræer")


@pytest.mark.parametrize(
    "text",
    [
        "Hun vil gerne have nogen at snakke med",
        "Hun skal ikke have for meget",
        "Han vil have det godt",
        "have lyst til at synge",
        "Jeg kunne godt tænke mig at have en hund",
    ],
)
def test_have_the_verb_is_still_a_stop_word(text: str) -> None:
    assert "have" not in analyze(text)


def test_only_reviewed_words_leave_the_snowball_list() -> None:
    assert set(CONTENT_WORDS) == SNOWBALL_DANISH_STOP_WORDS - DANISH_STOP_WORDS
    assert {"og", "i", "det", "hans", "anden", "mod"} <= DANISH_STOP_WORDS


def test_garden_and_sea_keep_apart() -> None:
    # Snowball stems all of these to "hav".
    garden = {t for w in ("have", "haven", "havens", "haver", "haverne") for t in analyze(w)}
    sea = {t for w in ("hav", "havet", "havets", "havene") for t in analyze(w)}
    assert garden == {"have"} and sea == {"hav"}


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("kors", "kor"),
        ("Røde Kors", "kor"),
        ("bage", "bag"),
        ("bager", "bag"),
        ("haven", "havet"),
        ("billigt", "ingen bil"),
        ("billetter", "bil"),
        ("venlig", "venner"),
        ("lægen", "lægger"),
        ("hun synes", "dårligt syn"),
        ("roligt", "rolle"),
    ],
)
def test_protected_words_do_not_collide(one: str, other: str) -> None:
    assert not set(analyze(one)) & set(analyze(other))


def test_dance_forms_meet() -> None:
    assert analyze("dans") == analyze("danse") == analyze("danser") == ["dans"]


def test_every_override_is_lowercase_and_stable() -> None:
    for word, stem in STEM_OVERRIDES.items():
        assert word == word.casefold() and stem == stem.casefold()
        assert analyze(word) == [stem] or analyze(word)[0] == stem


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("mandskor", ["mand", "kor"]),
        ("seniorkor", ["senior", "kor"]),
        ("kirkekor", ["kirk", "kor"]),
        ("krolfbane", ["krolf", "ban"]),
        ("strikkeklub", ["strik", "klub"]),
        ("køkkenhave", ["køk", "have"]),  # the garden, not the sea
        ("haveklubben", ["have", "klub"]),
    ],
)
def test_compounds_keep_the_word_and_add_their_parts(word: str, parts: list[str]) -> None:
    terms = analyze(word)
    assert terms[0] == analyze_query(word)[0] and terms[1:] == parts


def test_a_compound_query_meets_its_head() -> None:
    # Field case: "mandskor" must reach choirs, which say "kor".
    assert set(analyze_query("mandskor")) & set(analyze("Kor for alle, der kan lide at synge"))


def test_tokens_keep_text_order_and_case_fold() -> None:
    assert tokens("Strik OG snak, i Grenaa") == ["strik", "snak", "grenaa"]
    assert analyze_query("kor kor kirkekor") == ("kor", "kirkekor", "kirk")


def test_stop_words_and_punctuation_give_nothing() -> None:
    assert analyze("og i det at en") == []
    assert analyze("  ,.;  ") == []


def test_version_is_named() -> None:
    assert ANALYZER_VERSION.startswith("da-")


def test_a_whole_query_text_is_not_kept_in_a_cache() -> None:
    """A match's text is a citizen's note: analysing it must not keep it in the process
    (functools caches keep their arguments); single words may be cached."""
    assert not hasattr(analysis.analyze_query, "cache_info")
    assert analysis.analyze_query("Hun savner sin have") == analysis.analyze_query("Hun savner sin have")
