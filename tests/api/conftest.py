from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from api import create_app


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return create_app(
        {"TESTING": True, "DATA_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'fm.sqlite'}"}
    )


@pytest.fixture
def cli(app: Flask) -> FlaskCliRunner:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"], cli=_main())
    assert result.exit_code == 0, result.output
    return runner


def _main():  # type: ignore[no-untyped-def]
    from api.cli import main

    return main
