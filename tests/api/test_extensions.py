"""Which embedder the app makes from ``EMBEDDING_BACKEND``."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.config import ConfigError, read_settings
from api.extensions import make_embedder
from indexer.embedder import OnnxEmbedder, SentenceTransformerEmbedder


@pytest.mark.parametrize(
    ("backend", "kind", "variant"),
    [("onnx", OnnxEmbedder, "fp32"), ("onnx-int8", OnnxEmbedder, "int8"), ("torch", SentenceTransformerEmbedder, None)],
)
def test_each_backend_makes_its_embedder(tmp_path: Path, backend: str, kind: type, variant: str | None) -> None:
    assert backend == read_settings({"EMBEDDING_BACKEND": backend}).EMBEDDING_BACKEND
    embedder = make_embedder({"EMBEDDING_BACKEND": backend}, tmp_path)
    assert isinstance(embedder, kind)
    assert getattr(embedder, "variant", None) == variant


def test_an_unknown_backend_is_named() -> None:
    with pytest.raises(ConfigError, match=r"EMBEDDING_BACKEND='onnx-int4'.*onnx-int8"):
        read_settings({"EMBEDDING_BACKEND": "onnx-int4"})
