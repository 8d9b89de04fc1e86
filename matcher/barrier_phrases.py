"""Barriers the navigator may have forgotten to tick, found in the note.

:func:`suggest` reads the citizen's free text for phrases such as "har ingen
bil" or "sidder i kørestol" and returns them as suggestions,
``[{"code": "no_car", "quote": "har ingen bil"}]``, with codes from
:data:`matcher.request.BARRIERS`. Suggestions are never applied: the
navigator confirms them by ticking the barrier.

The phrases are data (``matcher/data/barrier_phrases.json``, regular
expressions with their source). A phrase found in a clause that names another
person ("min mand havde ingen bil") or speaks of the past, or
that follows a negation ("er ikke afhængig af bussen"), is dropped.
Precision and recall are measured on ``matcher/data/barrier_notes.json``
(:func:`measure`; README, "Matcher quality").
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Final

from .request import BARRIERS

#: Where a clause starts: punctuation, or a conjunction that joins two clauses.
_CLAUSE_BREAK: Final = re.compile(r"[.,;:!?()\n]|\b(?:og|men|fordi|selvom|så)\b", re.IGNORECASE)
_WORD: Final = re.compile(r"[^\W_]+")


def _data_path() -> Path:
    return Path(str(resources.files("matcher") / "data" / "barrier_phrases.json"))


@dataclass(frozen=True)
class _Phrases:
    patterns: tuple[tuple[str, re.Pattern[str]], ...]  # (barrier code, compiled pattern)
    other_person: frozenset[str]
    past: frozenset[str]
    negated: re.Pattern[str]  # a negation right before a phrase
    any_phrase: re.Pattern[str]  # every pattern in one: no match of it, no match of any pattern


@lru_cache(maxsize=1)
def _phrases() -> _Phrases:
    data = json.loads(_data_path().read_text(encoding="utf-8"))
    patterns: list[tuple[str, re.Pattern[str]]] = []
    for code, texts in data["barriers"].items():
        if code not in BARRIERS:
            raise ValueError(f"barrier_phrases.json: unknown barrier code {code!r}")
        patterns.extend((code, re.compile(rf"\b(?:{text})\b", re.IGNORECASE)) for text in texts)
    guards = data["guards"]
    negated = re.compile(rf"\b(?:{'|'.join(map(re.escape, guards['negated']))})\s+$", re.IGNORECASE)
    any_phrase = re.compile("|".join(f"(?:{p.pattern})" for _, p in patterns), re.IGNORECASE)
    return _Phrases(tuple(patterns), frozenset(guards["other_person"]), frozenset(guards["past"]), negated, any_phrase)


def _guarded(text: str, start: int, phrases: _Phrases) -> bool:
    """Whether the clause before ``start`` names another person or the past,
    or a negation stands right before it."""
    before = text[:start]
    if phrases.negated.search(before):
        return True
    breaks = list(_CLAUSE_BREAK.finditer(before))
    clause = before[breaks[-1].end() :] if breaks else before
    words = {w.casefold() for w in _WORD.findall(clause)}
    return bool(words & (phrases.other_person | phrases.past))


def suggest(text: str, ticked: Collection[str] = ()) -> list[dict[str, str]]:
    """Barrier suggestions for a note: ``[{"code": str, "quote": str}]``.

    ``code`` is a key of :data:`matcher.request.BARRIERS`; ``quote`` the
    citizen's words as written. One suggestion per code (its first phrase),
    in the order of the text; codes in ``ticked`` are left out. The text
    itself is not kept."""
    phrases = _phrases()
    if phrases.any_phrase.search(text) is None:  # most notes: one scan instead of one per pattern
        return []
    found: dict[str, tuple[int, str]] = {}
    for code, pattern in phrases.patterns:
        if code in ticked:
            continue
        for m in pattern.finditer(text):
            if _guarded(text, m.start(), phrases):
                continue
            if code not in found or m.start() < found[code][0]:
                found[code] = (m.start(), m.group(0))
            break
    return [{"code": code, "quote": quote} for code, (_, quote) in sorted(found.items(), key=lambda i: i[1][0])]


def barrier_words(text: str) -> set[str]:
    """The lowercased words of every barrier phrase found in ``text`` (guards
    applied): the explanation never quotes them as interests."""
    return {w.casefold() for s in suggest(text) for w in _WORD.findall(s["quote"])}


def notes_path() -> Path:
    return Path(str(resources.files("matcher") / "data" / "barrier_notes.json"))


def load_notes(path: Path | None = None) -> list[dict[str, Any]]:
    """The labelled notes: ``[{"note": str, "barriers": [code, ...]}]``."""
    notes: list[dict[str, Any]] = json.loads((path or notes_path()).read_text(encoding="utf-8"))["notes"]
    return notes


def measure(notes: Iterable[Mapping[str, Any]]) -> dict[str, float]:
    """Micro-averaged precision and recall of :func:`suggest` over (note,
    barrier code) pairs: ``{"notes", "precision", "recall", "true_positives",
    "false_positives", "false_negatives"}``."""
    tp = fp = fn = n = 0
    for note in notes:
        n += 1
        truth = set(note["barriers"])
        got = {s["code"] for s in suggest(note["note"])}
        tp += len(got & truth)
        fp += len(got - truth)
        fn += len(truth - got)
    return {
        "notes": n,
        "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
        "recall": round(tp / (tp + fn), 4) if tp + fn else 1.0,
        "true_positives": tp,
        "false_positives": fp,
        "false_negatives": fn,
    }


def misses(notes: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Notes where :func:`suggest` disagrees with the label, for tuning the phrases."""
    out = []
    for note in notes:
        got = sorted(s["code"] for s in suggest(note["note"]))
        if got != sorted(note["barriers"]):
            out.append({"note": note["note"], "expected": sorted(note["barriers"]), "got": got})
    return out
