"""The embedding cache in the store, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from catalogue.store import Store
from indexer.embedder import MARKER_FILENAME, OnnxEmbedder, SentenceTransformerEmbedder
from indexer.embedding_cache import EmbeddingCache


def _vec(seed: int, dim: int = 8) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(dim).astype(np.float32)


def test_put_then_get_returns_the_same_vectors(store: Store) -> None:
    cache = EmbeddingCache(store)
    cache.put_many("m1", {"h1": _vec(1), "h2": _vec(2)})
    got = cache.get_many("m1", ["h1", "h2", "missing", "h1"])
    assert sorted(got) == ["h1", "h2"]
    np.testing.assert_array_equal(got["h1"], _vec(1))
    assert got["h2"].dtype == np.float32


def test_entries_are_per_model(store: Store) -> None:
    cache = EmbeddingCache(store)
    cache.put_many("m1", {"h": _vec(1)})
    assert cache.get_many("m2", ["h"]) == {}


def test_an_existing_entry_is_kept(store: Store) -> None:
    cache = EmbeddingCache(store)
    cache.put_many("m1", {"h": _vec(1)})
    cache.put_many("m1", {"h": _vec(2), "other": _vec(3)})
    got = cache.get_many("m1", ["h", "other"])
    np.testing.assert_array_equal(got["h"], _vec(1))
    np.testing.assert_array_equal(got["other"], _vec(3))


def test_many_hashes_are_read_in_chunks(store: Store) -> None:
    cache = EmbeddingCache(store)
    vectors = {f"h{i}": _vec(i, 4) for i in range(1203)}
    cache.put_many("m1", vectors)
    assert len(cache.get_many("m1", vectors)) == 1203


def test_clear_one_model_or_all(store: Store) -> None:
    cache = EmbeddingCache(store)
    cache.put_many("m1", {"h": _vec(1)})
    cache.put_many("m2", {"h": _vec(2)})
    cache.clear("m1")
    assert cache.get_many("m1", ["h"]) == {}
    assert list(cache.get_many("m2", ["h"])) == ["h"]
    cache.clear()
    assert cache.get_many("m2", ["h"]) == {}


def test_the_backend_variants_of_one_model_never_share_vectors(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "multilingual-e5-small"
    folder.mkdir()
    (folder / "modules.json").write_text("[]")
    (folder / "config.json").write_text("{}")
    (folder / MARKER_FILENAME).write_text(json.dumps({"source_sha256": "ab" * 32, "dim": 4}))
    onnx_id, torch_id = OnnxEmbedder(folder).model_id, SentenceTransformerEmbedder(folder).model_id
    assert onnx_id != torch_id
    cache = EmbeddingCache(store)
    cache.put_many(onnx_id, {"h1": np.ones(4, dtype=np.float32)})
    assert set(cache.get_many(onnx_id, ["h1"])) == {"h1"}
    assert cache.get_many(torch_id, ["h1"]) == {}
