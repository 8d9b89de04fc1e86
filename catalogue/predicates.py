"""Domain predicates shared by the indexer (which stores them as filter
fields) and the matcher's independent rule check (which recomputes them from
the offer). Keeping them here, on the ground floor, lets both use the same
definition without the rule check depending on the indexer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

#: A daytime slot ends by this time; an evening slot starts at or after it
#: ("HH:MM", local time). 17:00 is when most Danish workplaces close.
DAY_ENDS = "17:00"

# Danish-learning and language-café offers stay open to citizens who do not
# share their language: that is the point of them.
_LANGUAGE_LEARNING = re.compile(
    r"sprogcaf|sprog-caf|language caf|dansk for (nye|udlændinge|begyndere|tosprogede)|lær(e)? dansk|"
    r"danskundervisning|dansktræning|sprogtræning|sprogven|taledansk|snak dansk|lektiecaf[eé] for voksne",
    re.IGNORECASE,
)


def is_language_learning(text: str) -> bool:
    """True when ``text`` (title, description, …) describes a Danish-learning
    or language-café offer."""
    return bool(_LANGUAGE_LEARNING.search(text or ""))


def has_daytime_slot(slots: Iterable[Mapping[str, Any]]) -> bool:
    """True when at least one slot (``{"start": "HH:MM", "end": "HH:MM"}``) ends by :data:`DAY_ENDS`."""
    return any(s["end"] <= DAY_ENDS for s in slots)


def has_evening_slot(slots: Iterable[Mapping[str, Any]]) -> bool:
    """True when at least one slot starts at or after :data:`DAY_ENDS`."""
    return any(s["start"] >= DAY_ENDS for s in slots)
