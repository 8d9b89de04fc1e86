"""Database engines: URL normalisation and the SQLite settings the store relies on.

SQLite gets WAL (readers never block the writer), foreign keys on, a 15 s busy
timeout, and transactions that SQLAlchemy (not pysqlite) begins, so that a
write session can ask for ``BEGIN IMMEDIATE`` through the ``sqlite_begin``
execution option. PostgreSQL uses psycopg 3 with ``pool_pre_ping``.

Every engine hides SQL parameters from its exceptions (``hide_parameters``):
a database error's text reaches the logs, and the parameters hold WHO-5
scores, pseudonyms and key hashes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event

#: Seconds (and milliseconds for the pragma) a SQLite connection waits for a lock.
SQLITE_TIMEOUT_S = 15


def normalise_url(url: str) -> str:
    """Accept the URLs people paste (``postgres://``, ``postgresql://``) and
    use the psycopg 3 driver for them; other URLs are returned unchanged."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for an already normalised ``url`` (see :func:`normalise_url`).

    On SQLite every transaction starts with ``BEGIN <mode>``, where the mode is
    the connection's ``sqlite_begin`` execution option (default ``DEFERRED``).
    """
    if not url.startswith("sqlite"):
        return create_engine(url, echo=echo, hide_parameters=True, pool_pre_ping=True)
    engine = create_engine(
        url,
        echo=echo,
        hide_parameters=True,
        connect_args={"check_same_thread": False, "timeout": SQLITE_TIMEOUT_S},
    )
    in_memory = ":memory:" in url or url in ("sqlite://", "sqlite:///")

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

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front, so two editors queue
        # instead of deadlocking on a lock upgrade.
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine
