"""Topic inference from the citizen's words: lexicon hits, semantic topics, query expansion."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from catalogue.taxonomy import DEFAULT_CATEGORIES
from matcher.interests import (
    DESCRIPTIONS,
    LEXICON,
    LEXICON_FILE,
    Inference,
    combine_topics,
    expansion_terms,
    infer_categories,
    load_lexicon,
    prototype_texts,
    semantic_categories,
)


def test_a_navigators_note_names_the_topic_with_the_citizens_words() -> None:
    assert infer_categories("Jeg savner at synge i kor") == Inference(("sang",), {"sang": ("synge", "kor")})


def test_inflected_danish_words_hit_on_their_stem() -> None:
    # "strikker" and "maler" are not in the lexicon; "strikke" and "male" are.
    assert infer_categories("Hun strikker og maler") == Inference(("kreativ",), {"kreativ": ("strikker", "maler")})


def test_topics_ordered_by_hits_then_name() -> None:
    inference = infer_categories("Efter min kone døde er jeg ensom og alene; vil gerne gå tur med hunden")
    # samtale: "ensom", "alene" (2 hits); dyr: "hunden" and sorg: "døde" (1 each, by name).
    assert inference.categories == ("samtale", "dyr", "sorg")
    assert inference.hits == {"samtale": ("ensom", "alene"), "dyr": ("hunden",), "sorg": ("døde",)}


def test_english_words_count() -> None:
    assert infer_categories("I love singing in a choir").categories == ("sang",)


def test_ambiguous_everyday_words_point_nowhere() -> None:
    # "have" (garden / to have) and "gå" (walk / go) fill every note.
    assert infer_categories("Jeg vil gerne have det godt og gå ud") == Inference((), {})


def test_known_limits_the_topics() -> None:
    text = "Jeg er ensom og vil gerne synge"
    assert infer_categories(text).categories == ("samtale", "sang")
    assert infer_categories(text, known={"sang"}).categories == ("sang",)


def test_every_lexicon_and_description_topic_is_a_default_category() -> None:
    assert set(LEXICON) == set(DEFAULT_CATEGORIES)
    assert set(DESCRIPTIONS) == set(DEFAULT_CATEGORIES)


def test_expansion_terms_use_the_danish_labels() -> None:
    assert expansion_terms(["vand", "sang"], dict(DEFAULT_CATEGORIES)) == "Vand og svømning Sang"
    assert expansion_terms(["ukendt"], {}) == "ukendt"


def unit(degrees: float) -> np.ndarray:
    return np.array([np.cos(np.radians(degrees)), np.sin(np.radians(degrees))])


def test_semantic_categories_keep_those_within_the_margin() -> None:
    prototypes = {"a": unit(0), "b": unit(5), "c": unit(10), "d": unit(90)}
    query = unit(0)
    # cos 5 deg = 0.99619 (within 0.01 of 1.0); cos 10 deg = 0.98481 (not).
    assert semantic_categories(query, prototypes, margin=0.01) == ("a", "b")
    assert semantic_categories(query, prototypes, margin=0.02) == ("a", "b", "c")
    assert semantic_categories(query, prototypes, margin=0.02, limit=2) == ("a", "b")
    assert semantic_categories(query, {}) == ()


@pytest.mark.parametrize(("degrees", "closest"), [(30.0, "x"), (60.0, "y")])
def test_semantic_categories_always_give_the_closest(degrees: float, closest: str) -> None:
    assert semantic_categories(unit(degrees), {"x": unit(0), "y": unit(90)}, margin=0.0) == (closest,)


# -- the lexicon as data, compounds ---------------------------------------------------


def test_the_lexicon_file_names_a_source_for_every_block() -> None:
    data = load_lexicon()
    assert set(data["sources"]) >= {"words", "compounds", "description", "ambiguous"}
    assert all(data["sources"][k].strip() for k in data["sources"])
    assert set(data["categories"]) == set(DEFAULT_CATEGORIES)
    assert LEXICON_FILE.name == "topic_lexicon.json"


def test_a_lexicon_without_sources_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "lexicon.json"
    bad.write_text(json.dumps({"sources": {"words": "x"}, "ambiguous": [], "categories": {}}), encoding="utf-8")
    with pytest.raises(ValueError, match="no source"):
        load_lexicon(bad)


@pytest.mark.parametrize(
    ("note", "category", "hit"),
    [
        ("mandskor", "sang", "mandskor"),  # field case: a compound names the choir
        ("Han savner sit gamle mandskor", "sang", "mandskor"),
        ("kirkekoret", "sang", "kirkekoret"),  # by its part "kor", though not listed
        ("krolfbane", "motion", "krolfbane"),
        ("strikkeklubben", "kreativ", "strikkeklubben"),
        ("Hun savner sin have", "have", "have"),  # field case: "have" is the garden here
        ("køkkenhaven", "have", "køkkenhaven"),
    ],
)
def test_compounds_and_the_garden_point_to_their_topic(note: str, category: str, hit: str) -> None:
    inference = infer_categories(note)
    assert inference.categories[0] == category and hit in inference.hits[category]


def test_a_lexicon_compound_does_not_lend_its_parts() -> None:
    # "fællessang" and "fællesspisning" are listed; "fælles" alone points nowhere.
    assert infer_categories("fælles") == Inference((), {})
    # "min mand" is no choir, though "mandskor" is listed.
    assert "sang" not in infer_categories("min mand døde i foråret").categories


def test_the_sea_is_not_the_garden() -> None:
    assert infer_categories("Hun holder af havet").categories == ("vand",)
    assert infer_categories("Hun holder af haven").categories == ("have",)


def test_combine_topics_either_source_first() -> None:
    lexical = Inference(("sang",), {"sang": ("kor",)})
    assert combine_topics(lexical, ("musik", "sang")) == Inference(("sang", "musik"), {"sang": ("kor",)})
    assert combine_topics(lexical, ("musik",), main="embedding").categories == ("musik", "sang")
    assert combine_topics(lexical, ("musik",), fallback_only=True).categories == ("sang",)
    assert combine_topics(Inference((), {}), ("musik",), fallback_only=True).categories == ("musik",)


def test_prototype_texts_fall_back_to_the_label() -> None:
    texts = prototype_texts({"sang": "Sang", "ny": "Ny kategori"})
    assert texts == {"sang": DESCRIPTIONS["sang"], "ny": "Ny kategori"}
