"""Soft preferences: they re-rank offers that are already on topic.

Each preference multiplies the fused relevance score by a bounded factor, so
an offer can only overtake offers whose relevance is within that factor of
its own: a small, welcoming group can move above a big one on the same
topic, but no preference can lift an off-topic offer above a relevant one.
Only the head of the fused list (``TOPICAL_DEPTH``) is re-ranked at all.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from indexer.documents import SearchDocument

from .audience import audience_factor
from .request import MatchRequest

TOPICAL_DEPTH = 30
MAX_BOOST = 1.35  # the most all preferences together may multiply a score by
DISTANCE_SCALE_KM = 10.0
DISTANCE_WEIGHT = 0.2  # a far offer keeps at least 80 % of its score
#: Without a car or with reduced mobility every kilometre costs more: a steeper,
#: deeper decay, still bounded (a far offer keeps at least 60 %). Chosen on the
#: tuning half of the vignettes (README, "Matcher quality").
CARLESS_BARRIERS = frozenset({"no_car", "reduced_mobility"})
CARLESS_DISTANCE_SCALE_KM = 5.0
CARLESS_DISTANCE_WEIGHT = 0.4
STALE_AFTER_MONTHS = 6
STALE_FULL_MONTHS = 24
STALE_WEIGHT = 0.15  # an offer unverified for two years keeps 85 %


@dataclass(frozen=True)
class Adjustment:
    preference: float  # product of the barrier-driven preferences, capped at MAX_BOOST
    distance: float
    freshness: float
    audience: float = 1.0  # the target-group factor (matcher.audience), 0 < f <= 1

    @property
    def factor(self) -> float:
        return self.preference * self.distance * self.freshness * self.audience


def preference_factor(req: MatchRequest, doc: SearchDocument) -> float:
    boost = 1.0
    if req.has("social_anxiety"):
        boost *= (
            1.0 + 0.15 * (doc.group_size == "small") + 0.08 * doc.newcomers_welcome + 0.10 * doc.companion_available
        )
        boost *= 0.9 if doc.group_size == "large" else 1.0
    if req.has("needs_companion"):
        boost *= 1.0 + 0.25 * doc.companion_available
    if req.has("hearing_impaired"):
        boost *= 1.0 + 0.15 * doc.hearing_loop
    if req.has("reduced_mobility"):
        boost *= 1.0 + 0.12 * doc.step_free + 0.08 * doc.near_public_transport
    if req.has("visually_impaired"):
        boost *= 1.0 + 0.08 * doc.companion_available + 0.05 * doc.near_public_transport
    if req.has("no_car"):
        boost *= 1.0 + 0.05 * (doc.near_public_transport or doc.transport_offered)
    return min(boost, MAX_BOOST)


def distance_factor(distance_km: float | None, online: bool, *, carless: bool = False) -> float:
    """Smooth decay with distance (km), no cliff: 1.0 at the door, about 0.87 at
    10 km, never below 0.8. ``carless`` (no car or reduced mobility,
    :data:`CARLESS_BARRIERS`): about 0.95 at 0.6 km, 0.62 at 14 km,
    never below 0.6. An online offer (no distance) gets the mid value 0.9."""
    if distance_km is None:
        return 1.0 - DISTANCE_WEIGHT / 2 if online else 1.0
    weight, scale = (
        (CARLESS_DISTANCE_WEIGHT, CARLESS_DISTANCE_SCALE_KM) if carless else (DISTANCE_WEIGHT, DISTANCE_SCALE_KM)
    )
    return 1.0 - weight * (1.0 - math.exp(-distance_km / scale))


def is_carless(req: MatchRequest) -> bool:
    """Whether distance weighs more for this citizen (:data:`CARLESS_BARRIERS`)."""
    return bool(req.barriers & CARLESS_BARRIERS)


def freshness_factor(last_verified: str | None, today: date) -> float:
    """Recently verified offers rank above stale ones; linear between 6 and 24 months."""
    if last_verified is None:
        return 1.0 - STALE_WEIGHT
    verified = date.fromisoformat(last_verified[:10])
    months = (today - verified).days / 30.44
    stale = min(1.0, max(0.0, (months - STALE_AFTER_MONTHS) / (STALE_FULL_MONTHS - STALE_AFTER_MONTHS)))
    return 1.0 - STALE_WEIGHT * stale


def adjust(
    req: MatchRequest,
    doc: SearchDocument,
    distance_km: float | None,
    today: date,
    audience: Iterable[str] | None = None,
    *,
    near: bool = False,
    situation: float = 1.0,
) -> Adjustment:
    """All soft factors for one offer; ``audience`` is the offer's target groups. ``near``
    weighs distance as for a citizen without a car (a vague note, :mod:`matcher.vague`);
    ``situation`` (:mod:`matcher.situation`) multiplies the target-group factor."""
    return Adjustment(
        preference=preference_factor(req, doc),
        # a place whose position is unknown while the citizen's is known: the mid value, as online (never "0 km")
        distance=distance_factor(
            distance_km, doc.online or (distance_km is None and req.lat is not None), carless=near or is_carless(req)
        ),
        freshness=freshness_factor(doc.last_verified, today),
        audience=audience_factor(audience, req.age, req.gender) * situation,
    )
