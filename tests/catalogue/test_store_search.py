"""Store.list_offers' text and verified-age filters and the review order (the volunteer centre's lists),
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

from catalogue.store import Store
from tests.conftest import make_offer


def _seed(store: Store) -> None:
    offers = [
        make_offer("s-1", title="Strikkecafé", last_verified="2024-01-10"),
        make_offer("s-2", title="Seniorkor", last_verified="2025-06-01"),
        make_offer("s-3", title="Gåtur 100%_sikker", last_verified=None),
        make_offer("s-4", title="Brætspil", last_verified="2026-11-01"),
    ]
    assert store.import_offers(offers, actor="test").committed


def test_text_matches_title_or_organisation_case_insensitively(store: Store) -> None:
    _seed(store)
    assert [o["id"] for o in store.list_offers(text="STRIKKE")[0]] == ["s-1"]
    assert store.list_offers(text="testkoret")[1] == 4  # make_offer's organisation name
    assert [o["id"] for o in store.list_offers(text="100%_")[0]] == ["s-3"]
    assert store.list_offers(text="0%x")[1] == 0  # % and _ are literal, not wildcards


def test_verified_before_keeps_old_and_unknown_oldest_first(store: Store) -> None:
    _seed(store)
    items, total = store.list_offers(verified_before=date(2025, 11, 30), oldest_verified_first=True)
    assert total == 3
    assert [o["id"] for o in items] == ["s-3", "s-1", "s-2"]  # never verified, then oldest first
    assert [o["id"] for o in store.list_offers(verified_before=date(2024, 1, 10))[0]] == ["s-3"]  # strictly before


def test_organisations_by_name(store: Store) -> None:
    _seed(store)
    assert store.create_organisation({"name": "Besøgsvennerne Auning"}, actor="t")
    items, total = store.list_organisations(text="besøgsvenner")
    assert total == 1 and items[0]["name"] == "Besøgsvennerne Auning"
