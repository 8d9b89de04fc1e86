"""The access log in the database: kept for keyed API requests unless FAELLESSKAB_ACCESS_LOG_DB is false."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

import migrations
from api import create_app
from api.auth import create_key
from api.models import AccessEvent


def events_after_one_keyed_request(tmp_path: Path) -> list[tuple[str | None, str, str, int]]:
    app = create_app({"DATA_DIR": str(tmp_path), "EMBEDDING_MODEL": "fake"})
    store = app.extensions["store"]
    migrations.upgrade(store)
    key = create_key(store, name="nav-1", role="navigator", created_by="tests")
    res = app.test_client().get("/api/v1/offers", headers={"Authorization": f"Bearer {key}"})
    assert res.status_code == 200
    app.test_client().get("/healthz")  # not an API path: never kept
    with store.read() as session:
        rows = session.execute(select(AccessEvent.key_name, AccessEvent.method, AccessEvent.path, AccessEvent.status))
        return [(r.key_name, r.method, r.path, r.status) for r in rows]


def test_keyed_requests_are_kept_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FAELLESSKAB_ACCESS_LOG_DB", raising=False)
    assert events_after_one_keyed_request(tmp_path) == [("nav-1", "GET", "/api/v1/offers", 200)]


@pytest.mark.parametrize("value", ["false", "0", "off", "FALSE"])
def test_false_turns_the_database_log_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("FAELLESSKAB_ACCESS_LOG_DB", value)
    assert events_after_one_keyed_request(tmp_path) == []


def test_unkeyed_requests_are_not_kept(tmp_path: Path) -> None:
    app = create_app({"DATA_DIR": str(tmp_path), "EMBEDDING_MODEL": "fake"})
    assert app.test_client().get("/api/v1/offers").status_code == 401
    with app.extensions["store"].read() as session:
        assert session.scalar(select(func.count()).select_from(AccessEvent)) == 0
