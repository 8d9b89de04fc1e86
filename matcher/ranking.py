"""Ranking helpers: how the fused relevance becomes the list a navigator sees.

- :func:`combined_score`: the fused relevance times the bounded soft factors
  (preferences, distance, freshness, target group; see :mod:`matcher.preferences`) and the
  topic boost;
- :func:`diversify`: at most :data:`MAX_PER_ORGANISATION` offers per
  organisation in the top :data:`DIVERSITY_WINDOW`, unless nothing else fits;
- :func:`full_offers`: relevant offers that are full, listed apart;
- :func:`count_exclusions`: what each hard rule removed from the most relevant offers;
- :func:`is_weak`: whether the answer counts as "no good match".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from catalogue.geo import nearest_place
from indexer.backend import Candidate
from indexer.documents import SearchDocument
from indexer.filters import matches

from .preferences import Adjustment
from .request import MatchRequest
from .response import Result
from .rules import Rule, as_filter

MAX_PER_ORGANISATION: Final = 3
DIVERSITY_WINDOW: Final = 10
FULL_OFFERS_SHOWN: Final = 3
#: (1 + cos) / 2 below this, with no shared words, is a weak match. Chosen on
#: the evaluation set's "no match" vignettes (README, "Matcher quality").
WEAK_VECTOR_SCORE: Final = 0.9


def distance_km(req: MatchRequest, offer: Mapping[str, Any]) -> float | None:
    """Great-circle km from the citizen's point to the offer's nearest place (its location or one
    of its ``other_locations``), one decimal; None when either has no point."""
    if req.lat is None or req.lon is None:
        return None
    nearest = nearest_place(offer, req.lat, req.lon)
    return None if nearest is None else round(nearest[1], 1)


def combined_score(
    relevance: float,
    parts: Adjustment,
    *,
    preferences: bool = True,
    distance: bool = True,
    freshness: bool = True,
    audience: bool = True,
    topic_boost: float = 0.0,
) -> float:
    """The ranking score: ``relevance`` times each enabled factor of ``parts``,
    times ``1 + topic_boost`` (pass 0 for an offer outside the inferred topics)."""
    factor = (
        (parts.preference if preferences else 1.0)
        * (parts.distance if distance else 1.0)
        * (parts.freshness if freshness else 1.0)
        * (parts.audience if audience else 1.0)
        * (1.0 + topic_boost)
    )
    return relevance * factor


def diversify(ranked: Sequence[tuple[str, float]], org_of: Mapping[str, str], limit: int) -> list[tuple[str, float]]:
    """Best first, at most :data:`MAX_PER_ORGANISATION` per organisation in the
    top :data:`DIVERSITY_WINDOW`; held-back offers fill remaining places only
    when nothing else is left.

    ``ranked`` is ``(offer id, score)`` best first; ``org_of`` maps every offer
    id in it to its organisation id. Returns at most ``limit`` items."""
    chosen: list[tuple[str, float]] = []
    held: list[tuple[str, float]] = []
    per_org: dict[str, int] = {}
    for item in ranked:
        org = org_of[item[0]]
        if len(chosen) < DIVERSITY_WINDOW and per_org.get(org, 0) >= MAX_PER_ORGANISATION:
            held.append(item)
            continue
        per_org[org] = per_org.get(org, 0) + 1
        chosen.append(item)
        if len(chosen) == limit:
            return chosen
    return (chosen + held)[:limit]


def full_offers(
    rules: list[Rule],
    pool: Sequence[Candidate],
    offers: Mapping[str, Mapping[str, Any]],
    docs: Mapping[str, SearchDocument],
    limit: int = FULL_OFFERS_SHOWN,
) -> list[dict[str, Any]]:
    """Relevant offers that pass every rule but "full": listed apart, in
    ``pool`` order, at most ``limit``, as ``{"offer_id", "title",
    "organisation", "waitlist"}``."""
    without_full = as_filter(rules, skip=frozenset({"full"}))
    out: list[dict[str, Any]] = []
    for cand in pool:
        doc = docs.get(cand.id)
        if doc is None or doc.has_places or not matches(without_full, doc):
            continue
        offer = offers[cand.id]
        out.append(
            {
                "offer_id": cand.id,
                "title": offer["title"],
                "organisation": offer["organisation"]["name"],
                "waitlist": offer.get("waitlist"),
            }
        )
        if len(out) == limit:
            break
    return out


def count_exclusions(
    rules: list[Rule], pool: Sequence[Candidate], docs: Mapping[str, SearchDocument]
) -> dict[str, int]:
    """For each rule, how many of the most relevant offers (before any rule)
    it removes; rules that remove none are left out."""
    counts: dict[str, int] = {}
    for rule in rules:
        flt = as_filter([rule])
        n = sum(1 for cand in pool if cand.id in docs and not matches(flt, docs[cand.id]))
        if n:
            counts[rule.name] = n
    return counts


def is_weak(results: Sequence[Result], lexical: Sequence[Candidate], vector: Sequence[Candidate]) -> bool:
    """No results, or none of the top three shares a word with the citizen's
    text (is among the ``lexical`` candidates) and none is close in meaning
    (``vector`` score below :data:`WEAK_VECTOR_SCORE`): recorded as "no good match"."""
    if not results:
        return True
    top = [r.offer_id for r in results[:3]]
    if any(c.id in top for c in lexical):
        return False
    closeness = {c.id: c.score for c in vector}
    return max((closeness.get(oid, 0.0) for oid in top), default=0.0) < WEAK_VECTOR_SCORE
