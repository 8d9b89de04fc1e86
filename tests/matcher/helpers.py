"""Hand-built offers and requests for the matcher's model-free tests."""

from __future__ import annotations

from typing import Any

from catalogue.schemas import OfferSchema
from matcher.request import MatchRequest
from tests.conftest import make_offer


def offer(offer_id: str = "t-1", **overrides: Any) -> dict[str, Any]:
    """A canonical catalogue offer (as the store returns it): by default
    "Seniorkor i Grenaa", Tuesdays 10:00-12:00, 150 kr. a year, step-free and
    wheelchair-accessible, 5 places left, verified 2026-09-01."""
    data: dict[str, Any] = OfferSchema().load(make_offer(offer_id, **overrides))
    return data


def request(interests: str = "sang", *barriers: str, **fields: Any) -> MatchRequest:
    """A match request with the given barrier codes (no gazetteer needed)."""
    return MatchRequest(interests=interests, barriers=frozenset(barriers), **fields)
