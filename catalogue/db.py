"""Database engines: URL normalisation and the SQLite settings the store relies on.

SQLite gets WAL (readers never block the writer), foreign keys on, a 15 s busy
timeout, and transactions that SQLAlchemy (not pysqlite) begins, so that a
write session can ask for ``BEGIN IMMEDIATE`` through the ``sqlite_begin``
execution option. PostgreSQL uses psycopg 3 with ``pool_pre_ping``.

Bookkeeping (the access log, a key's last use, the match log, the rate-limit
count) must not queue behind user writes: a transaction begun with the
``lock_wait_s`` execution option waits at most that long for a lock
(:data:`BOOKKEEPING_LOCK_S`; SQLite: the connection's ``busy_timeout`` for that
transaction, set back to :data:`SQLITE_TIMEOUT_S` by the next ordinary one;
PostgreSQL: ``SET LOCAL lock_timeout``), then fails with a "locked" fault
(:func:`store_fault`) that the caller skips or sheds. User writes keep the
15 s wait, unless the caller set a deadline (:func:`set_lock_deadline`, the HTTP
layer's ``WRITE_LOCK_S``): then no transaction begun before it waits past it
(one begun later still waits :data:`LATE_LOCK_S`), and a write still queued at
the deadline fails with the same "locked" fault
(an answer of 503 with ``Retry-After`` instead of a client's timeout).

Store faults (:func:`store_fault`): a read-only file or directory, a full
disk, an I/O error, a lock held past the busy timeout. On such an error the
engine's ``handle_error`` hook treats the connection as broken, so SQLAlchemy
drops it and every other pooled connection (they were opened under the same
fault, e.g. a read-only ``-shm`` map): the next checkout connects afresh, and
the pool recovers by itself once the fault is gone. The HTTP layer answers
503 with ``Retry-After`` for them (``api.errors``).

Every engine hides SQL parameters from its exceptions (``hide_parameters``):
a database error's text reaches the logs, and the parameters hold WHO-5
scores, pseudonyms and key hashes.
"""

from __future__ import annotations

import errno
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any, Literal

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext

StoreFault = Literal["read_only", "full", "io", "locked"]

#: Text of SQLite's and PostgreSQL's errors -> the fault (SQLite's messages are
#: fixed strings of sqlite3_errstr; PostgreSQL's by SQLSTATE below).
_SQLITE_FAULTS: tuple[tuple[str, StoreFault], ...] = (
    ("attempt to write a readonly database", "read_only"),
    ("readonly database", "read_only"),
    ("database or disk is full", "full"),
    ("disk i/o error", "io"),
    ("unable to open database file", "io"),
    ("database is locked", "locked"),
    ("database table is locked", "locked"),
)
#: PostgreSQL SQLSTATEs: disk full, out of memory, read-only transaction (a hot standby), lock not available.
_PG_FAULTS: dict[str, StoreFault] = {
    "53100": "full",
    "53200": "full",
    "25006": "read_only",
    "55P03": "locked",
    "40P01": "locked",
}
_OS_FAULTS: dict[int, StoreFault] = {errno.ENOSPC: "full", errno.EDQUOT: "full", errno.EROFS: "read_only"}

#: Seconds (and milliseconds for the pragma) a SQLite connection waits for a lock.
SQLITE_TIMEOUT_S = 15
#: Seconds a bookkeeping write waits for a lock before it is given up (``lock_wait_s``).
BOOKKEEPING_LOCK_S = 0.5

#: Seconds a transaction begun at or after its context's deadline still waits for a lock
#: (:func:`_lock_wait_s`): as long as a bookkeeping write, so a short write ahead of it passes.
LATE_LOCK_S = BOOKKEEPING_LOCK_S

#: The ``time.monotonic()`` instant by which this context's transactions must hold their
#: locks, or None for no deadline (a context variable: one per thread and request).
_LOCK_DEADLINE: ContextVar[float | None] = ContextVar("faellesskab_lock_deadline", default=None)


def set_lock_deadline(seconds: float) -> Token[float | None]:
    """From now on, a transaction begun in this context waits at most until ``seconds``
    (s, > 0) from now for a lock, then fails with the "locked" fault. Returns the token
    for :func:`reset_lock_deadline`. Used by the HTTP layer per request, so a write
    queued behind others under overload is answered (503) before the client gives up."""
    return _LOCK_DEADLINE.set(time.monotonic() + seconds)


def reset_lock_deadline(token: Token[float | None]) -> None:
    """Undo :func:`set_lock_deadline` (the context's previous deadline, usually none)."""
    try:
        _LOCK_DEADLINE.reset(token)
    except ValueError:  # set in another context (a copied one): no deadline from here on
        _LOCK_DEADLINE.set(None)


@contextmanager
def no_lock_deadline() -> Iterator[None]:
    """Within the block no deadline applies (the store's own waits), whatever the context set:
    for work a request only happens to start, such as the process's start-up (migrations, the
    first index build), which must not fail because the request that ran it waited."""
    token = _LOCK_DEADLINE.set(None)
    try:
        yield
    finally:
        reset_lock_deadline(token)


def _lock_wait_s(options: Mapping[str, Any]) -> float | None:
    """Seconds this transaction may wait for a lock: its ``lock_wait_s`` option, cut to
    what is left before the context's deadline but never below :data:`LATE_LOCK_S`;
    None: the engine's default.

    The floor: the deadline runs from the request's start, and a request that spent
    its time computing (a large import's validation, several seconds for thousands of
    rows) before it begins its write must still wait out a writer that holds the lock
    for milliseconds (another request's access-log row), not fail at once."""
    wait_s = options.get("lock_wait_s")
    deadline = _LOCK_DEADLINE.get()
    if deadline is None:
        return None if wait_s is None else float(wait_s)
    left = max(LATE_LOCK_S, deadline - time.monotonic())
    return left if wait_s is None else min(float(wait_s), left)


def normalise_url(url: str) -> str:
    """Accept the URLs people paste (``postgres://``, ``postgresql://``) and
    use the psycopg 3 driver for them; other URLs are returned unchanged."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def store_fault(exc: BaseException) -> StoreFault | None:
    """Which transient store fault ``exc`` is (a SQLAlchemy error, the DBAPI
    error it wraps, or an ``OSError``), or None for any other error.

    ``read_only``: the file, its directory or the server refuses writes;
    ``full``: no space (``ENOSPC``, SQLite's SQLITE_FULL, SQLSTATE 53100);
    ``io``: SQLite cannot read or open its files; ``locked``: a lock held past
    the busy timeout. All of them pass without a code change, so callers
    answer "try again later" (503), not "bug" (500)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in _OS_FAULTS:
            return _OS_FAULTS[current.errno]
        sqlstate = getattr(current, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate in _PG_FAULTS:
            return _PG_FAULTS[sqlstate]
        if type(current).__module__ == "sqlite3" or type(current).__name__ == "OperationalError":
            text = str(current).lower()
            for needle, fault in _SQLITE_FAULTS:
                if needle in text:
                    return fault
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return None


def _on_error(ctx: ExceptionContext) -> None:
    """A read-only, full or failing disk: drop the pool (see the module docstring).
    A lock timeout is not the connection's fault and keeps it."""
    fault = store_fault(ctx.original_exception)
    if fault in ("read_only", "full", "io"):
        ctx.is_disconnect = True
        ctx.invalidate_pool_on_disconnect = True


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for an already normalised ``url`` (see :func:`normalise_url`).

    On SQLite every transaction starts with ``BEGIN <mode>``, where the mode is
    the connection's ``sqlite_begin`` execution option (default ``DEFERRED``).
    """
    if not url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, hide_parameters=True, pool_pre_ping=True)
        event.listen(engine, "handle_error", _on_error)

        @event.listens_for(engine, "begin")
        def _on_pg_begin(conn: Any) -> None:
            wait_s = _lock_wait_s(conn.get_execution_options())
            if wait_s is not None:  # this transaction only (SET LOCAL); SQLSTATE 55P03 when it runs out
                conn.exec_driver_sql(f"SET LOCAL lock_timeout = {max(1, round(float(wait_s) * 1000))}")

        return engine
    engine = create_engine(
        url,
        echo=echo,
        hide_parameters=True,
        connect_args={"check_same_thread": False, "timeout": SQLITE_TIMEOUT_S},
    )
    in_memory = ":memory:" in url or url in ("sqlite://", "sqlite:///")
    if not in_memory:  # an in-memory database lives in its one connection: never drop it
        event.listen(engine, "handle_error", _on_error)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when a transaction begins.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if not in_memory:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_TIMEOUT_S * 1000}")
        cur.close()

    default_ms = SQLITE_TIMEOUT_S * 1000

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front, so two editors queue
        # instead of deadlocking on a lock upgrade.
        options = conn.get_execution_options()
        wait_s = _lock_wait_s(options)
        busy_ms = default_ms if wait_s is None else max(1, round(wait_s * 1000))
        if conn.info.get("busy_ms", default_ms) != busy_ms:  # the pooled connection's current wait
            conn.exec_driver_sql(f"PRAGMA busy_timeout={busy_ms}")
            conn.info["busy_ms"] = busy_ms
        mode = options.get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine
