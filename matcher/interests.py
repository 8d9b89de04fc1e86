"""Categories inferred from what the citizen said.

A small Danish (and some English) lexicon per category, matched on stems.
It serves three purposes: the explanation can name the topic ("Du nævnte
sang"), the lexical query can be widened with the topic's own words when the
citizen describes a need instead of naming an activity, and the match log
can keep the topics without keeping the citizen's words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from indexer.analysis import analyze, tokens

#: Category -> words that point to it. Needs as well as activities: people
#: say "savner nogen at snakke med", not "samtalegruppe".
LEXICON: Final[dict[str, tuple[str, ...]]] = {
    "sang": ("synge", "synger", "sang", "sange", "kor", "korsang", "fællessang", "salmer", "sing", "singing", "choir"),
    "musik": ("musik", "spille", "instrument", "guitar", "harmonika", "klaver", "band", "music"),
    "motion": ("motion", "træne", "træning", "bevæge", "røre", "gymnastik", "fitness", "gå", "gåtur", "gåture",
               "stavgang", "cykle", "cykling", "løb", "løbe", "form", "badminton", "petanque", "krolf", "exercise", "walk"),
    "natur": ("natur", "naturen", "skov", "strand", "fugle", "ude", "udenfor", "frisk", "luft", "friluftsliv", "nature"),
    "kreativ": ("kreativ", "male", "maleri", "tegne", "strikke", "strik", "hækle", "sy", "syning", "keramik", "ler",
                "knit", "knitting", "paint"),
    "mad": ("mad", "lave", "spise", "spisning", "fællesspisning", "madlavning", "bage", "kokkerere", "cook", "cooking", "food"),
    "spil": ("spil", "kortspil", "bridge", "skak", "banko", "brætspil", "whist", "cards", "chess"),
    "samtale": ("snakke", "tale", "samtale", "selskab", "ensom", "ensomhed", "alene", "venner", "ven", "kaffe",
                "hygge", "netværk", "talk", "lonely", "friends", "company"),
    "læring": ("lære", "foredrag", "kursus", "undervisning", "læse", "læsekreds", "historie", "viden", "sprog",
               "dansk", "learn", "course", "language"),
    "kultur": ("kultur", "museum", "teater", "kunst", "film", "bibliotek", "udstilling", "culture"),
    "frivilligt_arbejde": ("frivillig", "frivilligt", "nyttig", "hjælpe", "gøre", "gavn", "volunteer", "useful", "help"),
    "støttegruppe": ("angst", "depression", "støtte", "gruppe", "pårørende", "sygdom", "kræft", "demens", "parkinson",
                     "hjerte", "smerter", "anxiety", "support"),
    "digital": ("computer", "it", "mobil", "telefon", "tablet", "ipad", "mitid", "nettet", "internet", "digital"),
    "dyr": ("dyr", "hund", "hunde", "kat", "heste", "hest", "høns", "animals", "dog"),
    "have": ("have", "haven", "planter", "blomster", "køkkenhave", "nyttehave", "grøntsager", "garden", "gardening"),
    "håndværk": ("håndværk", "hænderne", "værksted", "træ", "snedker", "smed", "reparere", "skrue", "bygge", "woodwork", "tools"),
    "tro": ("kirke", "tro", "gudstjeneste", "præst", "bøn", "church", "faith"),
    "dans": ("danse", "dans", "dansede", "linedance", "folkedans", "dance", "dancing"),
    "vand": ("svømme", "svømning", "vand", "bade", "vinterbadning", "havet", "kajak", "ro", "sejle", "swim", "swimming"),
    "sorg": ("sorg", "død", "døde", "mistet", "miste", "tab", "enke", "enkemand", "savn", "grief", "widow"),
}

#: Words too common in navigators' notes to point anywhere on their own.
_AMBIGUOUS: Final = frozenset({"gå", "tale", "ro", "lave", "gøre", "ude", "form", "have"})


@dataclass(frozen=True)
class Inference:
    categories: tuple[str, ...]  # best first
    hits: dict[str, tuple[str, ...]]  # category -> the citizen's own words that pointed to it


@lru_cache(maxsize=1)
def _stem_index() -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for category, words in LEXICON.items():
        for word in words:
            if word in _AMBIGUOUS:
                continue
            for stem in analyze(word):
                index.setdefault(stem, []).append(category)
    return {stem: tuple(dict.fromkeys(cats)) for stem, cats in index.items()}


def infer_categories(text: str, known: Iterable[str] | None = None) -> Inference:
    """Categories the text points to, with the words that pointed."""
    allowed = set(known) if known is not None else None
    index = _stem_index()
    counts: dict[str, int] = {}
    hits: dict[str, list[str]] = {}
    for word in tokens(text):
        stems = analyze(word)
        for stem in stems:
            for category in index.get(stem, ()):
                if allowed is not None and category not in allowed:
                    continue
                counts[category] = counts.get(category, 0) + 1
                if word not in hits.setdefault(category, []):
                    hits[category].append(word)
    ordered = tuple(sorted(counts, key=lambda c: (-counts[c], c)))
    return Inference(ordered, {c: tuple(hits[c]) for c in ordered})


def expansion_terms(categories: Iterable[str], labels: dict[str, str]) -> str:
    """The Danish labels of the categories, to widen a lexical query."""
    return " ".join(labels.get(c, c) for c in categories)
