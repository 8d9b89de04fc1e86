"""A store that cannot write for a while: 503 with Retry-After, reads and
matches unharmed, ``/readyz`` says so, and the pool recovers by itself.

How the faults are made (the tests run as root, who ignores file modes, so a
``chmod`` proves nothing): each new SQLite connection opened while a fault is
on gets a real SQLite limit, and the pool is emptied when the fault begins,
as a worker reconnecting after a crash would be:

- read-only: ``PRAGMA query_only = 1``; SQLite itself then refuses every write
  with "attempt to write a readonly database" (SQLITE_READONLY);
- full disk: ``PRAGMA max_page_count`` set to the pages in use; SQLite itself
  refuses the next write that needs a page with "database or disk is full"
  (SQLITE_FULL).

Read-only connections keep their limit after the fault is lifted, exactly like
connections that mapped a read-only ``-shm`` file: without the engine's
``handle_error`` hook (``catalogue.db``) they would fail every write forever
(the test fails so without it). A full disk frees space for every connection
at once, so lifting that fault raises the limit on each connection made under it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event

import migrations
from api import create_app
from api.auth import create_key
from api.extensions import get_store
from catalogue.db import BOOKKEEPING_LOCK_S, store_fault
from tests.conftest import make_offer


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    app = create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(tmp_path),
            "EMBEDDING_MODEL": "fake",
            "RATE_WRITE": "1000/1",
            "RATE_MATCH": "1000/1",
        }
    )
    store = get_store(app)
    migrations.upgrade(store)
    store.import_offers([make_offer("a"), make_offer("b", title="Gåtur i Auning")], actor="t")
    app.extensions["indexer"].rebuild()
    for role in ("volunteer_centre", "navigator"):
        key = create_key(store, name=role, role=role, created_by="t")
        app.config[role] = {"Authorization": f"Bearer {key}"}
    app.extensions["startup"]["done"] = True  # prepared above, as a running service would be
    return app


@contextmanager
def fault(app: Flask, kind: str) -> Iterator[None]:
    """New connections get SQLite's own read-only or full-disk limit (see the module docstring)."""
    engine = get_store(app).engine
    limited: list[Any] = []

    def limit(dbapi_conn: Any, _record: Any) -> None:
        limited.append(dbapi_conn)
        cur = dbapi_conn.cursor()
        if kind == "read_only":
            cur.execute("PRAGMA query_only = 1")
        else:
            (pages,) = cur.execute("PRAGMA page_count").fetchone()
            cur.execute(f"PRAGMA max_page_count = {pages}")
        cur.close()

    event.listen(engine, "connect", limit)
    engine.dispose()
    try:
        yield
    finally:
        event.remove(engine, "connect", limit)
        if kind == "full":  # space again, for every connection at once, as on a real disk
            for dbapi_conn in limited:
                with suppress(Exception):  # closed when its pool was dropped
                    dbapi_conn.execute("PRAGMA max_page_count = 1073741823")


def patch(app: Flask, version: int, places: int) -> Any:
    headers = {**app.config["volunteer_centre"], "If-Match": f'"{version}"'}
    body = {"places_available": places, "description": "x" * 9000}  # a new page: a full disk refuses it
    return app.test_client().patch("/api/v1/offers/a", json=body, headers=headers)


@pytest.mark.parametrize(("kind", "words"), [("read_only", "skrivebeskyttet"), ("full", "disken er fuld")])
def test_a_store_that_cannot_write_answers_503_and_recovers(app: Flask, kind: str, words: str) -> None:
    client = app.test_client()
    with fault(app, kind):
        for _ in range(3):  # every try, not only the first
            res = patch(app, 1, 5)
            assert res.status_code == 503, res.get_data(as_text=True)
            assert int(res.headers["Retry-After"]) > 0
            assert words in res.json["message"] and "nothing was written" in res.json["message"]
        if kind == "read_only":
            # The probe's write fits in the pages the file has, which ``max_page_count`` allows;
            # a real full disk refuses it too (the WAL append fails), a read-only store always.
            ready = client.get("/readyz")
            assert ready.status_code == 503 and ready.json["checks"]["store"] == f"cannot write: {kind}"
        # Reads and matches write bookkeeping (access log, key last use, match log): it fails quietly.
        assert client.get("/api/v1/offers/a", headers=app.config["navigator"]).status_code == 200
        match = client.post("/api/v1/match", json={"interests": "gåtur"}, headers=app.config["navigator"])
        assert match.status_code == 200, match.get_data(as_text=True)
    # The fault is gone: the very next write works, with no restart.
    res = patch(app, 1, 5)
    assert res.status_code == 200, res.get_data(as_text=True)
    assert res.json["places_available"] == 5 and res.json["version"] == 2
    assert client.get("/readyz").status_code == 200


def test_store_fault_names_the_transient_faults() -> None:
    import errno
    import sqlite3

    from sqlalchemy.exc import OperationalError

    def wrapped(message: str) -> OperationalError:
        return OperationalError("UPDATE x", {}, sqlite3.OperationalError(message))

    assert store_fault(wrapped("attempt to write a readonly database")) == "read_only"
    assert store_fault(wrapped("database or disk is full")) == "full"
    assert store_fault(wrapped("database is locked")) == "locked"
    assert store_fault(OSError(errno.ENOSPC, "No space left on device")) == "full"
    assert store_fault(OSError(errno.EROFS, "Read-only file system")) == "read_only"
    assert store_fault(wrapped("no such table: offer")) is None
    assert store_fault(ValueError("database or disk is full")) is None


def test_readyz_stays_ready_and_quick_while_another_write_holds_the_lock(app: Flask) -> None:
    """A long import holds SQLite's one write lock for tens of seconds (6,000 rows: 30 s);
    the store can write, it is busy. ``/readyz`` must not take every worker out of
    rotation for it, nor wait for the lock: "cannot write" is for a store that cannot."""
    store = get_store(app)
    conn = store.engine.connect().execution_options(sqlite_begin="IMMEDIATE")
    conn.begin()
    try:
        t0 = time.monotonic()
        ready = app.test_client().get("/readyz")
        seconds = time.monotonic() - t0
    finally:
        conn.rollback()
        conn.close()
    assert ready.status_code == 200, ready.get_data(as_text=True)
    assert ready.json["checks"]["store"].startswith("ok")
    assert seconds < BOOKKEEPING_LOCK_S + 2, seconds
