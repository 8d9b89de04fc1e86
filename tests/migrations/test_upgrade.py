"""Upgrading a database that holds data, on SQLite and PostgreSQL.

A database at today's head ("0004") gets one row in every table, written
with plain SQL (not the models, which follow the newest schema); then
``migrations.upgrade`` runs and the data, the revision and the schema are
checked. ``compare_metadata`` finding no difference proves that the models
and the migrations describe the same schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import JSON, Date, DateTime, LargeBinary, bindparam, text
from sqlalchemy.types import TypeEngine

import migrations
from catalogue import taxonomy
from catalogue.store import Store
from migrations.metadata import metadata
from tests.conftest import temporary_pg_database

#: The schema the rows below are written for.
FROM_REVISION = "0004"

AT = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)

#: One row per table, in an order that satisfies the foreign keys.
ROWS: dict[str, dict[str, Any]] = {
    "category": {"code": "testkategori", "label_da": "Testkategori", "created_at": AT},
    "organisation": {
        "id": "org-1",
        "name": "Grenaa Seniorkor",
        "name_key": "grenå seniorkor",  # the key before 0006_w9d folded å to aa
        "type": "association",
        "description": "Et kor.",
        "contact": {"email": "kor@example.org"},
        "cvr": "12345678",
        "created_at": AT,
        "updated_at": AT,
        "updated_by": "tests",
        "version": 3,
    },
    "offer": {
        "id": "offer-1",
        "kind": "activity",
        "title": "Ældre synger i Grenå",
        "description": "Vi synger.",
        "organisation_id": "org-1",
        "address": "Torvet 1",
        "postcode": "8500",
        "town": "Grenaa",
        "lat": 56.4153,
        "lon": 10.877,
        "online": False,
        "slots": [{"weekday": 2, "start": "10:00", "end": "12:00"}],
        "valid_from": date(2026, 1, 1),
        "valid_to": None,
        "cost_amount_dkk": 150.0,
        "cost_per": "år",
        "accessibility": ["step_free"],
        "languages": ["da"],
        "age_min": 60,
        "age_max": None,
        "group_size": "medium",
        "newcomers_welcome": True,
        "companion_available": False,
        "transport_offered": False,
        "places_total": 30,
        "places_available": 5,
        "waitlist": 0,
        "volunteers": 2,
        "status": "active",
        "last_verified": date(2026, 9, 1),
        "contact": None,
        "created_at": AT,
        "updated_at": AT,
        "updated_by": "tests",
        "version": 2,
    },
    "offer_category": {"offer_id": "offer-1", "category_code": "testkategori", "position": 0},
    "audit_event": {
        "id": 1,
        "entity_type": "offer",
        "entity_id": "offer-1",
        "action": "create",
        "actor": "tests",
        "at": AT,
        "version": 1,
        "changes": {"title": [None, "Ældre synger i Grenå"]},
    },
    "capacity_event": {
        "id": 1,
        "offer_id": "offer-1",
        "organisation_id": "org-1",
        "at": AT,
        "status": "active",
        "places_total": 30,
        "places_available": 5,
        "waitlist": 0,
        "volunteers": 2,
        "actor": "tests",
    },
    "embedding_cache": {
        "model_id": "fake-384",
        "content_hash": "ab" * 32,
        "dim": 3,
        "vector": b"\x00\x01\x02\x03\xff",
        "created_at": AT,
    },
    "match_log": {
        "id": "00000000-0000-0000-0000-000000000001",
        "at": AT,
        "actor": "key:test-navigator",
        "town": "Grenaa",
        "age_band": "60-69",
        "language": "da",
        "barriers": ["transport"],
        "categories": ["sang"],
        "kinds": ["activity"],
        "result_ids": ["offer-1"],
        "excluded": {"full": 1},
        "no_good_match": False,
    },
    "api_key": {
        "id": 1,
        "name": "test-navigator",
        "role": "navigator",
        "prefix": "fm_abcdefgh",
        "key_hash": "cd" * 32,
        "created_at": AT,
        "created_by": "tests",
        "revoked_at": None,
        "last_used_at": AT,
    },
    "referral": {
        "id": "00000000-0000-0000-0000-000000000002",
        "citizen_ref": "lp-7f3a91",
        "source": "test-gp-system",
        "gp_practice": "012345",
        "reasons": ["loneliness"],
        "status": "matched",
        "offer_ids": ["offer-1"],
        "wellbeing": {"baseline": {"date": "2026-10-01", "who5": 9, "life_satisfaction": None}},
        "created_at": AT,
        "updated_at": AT,
        "updated_by": "key:test-navigator",
        "version": 2,
    },
    "referral_event": {
        "id": 1,
        "referral_id": "00000000-0000-0000-0000-000000000002",
        "at": AT,
        "actor": "key:test-gp-system",
        "status": "received",
        "changes": {"created": True},
    },
    "access_event": {
        "id": 1,
        "at": AT,
        "key_name": "test-navigator",
        "role": "navigator",
        "method": "POST",
        "path": "/api/v1/match",
        "status": 200,
    },
    # Tables made after FROM_REVISION: written right after the upgrade that makes them.
}


#: Tables made after FROM_REVISION: one row each, written after the upgrade (so the new
#: tables' constraints and types are exercised with data on both databases).
LATER_ROWS: dict[str, dict[str, Any]] = {
    "rate_window": {"bucket": "match:test-navigator", "window_index": 59_012_345, "hits": 3},
    "audience_group": {"code": "grandparents", "label_da": "Bedsteforældre", "synonyms": ["bedster"], "created_at": AT},
    "volunteer_report": {
        "id": 1,
        "organisation_id": "org-1",
        "reported_on": date(2026, 10, 1),
        "volunteers": 12,
        "companions": 3,
        "recorded_at": AT,
        "recorded_by": "tests",
    },
    "capacity_fund": {
        "id": 1,
        "name": "Østifterne kapacitetspulje",
        "total_ore": 150_000_000,
        "period_start": date(2026, 1, 1),
        "period_end": None,
        "updated_at": AT,
        "updated_by": "tests",
    },
    "capacity_grant": {
        "id": "00000000-0000-0000-0000-000000000003",
        "organisation_id": "org-1",
        "amount_ore": 25_000_000,
        "committed_on": date(2026, 2, 1),
        "purpose": "Nyt kor",
        "expected_offers": 1,
        "expected_places": 20,
        "expected_volunteers": 4,
        "expected_companions": 1,
        "offer_ids": ["offer-1"],
        "created_at": AT,
        "created_by": "tests",
    },
    "capacity_grant_payment": {
        "id": 1,
        "grant_id": "00000000-0000-0000-0000-000000000003",
        "paid_on": date(2026, 3, 1),
        "amount_ore": 12_500_000,
        "recorded_at": AT,
        "recorded_by": "tests",
    },
    "referral_offer": {
        "id": 1,
        "referral_id": "00000000-0000-0000-0000-000000000002",
        "offer_id": "offer-1",
        "query_id": "q-1",
        "rank": 1,
        "score": 0.5,
        "proposed_at": AT,
        "started_on": date(2026, 11, 2),
    },
    "companion_request": {
        "id": 1,
        "referral_id": "00000000-0000-0000-0000-000000000002",
        "offer_id": "offer-1",
        "state": "requested",
        "created_at": AT,
        "updated_at": AT,
        "updated_by": "key:test-navigator",
    },
    "questionnaire": {
        "id": 1,
        "referral_id": "00000000-0000-0000-0000-000000000002",
        "instrument": "who5",
        "timepoint": "baseline",
        "taken_on": date(2026, 10, 1),
        "items": [2, 2, 2, 2, 1],
        "score": 9,
        "recorded_at": AT,
        "recorded_by": "key:test-navigator",
    },
    "web_session": {
        "id": "a" * 64,
        "data": {"csrf": "token", "key_id": 1, "role": "navigator"},
        "key_id": 1,
        "created_at": AT,
        "last_seen_at": AT,
        "expires_at": AT,
    },
    "auth_failure": {"id": 1, "at": AT, "kind": "sign_in", "client": "b" * 64},
}


def _after_upgrade(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """A row as the newest schema holds it: 0005_w9 turned the offer's one amount and period into options;
    0006_w9s gave it an explicit schedule state (from its slots) and no exceptions; 0006_w9d gave
    every offer an empty audience (for everyone) and no other places, and keyed organisations on
    the folded name; 0008_volaud gave every offer its folded title (the search key)."""
    if table == "organisation":
        return {**row, "name_key": "grenaa seniorkor"}
    if table != "offer":
        return row
    out = {k: v for k, v in row.items() if k not in ("cost_amount_dkk", "cost_per")}
    option = {"amount": row["cost_amount_dkk"], "currency": "DKK", "per": row["cost_per"], "text": None}
    state = "slots" if row["slots"] else "by_arrangement"
    return {
        **out,
        "cost": {"options": [option]},
        "schedule_state": state,
        "schedule_exceptions": None,
        "audience": [],
        "other_locations": [],
        "title_key": "aeldre synger i grenaa",
    }


def _type_of(value: Any) -> TypeEngine[Any] | None:
    if isinstance(value, datetime):
        return DateTime(timezone=True)
    if isinstance(value, date):
        return Date()
    if isinstance(value, dict | list):
        return JSON()
    if isinstance(value, bytes):
        return LargeBinary()
    return None


def _normal(value: Any) -> Any:
    """Values as read back comparable with those written: SQLite keeps no zone."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    if isinstance(value, memoryview):
        return bytes(value)
    return value


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty database, not migrated at all."""
    if request.param == "sqlite":
        store = Store(f"sqlite:///{tmp_path / 'upgrade.sqlite'}")
        yield store
        store.close()
    else:
        with temporary_pg_database("fm_upgrade") as url:
            store = Store(url)
            yield store
            store.close()


def _upgrade_to(store: Store, revision: str) -> None:
    cfg = migrations.alembic_config()
    with store.write() as session:
        cfg.attributes["connection"] = session.connection()
        command.upgrade(cfg, revision)


def _insert_rows(store: Store, rows: dict[str, dict[str, Any]] = ROWS) -> None:
    with store.write() as session:
        for table, row in rows.items():
            columns = list(row)
            stmt = text(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"
            ).bindparams(*(bindparam(c, type_=t) for c in columns if (t := _type_of(row[c])) is not None))
            session.execute(stmt, row)


def _read_row(store: Store, table: str, row: dict[str, Any]) -> dict[str, Any]:
    columns = list(row)
    key = columns[0]
    types = {c: t for c in columns if (t := _type_of(row[c])) is not None}
    stmt = text(f"SELECT {', '.join(columns)} FROM {table} WHERE {key} = :key").columns(**types)
    with store.read() as session:
        found = session.execute(stmt, {"key": row[key]}).mappings().all()
    assert len(found) == 1, f"{table}: {len(found)} rows with {key}={row[key]!r}"
    return {c: _normal(v) for c, v in found[0].items()}


def test_the_rows_cover_every_table() -> None:
    assert not set(ROWS) & set(LATER_ROWS)
    assert set(ROWS) | set(LATER_ROWS) == set(metadata.tables), (
        "add a row for every new table, so that its upgrade is tested with data"
    )


def test_upgrade_keeps_data_and_matches_the_models(fresh_store: Store) -> None:
    _upgrade_to(fresh_store, FROM_REVISION)
    assert migrations.current_revision(fresh_store) == FROM_REVISION
    _insert_rows(fresh_store)

    migrations.upgrade(fresh_store)

    _insert_rows(fresh_store, LATER_ROWS)
    for table, row in {**ROWS, **LATER_ROWS}.items():
        expected = _after_upgrade(table, row)
        assert _read_row(fresh_store, table, expected) == expected, table
    with fresh_store.read() as session:
        counts = {t: session.scalar(text(f"SELECT COUNT(*) FROM {t}")) for t in {**ROWS, **LATER_ROWS}}
    assert counts == {**dict.fromkeys({**ROWS, **LATER_ROWS}, 1), "category": 1 + len(taxonomy.DEFAULT_CATEGORIES)}
    assert migrations.current_revision(fresh_store) == migrations.head_revision()
    with fresh_store.read() as session:
        context = MigrationContext.configure(session.connection(), opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_upgrade_twice_changes_nothing(fresh_store: Store) -> None:
    migrations.upgrade(fresh_store)
    migrations.upgrade(fresh_store)
    assert migrations.current_revision(fresh_store) == migrations.head_revision()
    with fresh_store.read() as session:
        assert session.scalar(text("SELECT COUNT(*) FROM category")) == len(taxonomy.DEFAULT_CATEGORIES)
