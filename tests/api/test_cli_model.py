"""``faellesskab model prepare``: which graphs it writes for which backend."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

import indexer.model_prepare
from api.cli import main


@pytest.mark.parametrize(
    ("backend", "args", "int8"),
    [
        ("onnx", [], False),
        ("onnx-int8", [], True),  # the configured backend's graph is written without being asked
        ("onnx", ["--int8"], True),
        ("onnx-int8", ["--no-int8"], False),
    ],
)
def test_prepare_writes_the_int8_graph_when_asked_or_configured(
    app: Flask, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, backend: str, args: list[str], int8: bool
) -> None:
    """The conversion itself is tested in tests/indexer (it takes a minute); here only what the command asks of it."""
    asked: list[dict[str, Any]] = []

    def prepare(out: Path, **options: Any) -> Path:
        asked.append(options)
        return out

    monkeypatch.setattr(indexer.model_prepare, "prepare_model", prepare)
    app.config["EMBEDDING_BACKEND"] = backend
    result = app.test_cli_runner().invoke(main, ["model", "prepare", "--no-verify", *args])
    assert result.exit_code == 0, result.output
    assert [(o["onnx"], o["int8"]) for o in asked] == [(True, int8)]
