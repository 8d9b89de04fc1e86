"""Utilisation: referrals that started at each offer against its places.

:func:`referral_starts` is the one place that reads "a referral started at an
offer". Today a referral's status history says when it moved to ``started``
and the referral lists its proposed offers (``offer_ids``), so a start counts
once for each of those offers; when the referral lifecycle records the offer
each start happened at, only this function changes.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any, Final

from sqlalchemy import select

from capacity.supply import OfferHistory, end_of, start_of
from catalogue.store import Store
from referrals.models import Referral, ReferralEvent

from .suppress import shown

STARTED: Final = "started"


def referral_starts(store: Store, start: date, end: date) -> Counter[str]:
    """``{offer id: referrals started there}`` for starts from ``start`` to ``end`` (each referral once per offer)."""
    stmt = (
        select(Referral.id, Referral.offer_ids)
        .join(ReferralEvent, ReferralEvent.referral_id == Referral.id)
        .where(
            ReferralEvent.status == STARTED,
            ReferralEvent.at >= start_of(start),
            ReferralEvent.at <= end_of(end),
        )
    )
    started: dict[str, list[str]] = {}  # referral id -> its offers, each referral once
    with store.read() as session:
        for referral_id, offer_ids in session.execute(stmt):
            started[referral_id] = list(offer_ids or [])
    return Counter(offer_id for offer_ids in started.values() for offer_id in set(offer_ids))


def utilisation(starts: Counter[str], history: OfferHistory, day: date) -> list[dict[str, Any]]:
    """Per offer with a start: starts (suppressed below 5) against its places on ``day``;
    ``share`` is starts / places_total, shown only when the starts are."""
    states = history.states(day)
    out = []
    for offer_id, n in sorted(starts.items(), key=lambda kv: (-kv[1], kv[0])):
        offer = states.get(offer_id) or {}
        places = offer.get("places_total")
        count = shown(n)
        out.append(
            {
                "offer_id": offer_id,
                "title": offer.get("title"),
                "started": count,
                "places_total": places,
                "share": round(n / places, 3) if places and isinstance(count, int) else None,
            }
        )
    return out
