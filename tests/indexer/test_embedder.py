"""Embedder protocol, the FakeEmbedder test double, model resolution and lazy loading.

None of these tests needs the real model.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from indexer.embedder import (
    MARKER_FILENAME,
    Embedder,
    FakeEmbedder,
    ModelNotPreparedError,
    OnnxEmbedder,
    SentenceTransformerEmbedder,
    resolve_model,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


# --- FakeEmbedder -----------------------------------------------------------
def test_fake_embedder_satisfies_the_protocol() -> None:
    embedder = FakeEmbedder()
    assert isinstance(embedder, Embedder)
    assert embedder.dim == 384
    assert embedder.model_id.startswith("fake-")


def test_fake_embedder_shapes_dtype_and_unit_norm() -> None:
    embedder = FakeEmbedder(dim=64)
    docs = embedder.embed_documents(["Strikkeklub i Grenaa", "Cykelværksted for alle", "", "!!!"])
    assert docs.shape == (4, 64)
    assert docs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(docs, axis=1), 1.0, rtol=1e-5)
    assert not np.isnan(docs).any()
    query = embedder.embed_query("strikning")
    assert query.shape == (64,)
    assert query.dtype == np.float32
    assert embedder.embed_documents([]).shape == (0, 64)


def test_fake_embedder_is_deterministic_across_instances() -> None:
    texts = ["Fællesspisning i Auning hver torsdag", "Løbeklub for begyndere"]
    first = FakeEmbedder().embed_documents(texts)
    second = FakeEmbedder().embed_documents(texts)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(FakeEmbedder().embed_query(texts[0]), first[0])


def test_fake_embedder_is_deterministic_across_processes() -> None:
    code = "from indexer.embedder import FakeEmbedder; print(FakeEmbedder(16).embed_query('æbleskiver').tolist())"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == FakeEmbedder(16).embed_query("æbleskiver").tolist()


def test_fake_embedder_texts_sharing_words_are_closer() -> None:
    embedder = FakeEmbedder()
    query = embedder.embed_query("cykel værksted")
    bike, food, knit = embedder.embed_documents(
        [
            "Frivilligt cykelværksted: vi reparerer din cykel i værkstedet",
            "Madklub hvor vi laver aftensmad sammen",
            "Strikkecafé på biblioteket",
        ]
    )
    assert cosine(query, bike) > cosine(query, food)
    assert cosine(query, bike) > cosine(query, knit)
    # inflected forms share stems and trigrams
    assert cosine(embedder.embed_query("fællesskaber"), embedder.embed_query("fællesskabet")) > cosine(
        embedder.embed_query("fællesskaber"), embedder.embed_query("svømmehal")
    )


def test_fake_embedder_rejects_tiny_dims() -> None:
    with pytest.raises(ValueError):
        FakeEmbedder(dim=2)


# --- resolve_model ----------------------------------------------------------
def test_resolve_model_defaults_to_the_prepared_folder(tmp_path: Path) -> None:
    expected = tmp_path / "models" / "multilingual-e5-small"
    assert resolve_model(tmp_path, None) == expected
    assert resolve_model(tmp_path, "") == expected
    assert resolve_model(tmp_path, "   ") == expected


def test_resolve_model_hub_name_stays_a_string(tmp_path: Path) -> None:
    resolved = resolve_model(tmp_path, "intfloat/multilingual-e5-small")
    assert resolved == "intfloat/multilingual-e5-small"
    assert isinstance(resolved, str)


def test_resolve_model_local_paths_become_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_model(tmp_path, str(tmp_path / "my-model")) == tmp_path / "my-model"
    assert resolve_model(tmp_path, "./models/x") == Path("models/x")
    assert resolve_model(tmp_path, "~/models/x") == Path.home() / "models" / "x"
    # an existing relative folder wins over the hub-name reading
    (tmp_path / "org" / "name").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    assert resolve_model(tmp_path, "org/name") == Path("org/name")


# --- the real embedders without a model ---------------------------------------
BACKENDS = [SentenceTransformerEmbedder, OnnxEmbedder]


@pytest.mark.parametrize("cls", BACKENDS)
def test_construction_never_loads_or_raises(tmp_path: Path, cls: type) -> None:
    missing = tmp_path / "models" / "multilingual-e5-small"
    embedder = cls(missing)  # must not raise
    assert "not loaded" in repr(embedder)
    with pytest.raises(ModelNotPreparedError) as excinfo:
        embedder.embed_documents(["hej"])
    message = str(excinfo.value)
    assert str(missing) in message
    assert "faellesskab model prepare" in message
    assert "EMBEDDING_MODEL" in message
    with pytest.raises(ModelNotPreparedError):
        embedder.embed_query("hej")
    with pytest.raises(ModelNotPreparedError):
        _ = embedder.model_id


def test_importing_the_module_does_not_import_torch() -> None:
    code = (
        "import sys, indexer.embedder as e; e.SentenceTransformerEmbedder('/nonexistent/model'); "
        "e.OnnxEmbedder('/nonexistent/model'); "
        "print(any(m in sys.modules for m in ('torch', 'sentence_transformers', 'transformers', 'onnxruntime')))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_model_id_of_a_hub_name_is_the_name_and_variant() -> None:
    model_id = SentenceTransformerEmbedder("intfloat/multilingual-e5-small").model_id
    assert model_id == "intfloat/multilingual-e5-small@torch-fp32"


def test_the_onnx_backend_refuses_a_hub_name() -> None:
    embedder = OnnxEmbedder("intfloat/multilingual-e5-small")
    with pytest.raises(ModelNotPreparedError, match="EMBEDDING_BACKEND=torch"):
        embedder.embed_query("hej")
    with pytest.raises(ModelNotPreparedError, match="local prepared folder"):
        _ = embedder.model_id


def test_the_onnx_backend_names_the_prepare_command_when_the_graph_is_missing(tmp_path: Path) -> None:
    folder = tmp_path / "multilingual-e5-small"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"hidden_size": 384}))
    embedder = OnnxEmbedder(folder)
    assert embedder.dim == 384  # from config.json, without a load
    with pytest.raises(ModelNotPreparedError, match="faellesskab model prepare") as excinfo:
        embedder.embed_documents(["hej"])
    assert "model_fused_fp32.onnx" in str(excinfo.value)


def test_model_id_and_dim_come_from_the_prepare_marker(tmp_path: Path) -> None:
    folder = tmp_path / "multilingual-e5-small"
    folder.mkdir()
    (folder / "modules.json").write_text("[]")
    (folder / "config.json").write_text("{}")
    sha = "ab" * 32
    (folder / MARKER_FILENAME).write_text(json.dumps({"source_sha256": sha, "dim": 384}))
    torch_embedder, onnx_embedder = SentenceTransformerEmbedder(folder), OnnxEmbedder(folder)
    # One weights id, one variant each: their vectors never share a cache key or an index.
    assert torch_embedder.model_id == f"multilingual-e5-small@{sha[:16]}@torch-fp32"
    assert onnx_embedder.model_id == f"multilingual-e5-small@{sha[:16]}@onnx-fp32-fused"
    for embedder in (torch_embedder, onnx_embedder):
        assert embedder.dim == 384
        assert "not loaded" in repr(embedder)


def test_model_id_of_an_unprepared_folder_tracks_its_files(tmp_path: Path) -> None:
    folder = tmp_path / "custom"
    folder.mkdir()
    (folder / "modules.json").write_text("[]")
    (folder / "model.safetensors").write_bytes(b"weights-v1")
    first = SentenceTransformerEmbedder(folder).model_id
    assert first.startswith("custom@")
    assert SentenceTransformerEmbedder(folder).model_id == first
    (folder / "model.safetensors").write_bytes(b"weights-v2")
    assert SentenceTransformerEmbedder(folder).model_id != first
