"""Configuration is layered: defaults, then environment, then test config."""

from __future__ import annotations

from pathlib import Path

import pytest

from api import create_app
from api.config import SETTINGS

REPO = Path(__file__).resolve().parents[2]


def test_layers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FAELLESSKAB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FAELLESSKAB_RATE_MATCH", "5/10")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///from-plain-env.sqlite")
    app = create_app()
    assert app.config["DATA_DIR"] == str(tmp_path) and app.config["RATE_MATCH"] == "5/10"
    assert app.config["DATABASE_URL"] == "sqlite:///from-plain-env.sqlite"
    assert app.config["LOG_LEVEL"] == "INFO"  # a default
    monkeypatch.setenv("FAELLESSKAB_DATABASE_URL", "sqlite:///prefixed-wins.sqlite")
    assert create_app().config["DATABASE_URL"] == "sqlite:///prefixed-wins.sqlite"
    assert create_app({"DATABASE_URL": "sqlite:///test.sqlite"}).config["DATABASE_URL"] == "sqlite:///test.sqlite"


def test_default_database_is_sqlite_in_the_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("FAELLESSKAB_DATABASE_URL", raising=False)
    app = create_app({"DATA_DIR": str(tmp_path)})
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'faellesskab.sqlite'}"


def test_creating_the_app_connects_to_nothing(tmp_path: Path) -> None:
    app = create_app(
        {
            "DATA_DIR": str(tmp_path),
            "DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none",
            "ELASTICSEARCH_URL": "http://127.0.0.1:9",
            "EMBEDDING_MODEL": str(tmp_path / "no-model"),
        }
    )
    assert app.extensions["store"] and app.extensions["backend"] and app.extensions["embedder"]
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503
    checks = ready.json["checks"]
    assert checks["store"].startswith("unavailable") and checks["search"].startswith("unavailable")
    assert "faellesskab model prepare" in checks["model"]


def test_readme_documents_every_setting() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name in SETTINGS:
        assert f"FAELLESSKAB_{name}" in readme, name


def test_a_secret_is_made_once_and_kept_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FAELLESSKAB_SECRET_KEY", raising=False)
    first = create_app({"DATA_DIR": str(tmp_path)}).config["SECRET_KEY"]
    assert len(first) > 40 and create_app({"DATA_DIR": str(tmp_path)}).config["SECRET_KEY"] == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": "given"}).config["SECRET_KEY"] == "given"
