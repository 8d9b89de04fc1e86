"""Vague notes ("Bare noget"): told apart from notes that name an interest."""

from __future__ import annotations

import pytest

from matcher.interests import infer_categories
from matcher.vague import MEETING_PLACE_QUERY, is_vague


def _vague(text: str) -> bool:
    return is_vague(text, infer_categories(text).categories)


@pytest.mark.parametrize(
    "text",
    [
        "Ved ikke. Bare noget.",
        "Ingen særlige ønsker. Bare ikke alene hele tiden.",  # "alene" points only to company
        "Trænger bare til at komme ud.",
        "Åben for alt, bare der er nogen at følges med.",
        "Noget socialt, ikke for tidligt.",
    ],
)
def test_notes_that_only_want_something_are_vague(text: str) -> None:
    assert _vague(text)


@pytest.mark.parametrize(
    "text",
    [
        "Ved ikke helt, men hun savner at synge i kor.",  # a vague phrase, but a topic is named
        "Bare noget med have og blomster.",
        "Savner nogen at snakke med om aftenen.",  # company, but no vague phrase
        "mandskor",
        "",
    ],
)
def test_notes_that_name_an_interest_or_say_nothing_vague_are_not(text: str) -> None:
    assert not _vague(text)


def test_the_topic_passed_decides_not_the_phrase_alone() -> None:
    assert is_vague("Bare noget", ())
    assert is_vague("Bare noget", ("samtale",))
    assert not is_vague("Bare noget", ("sang",))


def test_the_meeting_place_query_is_danish_and_about_open_meeting_places() -> None:
    words = set(MEETING_PLACE_QUERY.replace(",", " ").replace(":", " ").split())
    assert {"mødested", "café", "klub", "kaffe"} <= words


def test_vague_words_are_the_words_of_the_phrases_found() -> None:
    from matcher.vague import vague_words

    assert vague_words("Ved ikke. Bare noget.") == {"ved", "ikke", "bare", "noget"}
    assert vague_words("Bor ved havet og vil gerne synge") == set()


def test_no_phrase_was_taken_from_the_held_out_half_alone() -> None:
    """Every phrase that occurs in a vignette's note occurs in a tuning note (VIGNETTES.md,
    "The split"): a phrase found only in held-out notes would leak them into the matcher."""
    import re

    from matcher.eval import half_of, load_vignettes
    from matcher.vague import VAGUE_PHRASES

    notes = [(half_of(v["id"]), v["request"]["interests"]) for v in load_vignettes()["vignettes"]]
    for phrase in VAGUE_PHRASES:
        found = re.compile(rf"\b(?:{phrase})\b", re.IGNORECASE)
        halves = {half for half, text in notes if found.search(text)}
        assert halves in (set(), {"tuning"}, {"tuning", "held_out"}), phrase


def test_a_note_naming_a_condition_is_not_vague() -> None:
    """The lexicon has no topic word for "alzheimer", but the condition vocabulary names it:
    the note asks for the dementia groups, not for any meeting place."""
    from matcher.situation import named_conditions

    text = "Min mand har alzheimer, og jeg trænger til at komme ud."
    assert _vague(text.replace("alzheimer", "det svært"))
    assert not is_vague(text, infer_categories(text).categories, names_condition=bool(named_conditions(text)))
