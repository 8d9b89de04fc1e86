"""Rows <-> records, and the row-level upserts every write is made of (catalogue.rows)."""

from __future__ import annotations

from datetime import date

import pytest

from catalogue.models import Offer, Organisation
from catalogue.rows import diff, free_id, name_key, offer_content, provided_org_fields, slugify
from catalogue.schemas import OfferSchema
from catalogue.store import Store
from tests.conftest import make_offer


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Auning Gåklub", "auning gaaklub"),
        ("  auning   GÅKLUB ", "auning gaaklub"),
        ("Auning Gaaklub", "auning gaaklub"),
        ("A\u030arhus", "aarhus"),
        ("Grenaa Roklub", "grenaa roklub"),
        ("Grenå-Roklub.", "grenaa roklub"),
        ("Ørum Borgerforening", "oerum borgerforening"),
        ("Oerum borger-forening", "oerum borger forening"),
        ("Lindy's Café", "lindys cafe"),
    ],
)
def test_name_key(name: str, key: str) -> None:
    assert name_key(name) == key


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Auning Gåklub", "auning-gaaklub"),
        ("Ørsted & Æbletræer", "oersted-aebletraeer"),
        ("Café Ümlaut!", "cafe-umlaut"),
        ("!!!", "organisation"),
        ("x" * 100, "x" * 80),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_diff_is_json_safe_and_only_changes() -> None:
    before = {"title": "Kor", "last_verified": date(2026, 1, 1), "places_total": 5}
    after = {"title": "Kor", "last_verified": date(2026, 2, 1), "places_total": None}
    assert diff(before, after) == {"last_verified": ["2026-01-01", "2026-02-01"], "places_total": [5, None]}
    assert diff({}, {"a": 1}) == {"a": [None, 1]}
    assert diff(after, after) == {}


def test_offer_content_drops_audit_fields_and_compares_the_organisation_by_id() -> None:
    offer = {
        "id": "a",
        "version": 3,
        "updated_by": "x",
        "organisation": {"id": "org-1", "name": "Kor"},
        "n": date(2026, 1, 1),
    }
    assert offer_content(offer) == {"id": "a", "organisation": {"id": "org-1"}, "n": "2026-01-01"}


def test_provided_org_fields() -> None:
    assert provided_org_fields({"organisation": {"id": "o", "name": "N", "colour": "red"}}) == {"name"}
    assert provided_org_fields({"organisation": "o"}) == set()
    assert provided_org_fields({}) == set()


def test_free_id(sqlite_store: Store) -> None:
    sqlite_store.import_offers([make_offer("kor"), make_offer("kor-2")], actor="x")
    with sqlite_store.read() as session:
        assert free_id(session, Offer, "kor") == "kor-3"
        assert free_id(session, Offer, "dans") == "dans"
        assert free_id(session, Organisation, "org-test-kor") == "org-test-kor-2"


def test_stored_offer_reads_back_as_the_record_it_was_loaded_from(store: Store) -> None:
    loaded = OfferSchema().load(make_offer("a", contact={"email": "kor@example.dk"}))
    store.import_offers([make_offer("a", contact={"email": "kor@example.dk"})], actor="x")
    stored = store.get_offer("a")
    assert {k: v for k, v in stored.items() if k not in ("created_at", "updated_at", "updated_by", "version")} == loaded


def test_organisations_upsert_by_id_and_by_name(store: Store) -> None:
    store.import_offers([make_offer("a", organisation={"name": "Auning Gåklub", "type": "association"})], actor="x")
    first = store.get_offer("a")["organisation"]
    assert first["id"] == "org-auning-gaaklub"
    # Same name, other case and spacing, no id: the same organisation.
    store.import_offers([make_offer("b", organisation={"name": "auning  gåklub"})], actor="x")
    assert store.get_offer("b")["organisation"]["id"] == first["id"]
    # By id, with a new description: updated, with its own audit event.
    store.import_offers(
        [make_offer("c", organisation={"id": first["id"], "name": "Auning Gåklub", "description": "Vi går."})],
        actor="y",
    )
    org = store.get_organisation(first["id"])
    assert org["description"] == "Vi går." and org["type"] == "association"  # type kept, not reset
    assert [h["action"] for h in store.history("organisation", first["id"])] == ["create", "update"]
    assert store.counts()["organisations"] == 1
