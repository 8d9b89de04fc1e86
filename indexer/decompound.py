"""Danish compound splitting ("mandskor" -> "mand" + "kor") for both search engines.

Danish writes compounds as one word, so "mandskor", "seniorkor" and
"kirkekor" never meet "kor" in a plain index. :func:`split_compound` finds
the known parts of a word with the frequency method of Koehn and Knight
(2003, "Empirical methods for compound splitting"): among the ways to write
the word as known parts (each at least :data:`MIN_PART` letters or one of
:data:`SHORT_PARTS`, none of :data:`NOT_PARTS`, with an optional linking -s-
or -e- between them, at most :data:`MAX_PARTS` parts),
take the one with the fewest parts and, among those, the highest geometric
mean frequency of its parts (less a small cost per linking letter), and split
only if that beats the frequency of the word itself. Words common on their
own (Zipf :data:`SPLIT_BELOW` or more, such as "formand") are lexicalised
and never split.

The word list is ``data/da_words.tsv``: wordfreq's Danish list with Zipf
frequencies (CC BY-SA 4.0; made by ``tools/make_da_wordlist.py``), plus
``data/da_words_extra.tsv``: activity words of this domain that the general
list lacks ("krolf"), each with its source.

Why not Elasticsearch's ``dictionary_decompounder``: it emits every
dictionary word found inside a token (for "mandskor": "mand", "and", "sko",
"kor"), so a shoe or a duck would match a choir. The analysis is therefore
done here, once, and both engines index the same terms (see
:mod:`indexer.analysis`).
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path
from typing import Final

import Stemmer

DATA: Final = Path(__file__).parent / "data"
WORDLIST: Final = DATA / "da_words.tsv"
EXTRA_WORDS: Final = DATA / "da_words_extra.tsv"

MIN_PART: Final = 4  # letters in a part, except SHORT_PARTS
#: Three-letter nouns that may be parts ("mand-s-kor", "svømme-hal", "cykel-tur"). The word
#: list's other 1,200 three-letter entries are mostly abbreviations, names and endings
#: ("str", "ing", "tor", "pus"), which split ordinary words into nonsense.
SHORT_PARTS: Final = frozenset(
    [
        "kor",
        "bad",
        "hal",
        "tur",
        "tid",
        "dag",
        "mad",
        "vin",
        "ven",
        "hus",
        "bil",
        "liv",
        "fod",
        "vej",
        "sti",
        "sal",
        "rum",
        "bog",
        "kop",
        "tøj",
        "lys",
        "sav",
        "ild",
        "sol",
        "hav",
        "ski",
        "bro",
        "eng",
        "kat",
        "dyr",
        "træ",
        "ler",
        "ben",
        "arm",
        "hår",
        "øje",
        "job",
        "bus",
        "tog",
        "båd",
        "spa",
        "lyd",
        "ost",
    ]
)
#: Words of the list that are endings or function words when they close a compound
#: ("fællesskab" is not fælles + skab, "terningen" not tern + ingen).
NOT_PARTS: Final = frozenset(
    [
        "skab",
        "skabe",
        "skaber",
        "skabet",
        "skabs",
        "ingen",
        "inde",
        "else",
        "heden",
        "lige",
        "ning",
        "ringen",
        "gener",
        "svært",
        "saften",
        "skaffe",
        "kede",
    ]
)
#: Place names end so (Old Danish -torp, -lev, -løse): "Sangstrup" is a town, not a song.
PLACE_ENDINGS: Final = ("rup", "lev", "løse")
#: A linking letter costs this much of the mean Zipf frequency, so "formiddag-s-kaffe" still
#: beats "formiddag-skaffe" but "baby-salme-sang" beats "baby-s-alm-e-sang".
LINK_COST: Final = 0.25
MIN_WORD: Final = 6  # a shorter word is never split
MAX_PARTS: Final = 3
#: Words at least this frequent on their own (Zipf scale) are not split.
SPLIT_BELOW: Final = 3.5
#: Linking elements between parts ("mand-s-kor", "strik-ke-klub" is "strikke" + "klub").
LINKS: Final = ("", "s", "e")


_local = threading.local()


def _stemmer() -> Stemmer.Stemmer:
    stemmer = getattr(_local, "stemmer", None)  # PyStemmer objects are not thread-safe
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("danish")
    return stemmer


@lru_cache(maxsize=1)
def word_frequencies() -> dict[str, float]:
    """Known words -> Zipf frequency (log10 per billion words) from both list files."""
    words: dict[str, float] = {}
    for path in (WORDLIST, EXTRA_WORDS):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line or line.startswith("#"):
                continue
            word, zipf, *_ = line.split("\t")
            words[word] = max(words.get(word, 0.0), float(zipf))
    return words


@lru_cache(maxsize=65536)
def split_compound(word: str) -> tuple[str, ...]:
    """The known parts of a lowercase word, left to right; ``()`` if it is not a compound.

    ``split_compound("mandskor") == ("mand", "kor")``; linking letters are dropped.
    """
    if len(word) < MIN_WORD or not word.isalpha() or word.endswith(PLACE_ENDINGS) or word in _towns():
        return ()
    freq = word_frequencies()
    whole = freq.get(word, 0.0)
    if whole >= SPLIT_BELOW:
        return ()
    stem = _stemmer().stemWord(word)
    best = _best(word, MAX_PARTS, freq)
    # An inflected word is not a compound: "fuglene" is fugl + the ending -ene, "kurser" is
    # kurs + -er. The last part must add at least three letters to the word's stem.
    if best is not None and len(stem) - (len(word) - len(best[1][-1])) < 3:
        best = None
    if best is None and stem != word:
        # An inflected compound whose inflected head is not listed: "cykelværkstederne"
        # splits as its stem "cykelværksted".
        best = _best(stem, MAX_PARTS, freq)
    if best is None or best[0] <= whole:
        return ()
    return best[1]


def _best(word: str, max_parts: int, freq: dict[str, float]) -> tuple[float, tuple[str, ...], int] | None:
    """(mean Zipf, parts, linking letters used) of the best split of ``word`` into 2..max_parts known parts."""
    found: tuple[float, tuple[str, ...], int] | None = None
    for i in range(3, len(word) - 2):
        head = word[:i]
        if not _part(head, freq):
            continue
        for link in LINKS:
            if not word.startswith(link, i):
                continue
            tail = word[i + len(link) :]
            if len(tail) < 3:
                continue
            links = 1 if link else 0
            options: list[tuple[tuple[str, ...], int]] = []
            if _part(tail, freq):
                options.append(((head, tail), links))
            if max_parts > 2 and len(tail) >= 6:
                sub = _best(tail, max_parts - 1, freq)
                if sub is not None:
                    options.append(((head, *sub[1]), links + sub[2]))
            for parts, used in options:
                candidate = (sum(freq[p] for p in parts) / len(parts), parts, used)
                if found is None or _rank(candidate) > _rank(found):
                    found = candidate
    return found


def _part(word: str, freq: dict[str, float]) -> bool:
    """May ``word`` be a part of a compound?"""
    if word not in freq or word in NOT_PARTS:
        return False
    return len(word) >= MIN_PART or word in SHORT_PARTS


@lru_cache(maxsize=1)
def _towns() -> frozenset[str]:
    """Norddjurs town names (one word each), never split."""
    from catalogue.gazetteer import default_gazetteer

    return frozenset(w for town in default_gazetteer().towns() for w in town.casefold().split())


def _rank(candidate: tuple[float, tuple[str, ...], int]) -> tuple[int, float, int]:
    """Fewest parts first (a third part is a last resort), then the highest mean
    frequency less LINK_COST per linking letter, then the longest last part (the compound's head)."""
    score, parts, links = candidate
    return (-len(parts), score - LINK_COST * links, len(parts[-1]))
