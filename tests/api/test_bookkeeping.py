"""Reads and matches answer at once while a user write holds the store's lock; their bookkeeping
(access log, the key's last use, the match log, the rate-limit count) is skipped or counted in the
worker, never waited for 15 s and never an error (issue 14)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from api.extensions import get_store
from api.models import AccessEvent
from catalogue.store import Store
from matcher.models import MatchLog
from tests.api.conftest import key_header, started_app
from tests.catalogue.test_bookkeeping_lock import write_lock_held
from tests.conftest import make_offer

#: Far below the 15 s a user write waits, far above the few short bookkeeping waits of one request.
BOUND_S = 5.0


@pytest.fixture
def app(tmp_path: Path, store: Store) -> Flask:
    """An app on SQLite and on PostgreSQL (the ``store`` fixture) with one offer indexed and a navigator's key."""
    url = store.engine.url.render_as_string(hide_password=False)
    app = started_app(tmp_path, [make_offer("a")], DATABASE_URL=url, RATE_MATCH="2/600")
    app.config["NAV"] = key_header(app, "navigator")
    return app


def _count(store: Store, model: type) -> int:
    with store.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_reads_and_matches_answer_while_a_writer_holds_the_lock(app: Flask) -> None:
    client, nav, store = app.test_client(), app.config["NAV"], get_store(app)
    with write_lock_held(store):
        timed = []
        for method, path in [("get", "/api/v1/offers/a"), ("post", "/api/v1/match"), ("post", "/api/v1/match")]:
            t0 = time.monotonic()
            res = getattr(client, method)(
                path, headers=nav, json={"interests": "strikning"} if method == "post" else None
            )
            timed.append((res.status_code, time.monotonic() - t0))
        # The rate limit still holds: counted in this worker while the store cannot count (RATE_MATCH 2).
        t0 = time.monotonic()
        over = client.post("/api/v1/match", headers=nav, json={"interests": "strikning"})
        timed.append((over.status_code, time.monotonic() - t0))
    assert [code for code, _ in timed] == [200, 200, 200, 429], timed
    assert all(seconds < BOUND_S for _, seconds in timed), timed
    assert int(over.headers["Retry-After"]) >= 1
    assert _count(store, AccessEvent) == 0 and _count(store, MatchLog) == 0  # skipped, not half-written


def test_bookkeeping_is_written_when_the_store_is_free(app: Flask) -> None:
    """The other half: without a writer in the way nothing is skipped (so the test above proves the skip)."""
    client, nav, store = app.test_client(), app.config["NAV"], get_store(app)
    assert client.post("/api/v1/match", headers=nav, json={"interests": "strikning"}).status_code == 200
    assert _count(store, AccessEvent) == 1 and _count(store, MatchLog) == 1
