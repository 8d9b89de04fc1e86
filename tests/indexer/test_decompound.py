"""Compound splitting with wordfreq's Danish list."""

from __future__ import annotations

import pytest

from indexer.decompound import EXTRA_WORDS, WORDLIST, split_compound, word_frequencies


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("mandskor", ("mand", "kor")),  # linking -s-
        ("seniorkor", ("senior", "kor")),
        ("kirkekor", ("kirke", "kor")),
        ("krolfbane", ("krolf", "bane")),  # "krolf" from the domain list
        ("strikkeklub", ("strikke", "klub")),
        ("sorggruppe", ("sorg", "gruppe")),
        ("fællessang", ("fælles", "sang")),
        ("formiddagskaffe", ("formiddag", "kaffe")),  # not formiddag + "skaffe"
        ("babysalmesang", ("baby", "salme", "sang")),  # three parts
        ("haveklub", ("have", "klub")),  # the garden, not hav + e + klub
        ("cykelværkstederne", ("cykel", "værksted")),  # an inflected compound splits as its stem
    ],
)
def test_compounds_split_into_known_parts(word: str, parts: tuple[str, ...]) -> None:
    assert split_compound(word) == parts


@pytest.mark.parametrize(
    "word",
    [
        "fuglene",  # fugl + an ending, not a compound
        "kurser",
        "fællesskaber",  # -skab is a suffix
        "terningen",  # not tern + "ingen"
        "sangstrup",  # a place name, not a song
        "trustrup",  # a Norddjurs town
        "formand",  # common on its own: lexicalised
        "kor",  # too short
        "forening",
        "kortspil",  # as common as its parts' mean allows: kept whole
    ],
)
def test_words_that_are_not_split(word: str) -> None:
    assert split_compound(word) == ()


def test_word_list_is_the_derived_wordfreq_list() -> None:
    header = WORDLIST.read_text(encoding="utf-8").splitlines()[0]
    assert "wordfreq" in header and "CC BY-SA 4.0" in header
    freq = word_frequencies()
    assert len(freq) > 20_000
    assert {"kor", "mand", "klub", "krolf", "have"} <= freq.keys()
    assert not {"og", "and", "the"} & freq.keys()  # stop words and English are left out
    assert WORDLIST.stat().st_size + EXTRA_WORDS.stat().st_size < 500_000


def test_every_extra_word_names_its_source() -> None:
    for line in EXTRA_WORDS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            word, zipf, source = line.split("\t")
            assert word.isalpha() and 0 < float(zipf) < 8 and source.strip()
