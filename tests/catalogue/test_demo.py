"""The bundled Norddjurs demo catalogue: what a new user sees first."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from api.cli import demo_path
from catalogue.fileformats import read_any
from catalogue.models import AuditEvent
from catalogue.store import Store


@pytest.fixture(scope="module")
def parsed():  # type: ignore[no-untyped-def]
    return read_any(demo_path())


def test_marked_as_illustrative(parsed) -> None:  # type: ignore[no-untyped-def]
    assert parsed.meta["illustrative"] is True
    assert "Illustrative" in parsed.meta["notice"] and "opdigtede" in parsed.meta["notice_da"]
    for record in parsed.records:
        org = record.data["organisation"]
        for contact in (org.get("contact") or {}, record.data.get("contact") or {}):
            for key in ("email", "website"):
                if contact.get(key):
                    assert ".example" in contact[key], contact


def test_size_and_spread(parsed) -> None:  # type: ignore[no-untyped-def]
    offers = [r.data for r in parsed.records]
    assert len(offers) >= 150
    assert len({o["organisation"]["id"] for o in offers}) >= 60
    towns = Counter(o["location"]["town"] for o in offers if not o["location"]["online"])
    assert len(towns) >= 10 and towns["Anholt"] >= 3
    assert max(towns.values()) / len(offers) < 0.6  # not all in Grenaa
    kinds = Counter(o["kind"] for o in offers)
    assert min(kinds.values()) >= 15, kinds
    assert sum(o["places_available"] == 0 for o in offers) >= 5  # some are full
    assert sum(o["status"] != "active" for o in offers) >= 5


def test_loads_whole_and_twice_leaves_the_same_store(store: Store, parsed) -> None:  # type: ignore[no-untyped-def]
    first = store.import_offers(parsed.records, actor="demo", categories=parsed.categories)
    assert first.committed and first.ok, first.rejected[:3]
    assert first.created == len(parsed.records)
    snapshot, _ = store.list_offers()
    with store.engine.connect() as conn:
        audits = conn.scalar(select(func.count()).select_from(AuditEvent))
    second = store.import_offers(parsed.records, actor="someone-else", categories=parsed.categories)
    assert (second.created, second.updated, second.unchanged) == (0, 0, len(parsed.records))
    assert store.list_offers()[0] == snapshot
    with store.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(AuditEvent)) == audits
