"""Categories inferred from what the citizen said.

A small Danish (and some English) lexicon per category, matched on the
analyser's stems (a compound in the note also hits by its parts: "mandskor"
by "kor"). It lives in ``data/topic_lexicon.json`` with a source per block:
hand-written words, compounds from the demo catalogue and the field cases,
and one description per category, which is embedded as the category's
prototype for the embedding-based inference (:func:`semantic_categories`;
:func:`combine_topics` merges the two, either one first). It serves three purposes: the explanation can name the topic ("Du nævnte
sang"), the lexical query can be widened with the topic's own words when the
citizen describes a need instead of naming an activity, and the match log
can keep the topics without keeping the citizen's words.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final, Literal

from indexer.analysis import tokens, word_terms

#: The lexicon's data file: per category its words, compounds and description, each block with its source.
LEXICON_FILE: Final = Path(__file__).parent / "data" / "topic_lexicon.json"


def load_lexicon(path: Path = LEXICON_FILE) -> dict[str, Any]:
    """The lexicon file as JSON: ``{"sources": {...}, "ambiguous": [...], "categories": {name:
    {"description": str, "words": [str], "compounds": [str]}}}``. Raises ``ValueError`` when a
    category lacks a description or words, or a block lacks its source."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    missing = {"words", "compounds", "description", "ambiguous"} - set(data.get("sources", {}))
    if missing:
        raise ValueError(f"{path.name}: no source for {sorted(missing)}")
    for name, entry in data["categories"].items():
        if not entry.get("description") or not entry.get("words"):
            raise ValueError(f"{path.name}: category {name!r} needs a description and words")
    return data


_DATA: Final = load_lexicon()

#: Category -> words that point to it (the words, then the compounds). Needs as well as
#: activities: people say "savner nogen at snakke med", not "samtalegruppe".
LEXICON: Final[dict[str, tuple[str, ...]]] = {
    name: tuple(dict.fromkeys([*entry["words"], *entry.get("compounds", [])]))
    for name, entry in _DATA["categories"].items()
}

#: Words too common in navigators' notes to point anywhere on their own. ("have" is not
#: one: the analyser drops the verb by its neighbours, so a "have" left is the garden.)
_AMBIGUOUS: Final = frozenset(_DATA["ambiguous"])


@dataclass(frozen=True)
class Inference:
    categories: tuple[str, ...]  # best first
    hits: dict[str, tuple[str, ...]]  # category -> the citizen's own words that pointed to it


@lru_cache(maxsize=1)
def _stem_index() -> dict[str, tuple[str, ...]]:
    """Stem -> categories. A lexicon word counts by its own stem only, not by its compound
    parts: "fællessang" must not make "fælles" point to singing."""
    index: dict[str, list[str]] = {}
    for category, words in LEXICON.items():
        for word in words:
            if word in _AMBIGUOUS:
                continue
            index.setdefault(word_terms(word)[0], []).append(category)
    return {stem: tuple(dict.fromkeys(cats)) for stem, cats in index.items()}


def infer_categories(text: str, known: Iterable[str] | None = None) -> Inference:
    """Categories the text points to, with the words that pointed."""
    allowed = set(known) if known is not None else None
    index = _stem_index()
    counts: dict[str, int] = {}
    hits: dict[str, list[str]] = {}
    for word in tokens(text):
        for stem in word_terms(word):  # the word's stem, then its compound parts' ("mandskor": kor)
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
DESCRIPTIONS: Final[dict[str, str]] = {name: entry["description"] for name, entry in _DATA["categories"].items()}


def prototype_texts(labels: Mapping[str, str]) -> dict[str, str]:
    """Category -> the text to embed as its prototype: its description, or its label when the
    lexicon has none (a category added to the taxonomy later)."""
    return {name: DESCRIPTIONS.get(name, label) for name, label in labels.items()}


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


def combine_topics(
    lexical: Inference,
    semantic: Sequence[str],
    *,
    main: Literal["lexicon", "embedding"] = "lexicon",
    fallback_only: bool = False,
) -> Inference:
    """One topic inference from the lexicon's (``lexical``) and the embedding's (``semantic``,
    from :func:`semantic_categories`), best first, without repeats; the hits stay the lexicon's.

    ``main="lexicon"``: the lexicon's categories, then the embedding's. ``main="embedding"``:
    the embedding's first, then the lexicon's. ``fallback_only``: the other source is used only
    when the main one found nothing."""
    first, second = (lexical.categories, tuple(semantic))
    if main == "embedding":
        first, second = second, first
    merged = first if fallback_only and first else tuple(dict.fromkeys(first + second))
    return Inference(merged, {c: lexical.hits[c] for c in merged if c in lexical.hits})


def expansion_terms(categories: Iterable[str], labels: dict[str, str]) -> str:
    """The Danish labels of the categories, to widen a lexical query."""
    return " ".join(labels.get(c, c) for c in categories)
