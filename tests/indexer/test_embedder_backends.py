"""The ONNX and torch embedders on the real model: same vectors, same behaviour, no torch on the ONNX path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from indexer.embedder import Embedder, OnnxEmbedder, SentenceTransformerEmbedder

pytestmark = pytest.mark.model

REPO_ROOT = Path(__file__).resolve().parents[2]

TEXTS = [
    "Savner at komme ud blandt andre efter min mand døde.",
    "Seniorkor i Grenaa: vi synger hver tirsdag formiddag og drikker kaffe bagefter.",
    "Cykelværkstedet hjælper dig med at reparere din cykel hver lørdag.",
    "Strikkecafé på biblioteket i Auning",
    "I would like to meet people and practise my Danish.",
    "Walking group for newcomers along the beach in Grenaa.",
    "Хочу знайти хор для літніх людей.",
    "Розмовне кафе для українців, які вивчають данську мову.",
    "أبحث عن نادي للمشي بالقرب من منزلي",
    "مقهى لغوي لتعلم اللغة الدنماركية",
    "x",
    "Fællesspisning i forsamlingshuset hver torsdag kl. 18 - alle er velkomne, også børnefamilier. " * 12,
]


@pytest.fixture(scope="module")
def embedders(real_model_dir: Path) -> dict[str, Embedder]:
    return {
        "torch": SentenceTransformerEmbedder(real_model_dir, batch_size=4),
        "onnx": OnnxEmbedder(real_model_dir, batch_size=4),
    }


def test_onnx_gives_the_torch_vectors(embedders: dict[str, Embedder]) -> None:
    torch_docs = embedders["torch"].embed_documents(TEXTS)
    onnx_docs = embedders["onnx"].embed_documents(TEXTS)
    assert onnx_docs.shape == torch_docs.shape == (len(TEXTS), 384)
    assert float(np.min(np.sum(onnx_docs * torch_docs, axis=1))) >= 0.9999
    for text in TEXTS:
        query_cosine = float(embedders["onnx"].embed_query(text) @ embedders["torch"].embed_query(text))
        assert query_cosine >= 0.9999, text[:40]


def test_the_prefixes_make_query_and_passage_vectors_differ(embedders: dict[str, Embedder]) -> None:
    onnx = embedders["onnx"]
    query, passage = onnx.embed_query(TEXTS[0]), onnx.embed_documents([TEXTS[0]])[0]
    assert float(query @ passage) < 0.999  # "query: " and "passage: " really were prepended


def test_a_batch_gives_the_vectors_of_its_texts_alone(embedders: dict[str, Embedder]) -> None:
    onnx = embedders["onnx"]
    batched = onnx.embed_documents(TEXTS)  # three batches of 4, padded, sorted by length inside
    alone = np.stack([onnx.embed_documents([text])[0] for text in TEXTS])
    np.testing.assert_allclose(batched, alone, atol=2e-5)


@pytest.mark.parametrize("backend", ["onnx", "torch"])
def test_shapes_units_and_ranking(embedders: dict[str, Embedder], backend: str) -> None:
    embedder = embedders[backend]
    assert isinstance(embedder, Embedder) and embedder.dim == 384
    assert embedder.model_id.endswith("@onnx-fp32-fused" if backend == "onnx" else "@torch-fp32")
    docs = embedder.embed_documents(TEXTS[1:4])
    assert docs.shape == (3, 384) and docs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    assert embedder.embed_documents([]).shape == (0, 384)
    query = embedder.embed_query("hvor kan jeg få lappet min cykel")
    assert query.shape == (384,) and query.dtype == np.float32
    assert int(np.argmax(docs @ query)) == 1


def test_the_onnx_path_never_imports_torch(real_model_dir: Path) -> None:
    code = (
        "import sys; from indexer.embedder import OnnxEmbedder; "
        f"e = OnnxEmbedder({str(real_model_dir)!r}); v = e.embed_query('hej'); "
        "print(v.shape[0], sorted(m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "384 []"
