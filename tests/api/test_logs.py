"""FAELLESSKAB_LOG_LEVEL is applied: one access line per request at INFO, none at WARNING."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import text

import migrations
from api import create_app
from api.auth import create_key
from api.extensions import get_store


def access_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if " faellesskab.access: " in line]


def test_info_logs_one_access_line_per_request(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FAELLESSKAB_LOG_LEVEL", "INFO")
    client = create_app({"DATA_DIR": str(tmp_path), "EMBEDDING_MODEL": "fake"}).test_client()
    capsys.readouterr()
    assert client.get("/healthz").status_code == 200
    lines = access_lines(capsys.readouterr().err)
    assert len(lines) == 1 and " INFO " in lines[0] and "GET /healthz 200 " in lines[0]
    assert lines[0].endswith("key=None role=None")
    assert client.get("/api/v1/offers").status_code == 401
    lines = access_lines(capsys.readouterr().err)
    assert len(lines) == 1 and "GET /api/v1/offers 401 " in lines[0]


def test_warning_logs_no_access_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FAELLESSKAB_LOG_LEVEL", "warning")
    client = create_app({"DATA_DIR": str(tmp_path), "EMBEDDING_MODEL": "fake"}).test_client()
    capsys.readouterr()
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/v1/offers").status_code == 401
    assert access_lines(capsys.readouterr().err) == []


def test_a_second_app_does_not_double_the_lines(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FAELLESSKAB_LOG_LEVEL", "INFO")
    create_app({"DATA_DIR": str(tmp_path), "EMBEDDING_MODEL": "fake"})
    client = create_app({"DATA_DIR": str(tmp_path), "EMBEDDING_MODEL": "fake"}).test_client()
    capsys.readouterr()
    client.get("/healthz")
    assert len(access_lines(capsys.readouterr().err)) == 1


@pytest.mark.parametrize(
    ("url", "logged"),
    [
        ("/api/v1/offers/x%0a2026-11-30 00:00:00,000 INFO [1] faellesskab.access: FORGED", "/api/v1/offers/x%0A2026"),
        ("/api/v1/offers/a%00b%0d%1b[31m", "/api/v1/offers/a%00b%0D%1B%5B31m"),
    ],
)
def test_a_url_cannot_forge_a_log_line_or_put_control_bytes_in_the_log(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str, logged: str
) -> None:
    monkeypatch.setenv("FAELLESSKAB_LOG_LEVEL", "INFO")
    client = create_app({"DATA_DIR": str(tmp_path), "EMBEDDING_MODEL": "fake"}).test_client()
    capsys.readouterr()
    client.get(url)
    err = capsys.readouterr().err
    lines = access_lines(err)
    assert len(lines) == 1 and logged in lines[0], err
    assert "FORGED" not in err.replace(lines[0], "")
    assert not any(ch in lines[0] for ch in "\x00\r\x1b")


def test_a_database_error_logs_no_sql_parameters(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A 500 from the database: the error line and traceback carry the SQL, never its parameters."""
    monkeypatch.setenv("FAELLESSKAB_LOG_LEVEL", "DEBUG")
    app = create_app({"DATA_DIR": str(tmp_path), "EMBEDDING_MODEL": "fake"})
    store = get_store(app)
    migrations.upgrade(store)
    admin = create_key(store, name="admin", role="admin", created_by="tests")
    with store.engine.begin() as conn:  # stands in for any constraint the database enforces
        conn.execute(text("CREATE TRIGGER refuse BEFORE INSERT ON api_key BEGIN SELECT RAISE(ABORT, 'refused'); END"))
    marker = "Jens-Hansen-marker-7f3a"
    capsys.readouterr()
    with caplog.at_level(logging.DEBUG):
        res = app.test_client().post(
            "/api/v1/apikeys", json={"name": marker, "role": "navigator"}, headers={"Authorization": f"Bearer {admin}"}
        )
    assert res.status_code == 500 and res.json["code"] == "internal_error"
    logged = capsys.readouterr().err + caplog.text
    assert f"reference {res.json['reference']}" in logged and "INSERT INTO api_key" in logged
    assert marker not in logged and marker not in res.get_data(as_text=True)
