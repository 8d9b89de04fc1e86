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
