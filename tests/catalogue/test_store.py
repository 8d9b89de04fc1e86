"""The store of record, on SQLite and PostgreSQL (see the ``store`` fixture)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from catalogue.errors import InvalidRecord, NotFound, VersionConflict
from catalogue.models import AuditEvent, Base, CapacityEvent
from catalogue.store import RawRecord, Store
from tests.conftest import make_offer


def _dump(store: Store) -> list[dict[str, object]]:
    offers, _ = store.list_offers()
    return offers


def _audit_count(store: Store) -> int:
    with store.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(AuditEvent)) or 0


def test_migrations_match_models(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_import_creates_offers_and_organisations(store: Store) -> None:
    report = store.import_offers([make_offer("a"), make_offer("b", title="Gåtur")], actor="tester")
    assert report.committed and report.ok
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert report.organisations_created == 1
    offer = store.get_offer("a")
    assert offer["organisation"]["name"] == "Testkoret"
    assert offer["categories"] == ["sang", "musik"]
    assert offer["version"] == 1 and offer["updated_by"] == "tester"
    assert offer["created_at"].tzinfo is not None


def test_reimport_is_idempotent(store: Store) -> None:
    records = [make_offer("a"), make_offer("b", categories=["motion"], organisation={"name": "Gåklubben"})]
    store.import_offers(records, actor="one")
    before, audits = _dump(store), _audit_count(store)
    report = store.import_offers(records, actor="two")
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert report.organisations_created == report.organisations_updated == 0
    assert _dump(store) == before
    assert _audit_count(store) == audits


def test_reimport_with_a_change_updates_and_audits(store: Store) -> None:
    store.import_offers([make_offer("a")], actor="one")
    report = store.import_offers([make_offer("a", places_available=2)], actor="two")
    assert report.updated == 1
    offer = store.get_offer("a")
    assert offer["places_available"] == 2 and offer["version"] == 2 and offer["updated_by"] == "two"
    history = store.history("offer", "a")
    assert [h["action"] for h in history] == ["create", "update"]
    assert history[1]["actor"] == "two"
    assert history[1]["changes"] == {"places_available": [5, 2]}


def test_bad_record_means_nothing_is_written(store: Store) -> None:
    bad = make_offer("bad", title="  ", categories=["sang", "strikning"])
    report = store.import_offers([make_offer("a"), bad, make_offer("c")], actor="x")
    assert not report.committed
    assert [r.record for r in report.rejected] == [2]
    assert set(report.rejected[0].errors) == {"title", "categories"}
    assert "strikning" in report.rejected[0].errors["categories"][0]
    assert _dump(store) == [] and _audit_count(store) == 0


def test_skip_invalid_writes_the_valid_records_only(store: Store) -> None:
    bad = make_offer("bad", cost={"amount_dkk": -5, "per": "gang"})
    report = store.import_offers([make_offer("a"), bad], actor="x", skip_invalid=True)
    assert report.committed and report.created == 1
    assert report.rejected[0].errors == {"cost.amount_dkk": ["Cost must be between 0 and 100000 DKK."]}
    assert [o["id"] for o in _dump(store)] == ["a"]


def test_dry_run_writes_nothing(store: Store) -> None:
    report = store.import_offers([make_offer("a")], actor="x", dry_run=True)
    assert report.created == 1 and not report.committed
    assert _dump(store) == []


def test_duplicate_ids_in_one_file_are_rejected(store: Store) -> None:
    report = store.import_offers([make_offer("a"), make_offer("a", title="Andet")], actor="x")
    assert not report.committed
    assert report.rejected[0].record == 2
    assert "also record 1" in report.rejected[0].errors["id"][0]


def test_missing_id_is_rejected_for_import(store: Store) -> None:
    rec = make_offer()
    del rec["id"]
    report = store.import_offers([RawRecord(rec, line=7)], actor="x")
    assert report.rejected[0].line == 7 and "id" in report.rejected[0].errors


def test_conflicting_organisation_in_one_file(store: Store) -> None:
    org2 = {"id": "org-test-kor", "name": "Et andet navn", "type": "association"}
    report = store.import_offers([make_offer("a"), make_offer("b", organisation=org2)], actor="x")
    assert "organisation.name" in report.rejected[0].errors


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


def test_new_categories_from_the_file_extend_the_taxonomy(store: Store) -> None:
    report = store.import_offers(
        [make_offer("a", categories=["fiskeri"])], actor="x", categories={"fiskeri": "Fiskeri"}
    )
    assert report.committed
    assert store.categories()["fiskeri"] == "Fiskeri"


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
