"""Offers for people in a situation the citizen has not named.

An offer's target groups (``audience``, :mod:`catalogue.audience`) include
conditions (``condition:dementia``: for people with dementia or their
relatives) and bereaved people. :mod:`matcher.audience` leaves these to the
topic match, but a support group for one condition shares the topic
("støttegruppe") with every other one, so a widower's note brings the
dementia relatives' group and a cancer café up with the grief groups.

:func:`situation_factor` demotes, by a bounded factor on the ranking score
(never a rule: the offer is still shown when nothing else fits):

- an offer for a condition when the note names none of the offer's
  conditions (by the Danish label or a synonym of the condition vocabulary,
  :data:`catalogue.audience.DEFAULT_CONDITIONS`, matched on the analyser's
  stems; an unknown compound by its head or first part, so "brystkræft" and
  "kræftsyg" name cancer; another form the stemmer keeps apart, "hørehæmmet"; or by
  a barrier that is a condition, ticked or in the note's words, "hører
  dårligt": :data:`BARRIER_CONDITIONS`): :data:`CONDITION_FACTOR`;
- an offer for newcomers to Denmark when the citizen speaks Danish (language
  "da", no ``non_danish_speaker``) and the note gives no sign of a newcomer
  (:func:`names_newcomer`: a newcomer's word, a country or an immigrant
  language named, or letters of another script): :data:`NEWCOMER_FACTOR`;
- an offer for the bereaved when the note names no loss (no word of the
  lexicon's ``sorg`` topic): :data:`BEREAVED_FACTOR`, 1.0, that is off.

Chosen on the tuning half of the vignettes only (``matcher.eval.half_of``;
README, "Matcher quality"), nDCG@10 on that half: condition factor 0.8 0.744,
**0.7 0.746**, 0.6 0.744, 0.5 0.738, 0.3 0.731 (1.0: 0.737); newcomer factor
0.7 0.752, **0.5 0.752**, 0.3 0.752 (1.0: 0.746); bereaved factor 0.5 0.735
and 0.3 0.736, below 1.0 (0.737), so it stays off. The newcomer words were
written by hand (Danish usage and the tuning half's notes); the country and
language names are CLDR's, through Babel, so a newcomer who writes Danish
("Kom fra Syrien sidste år", "ny i Danmark") keeps the offers for newcomers.
These wider signs (newcomer, barrier conditions, other word forms) left the
tuning half at 0.752; adding the support-group topic to a note that names a
condition scored 0.751 there and was not kept.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from babel import Locale

from catalogue.audience import CONDITION_PREFIX, DEFAULT_CONDITIONS
from catalogue.languages import COMMON, name_da
from indexer.analysis import tokens, word_terms

from .barrier_phrases import suggest

#: An offer for a condition the note does not name keeps this share of its score.
CONDITION_FACTOR: Final = 0.7
#: An offer for the bereaved, for a note that names no loss.
BEREAVED_FACTOR: Final = 1.0
#: An offer for newcomers to Denmark, for a Danish-speaking citizen whose note names no newcomer's need.
NEWCOMER_FACTOR: Final = 0.5
#: Words by which a note names a newcomer's need (learning Danish, having come from abroad).
NEWCOMER_WORDS: Final = (
    "dansk",
    "danskere",
    "sprog",
    "sprogcafé",
    "nydansk",
    "nydanskere",
    "flygtning",
    "flygte",
    "flygtet",
    "indvandrer",
    "udlandet",
    "asyl",
    "opholdstilladelse",
    "nyankommen",
)
#: Languages (codes of :data:`catalogue.languages.COMMON`) whose Danish name in a note
#: ("taler arabisk", "ukrainsk kvinde") is a sign of a newcomer: COMMON without Danish
#: and the languages of neighbours and tourists (en, de, sv, no), which Danes also speak.
NEWCOMER_LANGUAGES: Final = tuple(c for c in COMMON if c not in {"da", "en", "de", "sv", "no"})
#: CLDR region codes that are groupings, not countries (European Union, eurozone, United Nations).
NOT_COUNTRIES: Final = frozenset({"EU", "EZ", "UN"})
#: Barrier code (:data:`matcher.request.BARRIERS`) -> the condition code it is (:data:`DEFAULT_CONDITIONS`).
BARRIER_CONDITIONS: Final = {"hearing_impaired": "hearing_loss", "visually_impaired": "vision_loss"}
#: The shortest condition stem matched as a part of an unknown compound: its head
#: ("brystkræft") or its first part ("kræftsyg", "demensramt").
MIN_HEAD: Final = 4
#: The shortest stem of a note's word matched as the start of a condition stem: another
#: form the stemmer leaves longer or shorter ("hørehæmmet" for "hørehæmmede", "lungesyg"
#: for "lungesygdom"). Six letters: five would let everyday stems name a condition
#: ("hjert" of "hjertet" for heart disease).
MIN_PREFIX: Final = 6
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
    """The condition codes whose label or a synonym appears in ``text``: every stem of a
    phrase among the text's stems or compound parts; a one-word phrase also as a part of a
    compound the splitter does not know (:data:`MIN_HEAD`), or by another form of the word
    whose stem starts it (:data:`MIN_PREFIX`)."""
    words = tokens(text)
    terms = {t for word in words for t in word_terms(word)}

    def named(phrase: tuple[str, ...]) -> bool:
        if len(phrase) == 1 and len(phrase[0]) >= MIN_HEAD:
            stem = phrase[0]
            return any(
                t.endswith(stem) or t.startswith(stem) or (len(t) >= MIN_PREFIX and stem.startswith(t)) for t in terms
            )
        return set(phrase) <= terms

    return frozenset(code for code, phrases in _condition_stems().items() if any(named(p) for p in phrases))


def barrier_conditions(text: str, barriers: Iterable[str] = ()) -> frozenset[str]:
    """The condition codes of the ticked ``barriers`` and of the barriers the note's words
    name (:func:`matcher.barrier_phrases.suggest`), by :data:`BARRIER_CONDITIONS`."""
    codes = set(barriers) | {s["code"] for s in suggest(text)}
    return frozenset(BARRIER_CONDITIONS[c] for c in codes if c in BARRIER_CONDITIONS)


@lru_cache(maxsize=1)
def _newcomer_stems() -> frozenset[str]:
    return frozenset(word_terms(w)[0] for w in NEWCOMER_WORDS)


_WORD: Final = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=1)
def _foreign_names() -> frozenset[str]:
    """Casefolded one-word Danish names (CLDR, via Babel) of every country, Denmark included
    ("ny i Danmark"), and of :data:`NEWCOMER_LANGUAGES` ("arabisk", "ukrainsk")."""
    countries = {
        name for code, name in Locale("da").territories.items() if code.isalpha() and code not in NOT_COUNTRIES
    }
    names = countries | {name_da(code) for code in NEWCOMER_LANGUAGES}
    return frozenset(n.casefold() for n in names if _WORD.fullmatch(n.casefold()))


def _other_script(text: str) -> bool:
    """Whether ``text`` has a letter of a script other than Latin (Arabic, Cyrillic, ...)."""
    return any(ch.isalpha() and not unicodedata.name(ch, "").startswith("LATIN") for ch in text)


def names_newcomer(text: str) -> bool:
    """Whether ``text`` gives a sign of a newcomer to Denmark: a :data:`NEWCOMER_WORDS` word
    (by stem), a country or a :data:`NEWCOMER_LANGUAGES` language by its Danish name
    ("Kom fra Syrien"), or letters of another script than Latin (a note in Arabic)."""
    if any(word_terms(w)[0] in _newcomer_stems() for w in tokens(text)):
        return True
    return bool(set(_WORD.findall(text.casefold())) & _foreign_names()) or _other_script(text)


@dataclass(frozen=True)
class Situation:
    """What a note says of the citizen's situation: the conditions it names
    (:func:`named_conditions`, :func:`barrier_conditions`), whether it names a loss, and whether the citizen may
    be a newcomer (another language, or :func:`names_newcomer`)."""

    conditions: frozenset[str] = frozenset()
    loss: bool = False
    newcomer: bool = True


def situation_of(
    text: str,
    topics: Iterable[str],
    *,
    danish: bool = True,
    barriers: Iterable[str] = (),
    named: frozenset[str] | None = None,
) -> Situation:
    """The :class:`Situation` of a note with inferred ``topics`` and the request's ticked
    ``barriers``; ``danish`` is False for a citizen who speaks another language (request
    language not "da", or ``non_danish_speaker``). ``named`` is :func:`named_conditions` of
    ``text`` when the caller has it already (computed here when not given)."""
    if named is None:
        named = named_conditions(text)
    conditions = named | barrier_conditions(text, barriers)
    return Situation(conditions, LOSS_TOPIC in set(topics), not danish or names_newcomer(text))


def situation_factor(
    audience: Iterable[str] | None,
    conditions: frozenset[str],
    loss_named: bool,
    newcomer: bool = True,
    *,
    condition_factor: float = CONDITION_FACTOR,
    bereaved_factor: float = BEREAVED_FACTOR,
    newcomer_factor: float = NEWCOMER_FACTOR,
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
    if "newcomers" in codes and not newcomer:
        factor *= newcomer_factor
    return factor
