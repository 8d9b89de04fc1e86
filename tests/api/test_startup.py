"""A service started on a fresh data directory is ready at once, and the first offer is searchable."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask import Flask

from api import create_app
from api.auth import create_key
from api.extensions import get_backend
from api.startup import prepare
from indexer.analysis import ANALYZER_VERSION
from indexer.sync import ANALYZER
from tests.conftest import make_offer


def fresh_app(data_dir: Path) -> Flask:
    return create_app({"TESTING": True, "DATA_DIR": str(data_dir), "EMBEDDING_MODEL": "fake"})


def test_a_fresh_service_is_ready_and_the_first_offer_is_searchable(tmp_path: Path) -> None:
    app = fresh_app(tmp_path)
    client = app.test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.json
    assert (ready.json or {})["checks"]["search"] == "ok (embedded, 0 documents)"
    key = create_key(app.extensions["store"], name="vc", role="volunteer_centre", created_by="tests")
    res = client.post("/api/v1/offers", json=make_offer("first"), headers={"Authorization": f"Bearer {key}"})
    assert res.status_code == 201 and res.headers["X-Index-Status"] == "done"
    assert [c.id for c in get_backend(app).lexical_candidates("seniorkor")] == ["first"]


def test_the_liveness_probe_prepares_nothing(tmp_path: Path) -> None:
    assert fresh_app(tmp_path).test_client().get("/healthz").status_code == 200
    assert not (tmp_path / "faellesskab.sqlite").exists() and not (tmp_path / "search").exists()


def test_processes_sharing_a_data_directory_prepare_it_once(tmp_path: Path) -> None:
    apps = [fresh_app(tmp_path) for _ in range(4)]  # one app per worker, as gunicorn without preload has
    with ThreadPoolExecutor(len(apps)) as pool:
        done = list(pool.map(prepare, apps))
    assert sum("first index built" in d for d in done) == 1, done
    assert all(app.test_client().get("/readyz").status_code == 200 for app in apps)


def test_an_existing_index_is_kept(tmp_path: Path) -> None:
    app = fresh_app(tmp_path)
    first = prepare(app)
    again = prepare(fresh_app(tmp_path))
    assert "first index built (0 documents)" in first and again.endswith("has 0 documents")


def test_an_index_built_by_another_analyser_is_rebuilt(tmp_path: Path) -> None:
    app = fresh_app(tmp_path)
    prepare(app)
    with app.app_context():
        get_backend(app).set_meta(ANALYZER, "da-1")  # as an index built before compounds were split
    again = prepare(fresh_app(tmp_path))
    assert f"index rebuilt for analyser {ANALYZER_VERSION}" in again
    assert prepare(fresh_app(tmp_path)).endswith("has 0 documents")


def test_start_up_run_by_a_request_has_no_lock_deadline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first request runs the start-up (migrations, the first index build) under its
    ``WRITE_LOCK_S`` deadline (``api.overload``); the start-up's own transactions must keep the
    store's wait, or a worker that queued on the start-up file lock behind another fails its
    migration for a lock held a moment by the other worker's request."""
    import api.startup
    from catalogue.db import _LOCK_DEADLINE

    seen: list[float | None] = []
    migrate = api.startup.migrate

    def recording(app: Flask) -> None:
        seen.append(_LOCK_DEADLINE.get())
        migrate(app)

    monkeypatch.setattr(api.startup, "migrate", recording)
    fresh_app(tmp_path).test_client().get("/api/v1/offers")
    assert seen == [None]
    assert _LOCK_DEADLINE.get() is None
