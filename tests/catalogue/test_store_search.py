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


def test_text_folds_danish_letters_and_aa_spellings(store: Store) -> None:
    """SQLite's lower() folds ASCII only; PostgreSQL's knows Æ but not Grenaa = Grenå: both search folded keys."""
    offers = [
        make_offer("f-1", title="Æblehave for alle"),
        make_offer("f-2", title="Gåtur i ørum", organisation={"id": "org-f", "name": "Grenaa Gangklub"}),
        make_offer("f-3", title="Café Søndag"),
    ]
    assert store.import_offers(offers, actor="test").committed
    found = {q: sorted(o["id"] for o in store.list_offers(text=q)[0]) for q in ("ÆBLE", "Ørum", "grenå", "GAATUR")}
    assert found == {"ÆBLE": ["f-1"], "Ørum": ["f-2"], "grenå": ["f-2"], "GAATUR": ["f-2"]}
    assert [o["id"] for o in store.list_offers(text="CAFÉ SØNDAG")[0]] == ["f-3"]
    assert [o["id"] for o in store.list_offers(text="Cafe-Søndag")[0]] == ["f-3"]  # punctuation as a space
    items, total = store.list_organisations(text="GRENÅ gang")
    assert total == 1 and items[0]["name"] == "Grenaa Gangklub"


def test_a_renamed_offer_is_found_by_its_new_title(store: Store) -> None:
    assert store.import_offers([make_offer("r-1", title="Strikkecafé")], actor="test").committed
    store.update_offer("r-1", {"title": "Æbleplukning"}, expected_version=1, actor="test")
    assert [o["id"] for o in store.list_offers(text="æble")[0]] == ["r-1"]
    assert store.list_offers(text="strikke")[1] == 0


def test_audience_keeps_offers_for_that_group_or_for_everyone(store: Store) -> None:
    offers = [
        make_offer("a-1", title="Seniordans", audience=["seniors"]),
        make_offer("a-2", title="Demenscafé", audience=["relatives", "Demens"]),
        make_offer("a-3", title="Fællesspisning"),
        make_offer("a-4", title="Ungdomsklub", audience=["young_people"]),
    ]
    assert store.import_offers(offers, actor="test").committed

    def ids(**kw: object) -> list[str]:
        return sorted(o["id"] for o in store.list_offers(**kw)[0])  # type: ignore[arg-type]

    assert ids(audience="seniors") == ["a-1"]
    assert ids(audience="condition:dementia") == ["a-2"]
    assert ids(audience="people_with_condition") == ["a-2"]  # a condition brings its group
    assert ids(audience="people_with_disability") == []
    assert ids(audience="young_people") == ["a-4"]
    assert ids(audience="young_peopl") == []  # a whole code, not a prefix
    assert ids(audience="young%people") == []  # % and _ are literal
    assert ids(for_everyone=True) == ["a-3"]
    assert ids(audience="seniors", text="dans") == ["a-1"]
