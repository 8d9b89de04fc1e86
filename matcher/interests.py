"""Categories inferred from what the citizen said.

A small Danish (and some English) lexicon per category, matched on stems.
It serves three purposes: the explanation can name the topic ("Du nævnte
sang"), the lexical query can be widened with the topic's own words when the
citizen describes a need instead of naming an activity, and the match log
can keep the topics without keeping the citizen's words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from indexer.analysis import analyze, tokens

#: Category -> words that point to it. Needs as well as activities: people
#: say "savner nogen at snakke med", not "samtalegruppe".
LEXICON: Final[dict[str, tuple[str, ...]]] = {
    "sang": ("synge", "synger", "sang", "sange", "kor", "korsang", "fællessang", "salmer", "sing", "singing", "choir"),
    "musik": ("musik", "spille", "instrument", "guitar", "harmonika", "klaver", "band", "music"),
    "motion": (
        "motion",
        "træne",
        "træning",
        "bevæge",
        "røre",
        "gymnastik",
        "fitness",
        "gå",
        "gåtur",
        "gåture",
        "stavgang",
        "cykle",
        "cykling",
        "løb",
        "løbe",
        "form",
        "badminton",
        "petanque",
        "krolf",
        "exercise",
        "walk",
    ),
    "natur": (
        "natur",
        "naturen",
        "skov",
        "strand",
        "fugle",
        "ude",
        "udenfor",
        "frisk",
        "luft",
        "friluftsliv",
        "nature",
    ),
    "kreativ": (
        "kreativ",
        "male",
        "maleri",
        "tegne",
        "strikke",
        "strik",
        "hækle",
        "sy",
        "syning",
        "keramik",
        "ler",
        "knit",
        "knitting",
        "paint",
    ),
    "mad": (
        "mad",
        "lave",
        "spise",
        "spisning",
        "fællesspisning",
        "madlavning",
        "bage",
        "kokkerere",
        "cook",
        "cooking",
        "food",
    ),
    "spil": ("spil", "kortspil", "bridge", "skak", "banko", "brætspil", "whist", "cards", "chess"),
    "samtale": (
        "snakke",
        "tale",
        "samtale",
        "selskab",
        "ensom",
        "ensomhed",
        "alene",
        "venner",
        "ven",
        "kaffe",
        "hygge",
        "netværk",
        "talk",
        "lonely",
        "friends",
        "company",
    ),
    "læring": (
        "lære",
        "foredrag",
        "kursus",
        "undervisning",
        "læse",
        "læsekreds",
        "historie",
        "viden",
        "sprog",
        "dansk",
        "learn",
        "course",
        "language",
    ),
    "kultur": ("kultur", "museum", "teater", "kunst", "film", "bibliotek", "udstilling", "culture"),
    "frivilligt_arbejde": (
        "frivillig",
        "frivilligt",
        "nyttig",
        "hjælpe",
        "hjalp",
        "hjælper",
        "forskel",
        "gavn",
        "volunteer",
        "useful",
        "help",
    ),
    "støttegruppe": (
        "angst",
        "depression",
        "støtte",
        "gruppe",
        "pårørende",
        "sygdom",
        "kræft",
        "demens",
        "parkinson",
        "hjerte",
        "smerter",
        "anxiety",
        "support",
    ),
    "digital": ("computer", "it", "mobil", "telefon", "tablet", "ipad", "mitid", "nettet", "internet", "digital"),
    "dyr": ("dyr", "hund", "hunde", "kat", "heste", "hest", "høns", "animals", "dog"),
    "have": ("have", "haven", "planter", "blomster", "køkkenhave", "nyttehave", "grøntsager", "garden", "gardening"),
    "håndværk": (
        "håndværk",
        "hænderne",
        "værksted",
        "træ",
        "snedker",
        "smed",
        "reparere",
        "skrue",
        "bygge",
        "woodwork",
        "tools",
    ),
    "tro": ("kirke", "tro", "gudstjeneste", "præst", "bøn", "church", "faith"),
    "dans": ("danse", "dans", "dansede", "linedance", "folkedans", "dance", "dancing"),
    "vand": (
        "svømme",
        "svømning",
        "vand",
        "bade",
        "vinterbadning",
        "havet",
        "kajak",
        "ro",
        "sejle",
        "swim",
        "swimming",
    ),
    "sorg": ("sorg", "død", "døde", "mistet", "miste", "tab", "enke", "enkemand", "grief", "widow"),
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


#: What each category is about, in the words of needs as well as activities.
#: Embedded once as passages; a citizen's text is compared with them, which
#: finds the topic when no lexicon word appears (other languages, vague
#: notes, needs described rather than named).
DESCRIPTIONS: Final[dict[str, str]] = {
    "motion": "Motion og træning: gymnastik, gåture, stavgang, cykling, fitness, at bevæge sig og komme i bedre form.",
    "natur": "Natur og friluftsliv: ture i skov og ved strand, fugle, frisk luft, at være udenfor.",
    "kreativ": "Kreative fællesskaber: maling, tegning, strik, syning, keramik, at skabe noget med hænderne.",
    "musik": "Musik: spille et instrument, lytte til musik, spille sammen i et orkester eller band.",
    "mad": "Mad og måltider: lave mad sammen, fællesspisning, spise sammen med andre i stedet for alene.",
    "spil": "Spil: kortspil, bridge, skak, brætspil, banko, computerspil, hyggeligt samvær om et spil.",
    "samtale": "Samtale og samvær: møde andre mennesker, snakke, drikke kaffe, få venner, ikke være ensom og alene.",
    "læring": "Læring: foredrag, kurser, lære noget nyt, lære dansk, læsekreds, blive klogere.",
    "kultur": "Kultur: museum, teater, kunst, film, bibliotek, lokalhistorie og oplevelser.",
    "frivilligt_arbejde": "Frivilligt arbejde: hjælpe andre, gøre gavn, føle sig nyttig og brugt, give noget igen.",
    "støttegruppe": "Støttegruppe: tale med andre i samme situation om sygdom, angst, depression eller at være pårørende.",
    "digital": "Digital hjælp: computer, smartphone, tablet, MitID, videoopkald med familien, hjælp til nettet.",
    "dyr": "Dyr: hunde, heste, høns, dyr på gården, gåture med hund, besøgshunde.",
    "have": "Have: havearbejde, planter, blomster, køkkenhave, nyttehave, at dyrke noget.",
    "håndværk": "Håndværk: værksted, træarbejde, reparere ting, snedkerarbejde, at bruge hænderne til noget praktisk.",
    "tro": "Tro og kirke: gudstjeneste, sogneeftermiddag, kirkens fællesskab, salmer.",
    "sang": "Sang: kor, fællessang, synge sammen, salmer og sange.",
    "dans": "Dans: seniordans, linedance, folkedans, at danse sammen.",
    "vand": "Vand: svømning, vinterbadning, kajak, sejlads, at være ved og på vandet.",
    "sorg": "Sorg: at have mistet sin ægtefælle eller et barn, sorggruppe, at leve videre efter et tab.",
}


def semantic_categories(
    query_vector: Any, prototypes: Mapping[str, Any], *, margin: float = 0.015, limit: int = 3
) -> tuple[str, ...]:
    """Categories whose description is (nearly) as close to the text as the
    closest one: the best, and any within ``margin`` of it, at most ``limit``."""
    import numpy as np

    if not prototypes:
        return ()
    names = list(prototypes)
    sims = np.asarray([float(np.dot(query_vector, prototypes[n])) for n in names])
    best = float(sims.max())
    order = sorted(range(len(names)), key=lambda i: -sims[i])
    return tuple(names[i] for i in order[:limit] if sims[i] >= best - margin)


def expansion_terms(categories: Iterable[str], labels: dict[str, str]) -> str:
    """The Danish labels of the categories, to widen a lexical query."""
    return " ".join(labels.get(c, c) for c in categories)
