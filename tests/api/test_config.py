"""Settings: layered (defaults, environment, test config), validated at start-up, and used."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from werkzeug.exceptions import TooManyRequests

import migrations
from api import create_app
from api.config import ConfigError, Rate, parse_rate, settings_table

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "ELASTICSEARCH_URL", "EMBEDDING_MODEL"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"FAELLESSKAB_{name}", raising=False)


def test_the_store_uses_the_url_from_the_environment_and_the_prefixed_form_wins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FAELLESSKAB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'plain.sqlite'}")
    assert create_app().extensions["store"].url == f"sqlite:///{tmp_path / 'plain.sqlite'}"
    monkeypatch.setenv("FAELLESSKAB_DATABASE_URL", f"sqlite:///{tmp_path / 'prefixed.sqlite'}")
    assert create_app().extensions["store"].url == f"sqlite:///{tmp_path / 'prefixed.sqlite'}"
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'test.sqlite'}"})
    assert app.extensions["store"].url == f"sqlite:///{tmp_path / 'test.sqlite'}"


def test_the_throttle_follows_the_rate_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FAELLESSKAB_RATE_MATCH", "2/60")
    app = create_app({"DATA_DIR": str(tmp_path), "EMBEDDING_MODEL": "fake"})
    migrations.upgrade(app.extensions["store"])  # the counts are kept in the store
    throttle = app.extensions["throttle"]
    throttle.clock = lambda: 600.0  # one window, whenever the test runs
    throttle.hit("key", "match")
    throttle.hit("key", "match")
    with pytest.raises(TooManyRequests):
        throttle.hit("key", "match")
    throttle.hit("key", "write")  # the write bucket is separate (default 120/60)


def test_a_test_config_rate_overrides_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FAELLESSKAB_RATE_MATCH", "1/60")
    app = create_app({"DATA_DIR": str(tmp_path), "EMBEDDING_MODEL": "fake", "RATE_MATCH": "3/60"})
    assert app.config["RATE_MATCH"] == Rate(3, 60.0)


@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        ("FAELLESSKAB_HSDS_CACHE_SECONDS", "abc", "valid number"),
        ("FAELLESSKAB_HSDS_CACHE_SECONDS", "-5", "greater than or equal to 0"),
        ("FAELLESSKAB_RATE_MATCH", "lots", "burst/seconds"),
        ("FAELLESSKAB_RATE_WRITE", "0/60", "burst of at least 1"),
        ("FAELLESSKAB_RATE_WRITE", "10/0", "seconds above 0"),
        ("FAELLESSKAB_ACCESS_LOG_DB", "maybe", "valid boolean"),
        ("FAELLESSKAB_LOG_LEVEL", "loud", "'DEBUG', 'INFO'"),
        ("FAELLESSKAB_EMBEDDING_DIM", "-1", "greater than 0"),
        ("FAELLESSKAB_ELASTICSEARCH_PREFIX", "Has Spaces", "should match pattern"),
        ("ELASTICSEARCH_URL", "es:9200", "http:// or https://"),
        ("DATABASE_URL", "not a url", "not a database URL"),
        ("DATABASE_URL", "nonsense://", "'nonsense' databases are not supported"),
        ("DATABASE_URL", "mysql://u:p@h/x", "'mysql' databases are not supported"),
        ("FAELLESSKAB_SECRET_KEY", "short", "at least 16 characters"),
    ],
)
def test_a_bad_setting_stops_start_up_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, value: str, reason: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        create_app({"DATA_DIR": str(tmp_path)})
    message = str(caught.value)
    assert message.startswith(f"Invalid setting {variable}") and reason in message
    assert "\n" not in message
    secret = variable in ("DATABASE_URL", "FAELLESSKAB_SECRET_KEY")
    assert (value in message) is not secret  # secrets are never echoed


def test_a_data_dir_that_is_a_file_or_cannot_be_made_is_named(tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    with pytest.raises(ConfigError, match=r"^Invalid config DATA_DIR=.*: is a file, not a directory$"):
        create_app({"DATA_DIR": str(a_file)})
    with pytest.raises(ConfigError, match=r"^Invalid config DATA_DIR=.*: cannot be created"):
        create_app({"DATA_DIR": str(a_file / "below-a-file")})


def test_a_bad_test_config_value_is_named_too(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^Invalid config HSDS_CACHE_SECONDS='abc': Input should be a valid number"):
        create_app({"DATA_DIR": str(tmp_path), "HSDS_CACHE_SECONDS": "abc"})


def test_rates_are_parsed() -> None:
    assert parse_rate("30/60") == Rate(30, 60.0)
    assert parse_rate(" 5/0.5 ").per_second == 10.0
    assert str(parse_rate("30/60")) == "30/60"
    for bad in ("30", "/60", "a/b", "30/-1", "1.5/60", "30/inf"):
        with pytest.raises(ValueError, match="burst/seconds"):
            parse_rate(bad)


def test_an_unknown_prefixed_variable_is_reported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("FAELLESSKAB_RATE_MACH", "5/10")
    with caplog.at_level(logging.WARNING, logger="faellesskab.config"):
        create_app({"DATA_DIR": str(tmp_path), "EMBEDDING_MODEL": "fake"})
    assert [r.getMessage() for r in caplog.records if r.name == "faellesskab.config"] == [
        "ignoring FAELLESSKAB_RATE_MACH: no such setting"
    ]


def test_the_default_database_is_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    app = create_app({"DATA_DIR": str(tmp_path), "EMBEDDING_MODEL": "fake"})
    assert not (tmp_path / "faellesskab.sqlite").exists()  # nothing is made at app creation
    assert app.test_client().get("/readyz").status_code == 200
    assert (tmp_path / "faellesskab.sqlite").stat().st_size > 0


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
    checks = (ready.json or {})["checks"]
    assert checks["store"].startswith("unavailable") and checks["search"].startswith("unavailable")
    assert "faellesskab model prepare" in checks["model"]


def test_the_readme_table_is_the_settings() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = "\n".join(line for line in readme.splitlines() if re.match(r"\|[ -]", line))
    assert settings_table() in table


def test_a_secret_is_made_once_and_kept_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FAELLESSKAB_SECRET_KEY", raising=False)
    first = create_app({"DATA_DIR": str(tmp_path)}).config["SECRET_KEY"]
    assert len(first) > 40 and create_app({"DATA_DIR": str(tmp_path)}).config["SECRET_KEY"] == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    given = "a-secret-of-enough-length"
    assert create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": given}).config["SECRET_KEY"] == given
