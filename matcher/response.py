"""What a match returns: the ranked results and what the navigator should know about them.

Plain dataclasses; :meth:`MatchResponse.to_dict` gives the JSON shape that
``api.match`` serialises (``MatchResponseSchema``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Result:
    """One offer in the ranking, explained for the navigator."""

    offer_id: str
    title: str
    organisation: str  # the organisation's name
    kind: str
    town: str | None  # "online" for an online offer without a town
    distance_km: float | None  # from the citizen's home, one decimal; None when either has no point
    score: float  # the combined ranking score, rounded to 6 decimals (only its order means anything)
    reasons: list[str]  # Danish: why it fits (matcher.explain.reasons)
    accommodations: list[str]  # Danish: which barriers it meets
    cautions: list[str]  # Danish: what to check first
    next_slots: list[dict[str, str]]  # {"date", "weekday", "start", "end"}

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class MatchResponse:
    """The whole answer to one match request.

    ``excluded`` counts, per hard rule, how many of the most relevant offers
    (before any rule) the rule removed; ``excluded_labels`` gives each rule's
    Danish text. ``full_waitlist`` lists relevant offers that fit in every way
    but are full; ``companion_services`` volunteer services that can go along.
    ``suggested_barriers`` are barrier phrases found in the citizen's text
    that the navigator did not tick (``{"code", "quote"}``, see
    :mod:`matcher.barrier_phrases`): shown for the navigator to confirm, never
    applied to this ranking.
    """

    query_id: str
    results: list[Result]
    excluded: dict[str, int]
    excluded_labels: dict[str, str]
    inferred_categories: list[str]
    full_waitlist: list[dict[str, Any]] = field(default_factory=list)
    companion_services: list[dict[str, Any]] = field(default_factory=list)
    suggested_barriers: list[dict[str, str]] = field(default_factory=list)
    no_good_match: bool = False
    advice: str | None = None
    notes: list[str] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["results"] = [r.to_dict() for r in self.results]
        return out
