"""A catalogue history over four simulated months, written through the real store
with the clock moved by time-machine. Figures in the tests are worked out by hand
from this list (see each test's comments).

2026-01-05  o1 (org A, Grenaa, sang, 20 places / 5 free, 2 volunteers) and
            o2 (org B, Auning, motion, 10 / 10, 1 volunteer, companion) created
2026-01-20  A reports 10 volunteers, 2 companions
(baseline 2026-01-31)
2026-02-10  o3 (org C, Grenaa, motion, 15 / 15, 3 volunteers, companion) created
2026-02-15  grant G1 to C: 200,000 kr. committed 2026-02-01 for o3
            (expected 1 offer, 15 places, 5 volunteers, 2 companions)
2026-02-20  G1 paid 100,000 kr.
2026-03-01  o1's capacity: 30 places, 0 free, 4 waiting
2026-03-05  C reports 6 volunteers, 2 companions
2026-03-10  o2 moves to Grenaa and adds the category natur
2026-03-20  o1 retired
2026-04-01  A reports 12 volunteers, 3 companions
2026-04-10  o3 expanded to 25 places (a later edit: March stays as it was)
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import time_machine

from capacity.ledger import add_grant, add_payment, to_ore
from capacity.volunteers import report_volunteers
from catalogue.store import Store
from tests.conftest import make_offer

BASELINE = date(2026, 1, 31)
ORG_A = {"id": "org-a", "name": "Grenaa Sangforening", "type": "association"}
ORG_B = {"id": "org-b", "name": "Auning Motion", "type": "association"}
ORG_C = {"id": "org-c", "name": "Grenaa Gå-venner", "type": "association"}
AUNING = {"address": "Torvet 2", "postcode": "8963", "town": "Auning"}


def at(day: str) -> time_machine.travel:
    return time_machine.travel(datetime.fromisoformat(day).replace(hour=10, tzinfo=UTC), tick=False)


def offer(offer_id: str, **overrides: object) -> dict[str, object]:
    return make_offer(offer_id, last_verified="2025-12-01", **overrides)


def _update(store: Store, offer_id: str, changes: dict[str, object]) -> None:
    version = store.get_offer(offer_id)["version"]
    store.update_offer(offer_id, changes, expected_version=version, actor="test")


def build_history(store: Store) -> dict[str, str]:
    """Write the history above; returns ``{"G1": grant id}``."""
    with at("2026-01-05"):
        store.import_offers(
            [
                offer("o1", organisation=ORG_A, categories=["sang"], places_total=20, places_available=5, volunteers=2),
                offer(
                    "o2",
                    title="Motion for alle",
                    organisation=ORG_B,
                    categories=["motion"],
                    location=AUNING,
                    places_total=10,
                    places_available=10,
                    volunteers=1,
                    companion_available=True,
                ),
            ],
            actor="test",
        )
    with at("2026-01-20"):
        report_volunteers(store, "org-a", reported_on=date(2026, 1, 20), volunteers=10, companions=2, actor="test")
    with at("2026-02-10"):
        store.create_offer(
            offer(
                "o3",
                title="Gåtur i Grenaa",
                organisation=ORG_C,
                categories=["motion"],
                places_total=15,
                places_available=15,
                volunteers=3,
                companion_available=True,
            ),
            actor="test",
        )
    with at("2026-02-15"):
        g1 = add_grant(
            store,
            organisation_id="org-c",
            amount_ore=to_ore(Decimal("200000")),
            committed_on=date(2026, 2, 1),
            purpose="Gå-venner i Grenaa",
            expected={"offers": 1, "places": 15, "volunteers": 5, "companions": 2},
            offer_ids=["o3"],
            actor="test",
        )["id"]
    with at("2026-02-20"):
        add_payment(store, g1, paid_on=date(2026, 2, 20), amount_ore=to_ore(100_000), actor="test")
    with at("2026-03-01"):
        version = store.get_offer("o1")["version"]
        store.update_capacity(
            "o1", {"places_total": 30, "places_available": 0, "waitlist": 4}, expected_version=version, actor="t"
        )
    with at("2026-03-05"):
        report_volunteers(store, "org-c", reported_on=date(2026, 3, 5), volunteers=6, companions=2, actor="test")
    with at("2026-03-10"):
        _update(store, "o2", {"location": make_offer()["location"], "categories": ["motion", "natur"]})
    with at("2026-03-20"):
        store.retire_offer("o1", expected_version=store.get_offer("o1")["version"], actor="test")
    with at("2026-04-01"):
        report_volunteers(store, "org-a", reported_on=date(2026, 4, 1), volunteers=12, companions=3, actor="test")
    with at("2026-04-10"):
        _update(store, "o3", {"places_total": 25, "places_available": 25})
    return {"G1": g1}
