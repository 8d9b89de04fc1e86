from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

import migrations
from api import create_app
from api.auth import create_key
from api.cli import demo_path
from api.extensions import get_indexer, get_store
from catalogue.fileformats import read_any
from tests.api.browser import browser, live_url  # noqa: F401  (browser fixtures for every module here)


def _config(tmp_path: Path) -> dict[str, object]:
    return {
        "TESTING": True,
        "DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fm.sqlite'}",
        "EMBEDDING_MODEL": "fake",
    }


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return create_app(_config(tmp_path))


@pytest.fixture
def cli(app: Flask) -> FlaskCliRunner:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"], cli=_main())
    assert result.exit_code == 0, result.output
    return runner


def _main() -> Any:
    from api.cli import main

    return main


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app with the demo catalogue indexed (fake embedder) and one key per role."""
    tmp = tmp_path_factory.mktemp("demo-app")
    app = create_app({**_config(tmp), "RATE_MATCH": "1000/1", "RATE_WRITE": "1000/1", "AUTH_FAILURE_LIMIT": 1000})
    store = get_store(app)
    migrations.upgrade(store)
    parsed = read_any(demo_path())
    assert store.import_offers(parsed.records, actor="demo").committed
    get_indexer(app).rebuild()
    app.config["KEYS"] = {
        role: create_key(store, name=f"test-{role}", role=role, created_by="tests")
        for role in ("navigator", "volunteer_centre", "referral_system", "admin")
    }
    yield app


@pytest.fixture
def client(demo_app: Flask) -> FlaskClient:
    return demo_app.test_client()


def auth(app: Flask, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {app.config['KEYS'][role]}"}


def started_app(tmp_path: Path, offers: list[dict[str, Any]], **config: Any) -> Flask:
    """An app on the fake embedder whose store (``DATABASE_URL`` in ``config``, else SQLite
    under ``tmp_path``) is migrated, holds ``offers`` and is indexed, with start-up done;
    ``config`` overrides the settings (``RATE_MATCH``, ``WRITE_LOCK_S``, ...)."""
    app = create_app({**_config(tmp_path), **config})
    store = get_store(app)
    migrations.upgrade(store)
    store.import_offers(offers, actor="t")
    app.extensions["indexer"].rebuild()
    app.extensions["startup"]["done"] = True
    return app


def key_header(app: Flask, role: str) -> dict[str, str]:
    """An ``Authorization`` header with a new key of ``role`` on ``app``'s store."""
    return {"Authorization": "Bearer " + create_key(get_store(app), name=f"t-{role}", role=role, created_by="t")}


def gunicorn_store(tmp_path: Path, offers: list[dict[str, Any]]) -> str:
    """A store under ``tmp_path`` (where ``tests.test_deploy.gunicorn_env`` points the server)
    migrated and holding ``offers``, closed again for the server's workers; returns a new
    navigator key for it."""
    app = create_app({"DATA_DIR": str(tmp_path), "EMBEDDING_MODEL": "fake"})
    store = get_store(app)
    migrations.upgrade(store)
    store.import_offers(offers, actor="t")
    key = create_key(store, name="nav", role="navigator", created_by="t")
    store.close()
    return key
