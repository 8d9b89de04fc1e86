"""The store of record, on SQLite and PostgreSQL (see the ``store`` fixture)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from catalogue.errors import InvalidRecord, NotFound, VersionConflict
from catalogue.models import CapacityEvent, Category
from catalogue.privacy import CPR_MESSAGE
from catalogue.store import Store
from tests.conftest import make_offer


def test_update_with_the_right_version(store: Store) -> None:
    store.import_offers([make_offer("a")], actor="x")
    updated = store.update_offer("a", {"title": "Nyt navn"}, expected_version=1, actor="editor")
    assert updated["title"] == "Nyt navn" and updated["version"] == 2
    assert store.history("offer", "a")[-1]["changes"] == {"title": ["Seniorkor i Grenaa", "Nyt navn"]}


def test_stale_update_is_refused_and_returns_the_current_version(store: Store) -> None:
    store.import_offers([make_offer("a")], actor="x")
    store.update_offer("a", {"places_available": 1}, expected_version=1, actor="first")
    with pytest.raises(VersionConflict) as exc:
        store.update_offer("a", {"places_available": 9}, expected_version=1, actor="second")
    assert exc.value.current["version"] == 2 and exc.value.current["places_available"] == 1
    assert store.get_offer("a")["places_available"] == 1


def test_concurrent_editors_one_wins_one_conflicts(store: Store) -> None:
    store.import_offers([make_offer("a")], actor="x")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def edit(name: str, places: int) -> None:
        barrier.wait()
        try:
            store.update_offer("a", {"places_available": places}, expected_version=1, actor=name)
            outcomes.append("ok")
        except VersionConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=edit, args=(f"ed{i}", i)) for i in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    offer = store.get_offer("a")
    assert offer["version"] == 2
    assert [h["actor"] for h in store.history("offer", "a")][-1] == offer["updated_by"]


def test_invalid_update_is_refused_and_changes_nothing(store: Store) -> None:
    store.import_offers([make_offer("a")], actor="x")
    with pytest.raises(InvalidRecord) as exc:
        store.update_offer("a", {"places_available": 99}, expected_version=1, actor="x")
    assert "places_available" in exc.value.errors
    assert store.get_offer("a")["version"] == 1


def test_update_of_unknown_offer(store: Store) -> None:
    with pytest.raises(NotFound):
        store.update_offer("nope", {"title": "x"}, expected_version=None, actor="x")


def test_retire_keeps_the_offer_and_records_it(store: Store) -> None:
    store.import_offers([make_offer("a")], actor="x")
    retired = store.retire_offer("a", expected_version=1, actor="coordinator")
    assert retired["status"] == "ended"
    assert store.history("offer", "a")[-1]["action"] == "retire"


def test_capacity_update_only_accepts_capacity_fields(store: Store) -> None:
    store.import_offers([make_offer("a")], actor="x")
    with pytest.raises(InvalidRecord):
        store.update_capacity("a", {"title": 1}, expected_version=1, actor="x")  # type: ignore[dict-item]
    store.update_capacity("a", {"places_available": 0, "waitlist": 4}, expected_version=1, actor="forening")
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(CapacityEvent.places_available, CapacityEvent.waitlist).order_by(CapacityEvent.id)
        ).all()
    assert [tuple(r) for r in rows] == [(5, None), (0, 4)]


def test_list_filters_and_pagination(store: Store) -> None:
    store.import_offers(
        [
            make_offer("a"),
            make_offer("b", kind="volunteer_service", categories=["samtale"], location={"town": "Auning"}),
            make_offer("c", status="paused"),
        ],
        actor="x",
    )
    assert [o["id"] for o in store.list_offers(town="auning")[0]] == ["b"]
    assert [o["id"] for o in store.list_offers(category="sang")[0]] == ["a", "c"]
    assert [o["id"] for o in store.list_offers(kind="volunteer_service")[0]] == ["b"]
    assert [o["id"] for o in store.list_offers(status="paused")[0]] == ["c"]
    page, total = store.list_offers(limit=2, offset=2)
    assert total == 3 and [o["id"] for o in page] == ["c"]
    future = datetime.now(UTC) + timedelta(minutes=1)
    assert store.list_offers(modified_after=future) == ([], 0)
    assert [o["id"] for o in store.iter_offers(batch=2)] == ["a", "b", "c"]


def test_location_from_the_gazetteer(store: Store) -> None:
    store.import_offers([make_offer("a", location={"postcode": "8592"})], actor="x")
    loc = store.get_offer("a")["location"]
    assert loc["town"] == "Anholt" and loc["lat"] > 56.6


def test_seed_categories_adds_only_what_is_missing(sqlite_store: Store) -> None:
    from catalogue.taxonomy import DEFAULT_CATEGORIES

    sqlite_store.add_category("sang", "Korsang", actor="x")
    sqlite_store.add_category("fiskeri", "Fiskeri", actor="x")
    with sqlite_store.write() as session:
        session.execute(delete(Category).where(Category.code == "motion"))
    sqlite_store.seed_categories()
    cats = sqlite_store.categories()
    assert set(cats) == set(DEFAULT_CATEGORIES) | {"fiskeri"}
    assert cats["sang"] == "Korsang" and cats["motion"] == "Motion"


def test_add_category_checks_and_audits(store: Store) -> None:
    with pytest.raises(InvalidRecord) as exc:
        store.add_category("Fiske Ri", "Fiskeri", actor="x")
    assert set(exc.value.errors) == {"code"}
    with pytest.raises(InvalidRecord) as exc:
        store.add_category("fiskeri", "Fiskeri hos 010190-1234", actor="x")
    assert exc.value.errors == {"label_da": [CPR_MESSAGE]} and "fiskeri" not in store.categories()
    with pytest.raises(InvalidRecord) as exc:
        store.add_category("fiskeri", "<b>Fiskeri</b>", actor="x")
    assert exc.value.errors == {"label_da": ["Must not contain < or > (no markup)."]}
    store.add_category("fiskeri", "Fiskeri", actor="x")
    store.add_category("fiskeri", "Lystfiskeri", actor="y")
    assert store.categories()["fiskeri"] == "Lystfiskeri"
    assert [h["action"] for h in store.history("category", "fiskeri")] == ["create", "update"]


def test_create_offer_makes_a_free_id_from_the_title(store: Store) -> None:
    data = make_offer()
    del data["id"]
    first = store.create_offer(data, actor="x")
    second = store.create_offer(data, actor="x")
    assert (first["id"], second["id"]) == ("offer-seniorkor-i-grenaa", "offer-seniorkor-i-grenaa-2")
    with pytest.raises(InvalidRecord, match="id"):
        store.create_offer(make_offer(first["id"]), actor="x")
    assert store.versions([first["id"], "nope", second["id"]]) == {first["id"]: 1, second["id"]: 1}


def test_organisations_create_update_and_conflict(store: Store) -> None:
    org = store.create_organisation({"name": "Djurs Strikkeklub", "type": "association"}, actor="x")
    assert org["id"] == "org-djurs-strikkeklub" and org["version"] == 1
    updated = store.update_organisation(org["id"], {"description": "Vi strikker."}, expected_version=1, actor="y")
    assert updated["description"] == "Vi strikker." and updated["version"] == 2
    with pytest.raises(VersionConflict):
        store.update_organisation(org["id"], {"description": "Gammel"}, expected_version=1, actor="z")
    with pytest.raises(InvalidRecord):
        store.update_organisation(org["id"], {"cvr": "12"}, expected_version=2, actor="z")
    page, total = store.list_organisations()
    assert total == 1 and page[0]["description"] == "Vi strikker."
    assert set(store.organisation_created_dates()) == {org["id"]}
