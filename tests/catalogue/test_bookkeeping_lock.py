"""Bookkeeping writes wait a short while for a lock; user writes keep the long wait (issue 14).

The issue's probe: every keyed request also wrote an access-log row (and the
rate-limit count, the key's last use, the match log), each queued for the
write lock up to the 15 s busy timeout, and under overload clients timed out
waiting for a bookkeeping write.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import OperationalError

from catalogue.db import BOOKKEEPING_LOCK_S, LATE_LOCK_S, reset_lock_deadline, set_lock_deadline, store_fault
from catalogue.store import Store

INSERT = text("INSERT INTO rate_window (bucket, window_index, hits) VALUES (:b, 1, 1)")


@contextmanager
def write_lock_held(store: Store) -> Iterator[Connection]:
    """Another connection holds the write lock (SQLite: the database's; PostgreSQL: the bookkeeping tables',
    which still lets them be read) until the block ends or it is released early (commit on the yielded
    connection), as a long user write (an import) would."""
    conn = store.engine.connect().execution_options(sqlite_begin="IMMEDIATE")
    conn.begin()
    if store.dialect != "sqlite":
        conn.exec_driver_sql("LOCK TABLE rate_window, access_event, api_key, match_log IN EXCLUSIVE MODE")
    try:
        yield conn
    finally:
        if conn.in_transaction():
            conn.rollback()
        conn.close()


def test_a_bookkeeping_write_gives_up_the_lock_quickly_as_a_locked_fault(store: Store) -> None:
    with write_lock_held(store):
        t0 = time.monotonic()
        with pytest.raises(OperationalError) as failed, store.bookkeeping() as session:
            session.execute(INSERT, {"b": "bookkeeping"})
        waited = time.monotonic() - t0
    assert store_fault(failed.value) == "locked"
    assert BOOKKEEPING_LOCK_S * 0.8 <= waited < BOOKKEEPING_LOCK_S + 2, waited  # not the 15 s of a user write
    with store.bookkeeping() as session:  # the lock is free again: the same connection writes
        session.execute(INSERT, {"b": "bookkeeping"})


def test_a_user_write_still_waits_for_the_lock_after_a_bookkeeping_write_gave_up(store: Store) -> None:
    with write_lock_held(store) as holder:
        # The pooled connection had its short wait for this one transaction.
        with pytest.raises(OperationalError), store.bookkeeping() as session:
            session.execute(INSERT, {"b": "bookkeeping"})
        release = threading.Timer(1.5, holder.commit)
        release.start()
        t0 = time.monotonic()
        with store.write() as session:  # waits for the holder (1.5 s), then writes
            session.execute(INSERT, {"b": "user"})
        waited = time.monotonic() - t0
        release.join()
    assert 1.2 <= waited < 10, waited
    with store.read() as session:
        assert session.scalar(text("SELECT count(*) FROM rate_window WHERE bucket = 'user'")) == 1


def test_a_write_begun_after_its_deadline_still_waits_out_a_short_lock(store: Store) -> None:
    """A request's lock deadline runs from its start; one that spent it computing (a large
    import's validation: 6,000 rows took over 3 s) and only then begins its write must still
    wait for a writer that holds the lock briefly, not fail within a millisecond (503)."""
    token = set_lock_deadline(0.05)
    try:
        time.sleep(0.1)  # the deadline has passed before the write begins
        with write_lock_held(store) as holder:
            release = threading.Timer(0.15, holder.commit)
            release.start()
            t0 = time.monotonic()
            with store.write() as session:
                session.execute(INSERT, {"b": "late"})
            waited = time.monotonic() - t0
            release.join()
    finally:
        reset_lock_deadline(token)
    assert waited < LATE_LOCK_S + 2, waited
    with store.read() as session:
        assert session.scalar(text("SELECT count(*) FROM rate_window WHERE bucket = 'late'")) == 1


def test_a_write_begun_after_its_deadline_gives_up_a_long_lock(store: Store) -> None:
    token = set_lock_deadline(0.05)
    try:
        time.sleep(0.1)
        with write_lock_held(store):
            t0 = time.monotonic()
            with pytest.raises(OperationalError) as failed, store.write() as session:
                session.execute(INSERT, {"b": "late"})
            waited = time.monotonic() - t0
    finally:
        reset_lock_deadline(token)
    assert store_fault(failed.value) == "locked"
    assert LATE_LOCK_S * 0.8 <= waited < LATE_LOCK_S + 2, waited
