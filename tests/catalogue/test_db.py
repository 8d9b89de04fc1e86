"""Engines (catalogue.db): URLs people paste, and the SQLite settings the store relies on."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

import migrations
from catalogue.db import make_engine, normalise_url
from catalogue.store import Store


@pytest.mark.parametrize(
    ("url", "normalised"),
    [
        ("postgres://u:p@h:5432/db", "postgresql+psycopg://u:p@h:5432/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///var/fm.sqlite", "sqlite:///var/fm.sqlite"),
        ("sqlite://", "sqlite://"),
    ],
)
def test_normalise_url(url: str, normalised: str) -> None:
    assert normalise_url(url) == normalised


def test_sqlite_file_pragmas(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'a.sqlite'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 15000
    engine.dispose()


def test_sqlite_in_memory_has_no_wal() -> None:
    engine = make_engine("sqlite://")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "memory"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_write_session_takes_the_lock_up_front(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    store = Store(f"sqlite:///{path}")
    migrations.upgrade(store)
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        with store.read() as session:
            session.execute(text("SELECT 1"))
            other.execute("BEGIN IMMEDIATE")  # a reader holds no write lock
            other.execute("ROLLBACK")
        with store.write() as session:
            session.execute(text("SELECT 1"))  # nothing written yet, but BEGIN IMMEDIATE ran
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()
        store.close()


def test_database_errors_hide_the_parameters(store: Store) -> None:
    marker = "WHO5-SECRET-4711"
    with pytest.raises(DBAPIError) as caught, store.engine.connect() as conn:
        conn.execute(text("SELECT * FROM no_such_table WHERE x = :marker"), {"marker": marker})
    assert "no_such_table" in str(caught.value)  # the statement is still there to debug with
    assert marker not in str(caught.value)


def test_a_store_that_refuses_writes_is_named_and_the_pool_recovers(store: Store) -> None:
    """Real refusals from each database: SQLite's ``PRAGMA query_only`` (SQLITE_READONLY)
    and PostgreSQL's read-only transactions (SQLSTATE 25006, as on a hot standby).
    Connections made under the fault keep it; the ``handle_error`` hook drops the
    pool, so the first write after the fault works."""
    from sqlalchemy import event

    from catalogue.db import store_fault

    migrations.upgrade(store)
    store.probe_write()
    refuse = "PRAGMA query_only = 1" if store.dialect == "sqlite" else "SET default_transaction_read_only = on"

    def read_only(dbapi_conn: object, _record: object) -> None:
        cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
        cur.execute(refuse)
        cur.close()
        if store.dialect != "sqlite":
            dbapi_conn.commit()  # type: ignore[attr-defined]

    event.listen(store.engine, "connect", read_only)
    store.engine.dispose()
    try:
        for _ in range(2):
            with pytest.raises(DBAPIError) as refused:
                store.probe_write()
            assert store_fault(refused.value) == "read_only"
    finally:
        event.remove(store.engine, "connect", read_only)
    store.probe_write()  # no restart, no dispose: the pool was dropped on the error
    with store.read() as session:  # and reads were never affected
        assert session.execute(text("SELECT 1")).scalar_one() == 1
