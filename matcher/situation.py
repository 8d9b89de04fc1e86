"""Offers for people in a situation the citizen has not named.

An offer's target groups (``audience``, :mod:`catalogue.audience`) include
conditions (``condition:dementia``: for people with dementia or their
relatives) and bereaved people. :mod:`matcher.audience` leaves these to the
topic match, but a support group for one condition shares the topic
("støttegruppe") with every other one, so a widower's note brings the
dementia relatives' group and a cancer café up with the grief groups.

:func:`situation_factor` demotes an offer for a condition when the note names
none of the offer's conditions (by the Danish label or a synonym of the
condition vocabulary, :data:`catalogue.audience.DEFAULT_CONDITIONS`, matched
on the analyser's stems, so "brystkræft" names cancer), and an offer for the
bereaved when the note says nothing of a loss (no word of the lexicon's
``sorg`` topic). It is a bounded factor on the ranking score, never a rule:
the offer is still shown when nothing else fits. The factors were chosen on
the tuning half of the vignettes only (README, "Matcher quality").
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Final

from catalogue.audience import CONDITION_PREFIX, DEFAULT_CONDITIONS
from indexer.analysis import tokens, word_terms

#: An offer for a condition the note does not name keeps this share of its score.
CONDITION_FACTOR: Final = 0.7
#: An offer for the bereaved, for a note that names no loss.
BEREAVED_FACTOR: Final = 1.0
#: The shortest condition stem matched as the head of an unknown compound.
MIN_HEAD: Final = 4
#: The lexicon topic whose words name a loss.
LOSS_TOPIC: Final = "sorg"


@lru_cache(maxsize=1)
def _condition_stems() -> dict[str, tuple[tuple[str, ...], ...]]:
    """Condition code -> the stem sequences of its label and synonyms (each a phrase)."""
    out: dict[str, tuple[tuple[str, ...], ...]] = {}
    for term in DEFAULT_CONDITIONS:
        phrases = [tuple(word_terms(w)[0] for w in tokens(name)) for name in (term.label, *term.synonyms)]
        out[term.code] = tuple(p for p in phrases if p)
    return out


def named_conditions(text: str) -> frozenset[str]:
    """The condition codes whose label or a synonym appears in ``text`` (every stem of the
    phrase among the text's stems or compound parts)."""
    words = tokens(text)
    terms = {t for word in words for t in word_terms(word)}

    def named(phrase: tuple[str, ...]) -> bool:
        if len(phrase) == 1 and len(phrase[0]) >= MIN_HEAD:  # a compound the splitter does not know: "brystkræft"
            return any(t.endswith(phrase[0]) for t in terms)
        return set(phrase) <= terms

    return frozenset(code for code, phrases in _condition_stems().items() if any(named(p) for p in phrases))


def situation_factor(
    audience: Iterable[str] | None,
    conditions: frozenset[str],
    loss_named: bool,
    *,
    condition_factor: float = CONDITION_FACTOR,
    bereaved_factor: float = BEREAVED_FACTOR,
) -> float:
    """The factor (0 < f <= 1) for an offer with target groups ``audience`` when the note
    names ``conditions`` (:func:`named_conditions`) and, by ``loss_named``, a loss or not."""
    codes = set(audience or [])
    offered = {c[len(CONDITION_PREFIX) :] for c in codes if c.startswith(CONDITION_PREFIX)}
    factor = 1.0
    if offered and not offered & conditions:
        factor *= condition_factor
    if "bereaved" in codes and not loss_named:
        factor *= bereaved_factor
    return factor
