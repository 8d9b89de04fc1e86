"""The fused fp32 ONNX graph: written once, atomically, tied to the weights it came from."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from indexer.embedder import MARKER_FILENAME, ONNX_FILENAME, ONNX_MARKER, ONNX_SUBDIR, OnnxEmbedder
from indexer.model_prepare import prepare_model
from indexer.modelprep.onnx_export import ONNX_DATA, onnx_is_complete, write_onnx

# The fusions ONNX Runtime must find in a 12-layer BERT for the graph to be the fast one.
EXPECTED_FUSIONS = {"EmbedLayerNormalization": 1, "Attention": 12, "SkipLayerNormalization": 24, "BiasGelu": 12}


def _fake_folder(path: Path, sha: str = "ab" * 32) -> Path:
    path.mkdir(parents=True)
    (path / MARKER_FILENAME).write_text(json.dumps({"source_sha256": sha, "converter_version": 1}))
    return path


def test_a_folder_without_weights_is_refused(tmp_path: Path) -> None:
    folder = _fake_folder(tmp_path / "m")
    assert not onnx_is_complete(folder)
    with pytest.raises(FileNotFoundError, match=r"config\.json"):
        write_onnx(folder)
    assert not (folder / ONNX_SUBDIR / ONNX_FILENAME).exists()


def test_a_graph_of_other_weights_is_not_complete(tmp_path: Path) -> None:
    folder = _fake_folder(tmp_path / "m")
    (folder / ONNX_SUBDIR).mkdir()
    (folder / ONNX_SUBDIR / ONNX_FILENAME).write_bytes(b"graph")
    (folder / ONNX_SUBDIR / ONNX_DATA).write_bytes(b"weights")
    marker = {"variant": "onnx-fp32-fused", "weights": f"{'ab' * 32}/v1"}
    (folder / ONNX_SUBDIR / ONNX_MARKER).write_text(json.dumps(marker))
    assert onnx_is_complete(folder)
    (folder / ONNX_SUBDIR / ONNX_DATA).unlink()
    assert not onnx_is_complete(folder)  # a graph without its weights (or one from before they moved out)
    (folder / ONNX_SUBDIR / ONNX_DATA).write_bytes(b"weights")
    (folder / MARKER_FILENAME).write_text(json.dumps({"source_sha256": "cd" * 32, "converter_version": 1}))
    assert not onnx_is_complete(folder)  # the weights were prepared again: the graph is stale
    (folder / MARKER_FILENAME).write_text(json.dumps({"source_sha256": "ab" * 32, "converter_version": 1}))
    (folder / ONNX_SUBDIR / ONNX_MARKER).write_text(json.dumps({**marker, "variant": "onnx-int8"}))
    assert not onnx_is_complete(folder)


@pytest.mark.model
def test_prepare_writes_the_graph_once(real_model_dir: Path) -> None:
    graph, marker = real_model_dir / ONNX_SUBDIR / ONNX_FILENAME, real_model_dir / ONNX_SUBDIR / ONNX_MARKER
    assert onnx_is_complete(real_model_dir)
    before = [graph.stat().st_mtime_ns, marker.stat().st_mtime_ns]
    assert prepare_model(real_model_dir, progress=False) == real_model_dir
    assert [graph.stat().st_mtime_ns, marker.stat().st_mtime_ns] == before
    fused = json.loads(marker.read_text())["fused_operators"]
    assert {name: fused.get(name) for name in EXPECTED_FUSIONS} == EXPECTED_FUSIONS


@pytest.mark.model
def test_export_into_a_fresh_folder(real_model_dir: Path, tmp_path: Path) -> None:
    """A real export (about a minute): the graph, then the marker, no work files left, same vectors."""
    folder = tmp_path / "multilingual-e5-small"
    folder.mkdir()
    for name in ("config.json", "model.safetensors", "tokenizer.json", "sentence_bert_config.json", MARKER_FILENAME):
        (folder / name).symlink_to(real_model_dir / name)
    graph = write_onnx(folder)
    assert graph == folder / ONNX_SUBDIR / ONNX_FILENAME
    assert onnx_is_complete(folder)
    assert sorted(p.name for p in graph.parent.iterdir()) == sorted([ONNX_FILENAME, ONNX_DATA, ONNX_MARKER])
    assert (graph.parent / ONNX_DATA).stat().st_size > 400e6  # the weights live beside the graph, mmapped
    fused = json.loads((graph.parent / ONNX_MARKER).read_text())["fused_operators"]
    assert {name: fused.get(name) for name in EXPECTED_FUSIONS} == EXPECTED_FUSIONS
    mtime = graph.stat().st_mtime_ns
    assert write_onnx(folder) == graph and graph.stat().st_mtime_ns == mtime  # complete: nothing written
    text = "Strikkecafé på biblioteket i Auning"
    fresh, shared = OnnxEmbedder(folder).embed_query(text), OnnxEmbedder(real_model_dir).embed_query(text)
    assert float(np.dot(fresh, shared)) >= 0.99999
