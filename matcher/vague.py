"""Vague notes: the citizen names no interest ("Bare noget", "Åben for alt").

A navigator's note can say only that the citizen wants *something*. The
vignettes' grading rule for such notes (``matcher/data/VIGNETTES.md``,
"Grades") is the navigators' practice: open meeting places near the citizen
(pensioners' clubs, cafés, the network café) first, hobby-specific offers
after. The citizen's words carry no topic, so the lexical and dense searches
on them find whatever shares a filler word ("noget", "bare").

:func:`is_vague` tells such a note by a phrase of :data:`VAGUE_PHRASES` when
the topic lexicon finds no topic but company (``samtale``) and the note names
no condition. For a vague note
the matcher adds :data:`MEETING_PLACE_QUERY` as a further ranking (lexical and
dense) and weighs distance as for a citizen without a car.

The phrases were written by hand from Danish usage and the notes of the tuning
half of the vignettes only (``matcher.eval.half_of``; README, "Matcher
quality"). A review found one phrase, "komme lidt ud", that occurs in a
held-out note and in no tuning note; it was removed (README, "Matcher
quality", for the held-out figure measured after). The weight of the two meeting-place rankings
(:data:`VAGUE_RANKING_WEIGHT`) was chosen on that half: nDCG@10 0.706 without,
0.717 at 0.5, 0.730 at 1.0, **0.737 at 1.5**, 0.737 at 2.0, 0.734 at 3.0
(vague notes alone: 0.15, 0.30, 0.47, 0.57, 0.57, 0.53). Without the distance
preference the weight 1.0 scores 0.720, and with the embedding's topic guess
instead of ``samtale`` 0.727.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

#: Phrases by which a note says "anything" (Danish, case-insensitive, whole words).
VAGUE_PHRASES: Final = (
    r"bare noget",
    r"noget socialt",
    r"ved ikke",
    r"åben for alt",
    r"åben for hvad som helst",
    r"hvad som helst",
    r"lidt af hvert",
    r"alt muligt",
    r"ingen særlige ønsker",
    r"ingen bestemte ønsker",
    r"ikke noget bestemt",
    r"noget at tage sig til",
    r"komme ud(?: af huset)?",
)
_VAGUE: Final = re.compile(r"\b(?:" + "|".join(VAGUE_PHRASES) + r")\b", re.IGNORECASE)

#: The weight of each meeting-place ranking (lexical and dense) in the fusion.
VAGUE_RANKING_WEIGHT: Final = 1.5

#: Topics that do not make a note specific: wanting company is what a vague note says.
GENERIC_TOPICS: Final = frozenset({"samtale"})

#: What a vague note is taken to ask for: an open meeting place.
MEETING_PLACE_QUERY: Final = "åbent mødested for alle: café, klub, kaffe, fællesspisning og samvær med andre"


def vague_words(text: str) -> set[str]:
    """The lowercased words of every :data:`VAGUE_PHRASES` phrase in ``text``: an explanation
    never quotes them as interests ("ved" of "Ved ikke" matches "Fælleshaven ved Kildegården")."""
    return {w.casefold() for m in _VAGUE.finditer(text) for w in m.group(0).split()}


def is_vague(text: str, lexicon_topics: Iterable[str], *, names_condition: bool = False) -> bool:
    """Whether ``text`` only says the citizen wants something: a :data:`VAGUE_PHRASES`
    phrase, no topic from the lexicon (``lexicon_topics``) beyond :data:`GENERIC_TOPICS`,
    and no condition named (``names_condition``, :func:`matcher.situation.named_conditions`):
    "Min mand har alzheimer, og jeg trænger til at komme ud" asks for the dementia groups,
    which the lexicon has no topic word for, not for any meeting place."""
    return not names_condition and bool(_VAGUE.search(text)) and set(lexicon_topics) <= GENERIC_TOPICS
