"""Match requests and referral starts on top of tests/capacity/history.py.

March 2026 (the report period), 20 requests:
  A  6 x Grenaa, motion, wheelchair_user: no good match; 4 without results (wheelchair rule removed 5)
  B  5 x Auning, sang, no barrier: no good match, no results (no_car removed 4, cost 3)
  C  7 x Grenaa, sang, no barrier: good match (o1)
  D  2 x Grenaa, natur, hearing_impaired: no good match, no results, nothing excluded
plus one request on 5 April (outside the period).
Referrals: 6 started at o3 and 2 at o2 in March; 1 started at o3 in February.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from catalogue.store import Store
from matcher.log import record_match
from referrals.models import Referral, ReferralEvent
from tests.capacity.history import at

GROUPS = [
    # (n, day, town, categories, barriers, results, excluded, no_good_match)
    (4, "2026-03-03", "Grenaa", ["motion"], ["wheelchair_user"], [], {"wheelchair_user": 5, "distance": 2}, True),
    (2, "2026-03-04", "Grenaa", ["motion"], ["wheelchair_user"], ["o3"], {}, True),
    (5, "2026-03-06", "Auning", ["sang"], [], [], {"cost": 3, "no_car": 4}, True),
    (7, "2026-03-08", "Grenaa", ["sang"], [], ["o1"], {}, False),
    (2, "2026-03-31", "Grenaa", ["natur"], ["hearing_impaired"], [], {}, True),
    (1, "2026-04-05", "Grenaa", ["motion"], [], [], {}, True),
]


def build_demand(store: Store) -> None:
    for n, day, town, categories, barriers, results, excluded, weak in GROUPS:
        with at(day):
            for _ in range(n):
                record_match(
                    store,
                    query_id=str(uuid.uuid4()),
                    actor="key:nav",
                    town=town,
                    age=67,
                    language="da",
                    barriers=barriers,
                    categories=categories,
                    kinds=[],
                    result_ids=results,
                    excluded=excluded,
                    no_good_match=weak,
                )
    starts = [("o3", "2026-03-12")] * 6 + [("o2", "2026-03-13")] * 2 + [("o3", "2026-02-12")]
    with store.write() as session:
        for i, (offer_id, day) in enumerate(starts):
            when = datetime.fromisoformat(day).replace(hour=9, tzinfo=UTC)
            ref = Referral(
                id=str(uuid.uuid4()),
                citizen_ref=f"p-{i:04d}",
                source="test",
                reasons=[],
                status="started",
                offer_ids=[offer_id],
                wellbeing={},
                created_at=when,
                updated_at=when,
                updated_by="test",
            )
            session.add(ref)
            session.flush()
            session.add(ReferralEvent(referral_id=ref.id, at=when, actor="test", status="started", changes={}))
