"""FAELLESSKAB_LOG_LEVEL is applied: one access line per request at INFO, none at WARNING."""

from __future__ import annotations

from pathlib import Path

import pytest

from api import create_app


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
