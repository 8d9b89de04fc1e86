"""Per-app resources, kept in ``app.extensions`` and made by ``init_app``.

Nothing here connects or loads anything at import time, and nothing loads
at app creation either: the store's engine opens its first connection on
first use, the search backend is opened on the first query, and the
embedding model loads on the first embedding.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, current_app

from catalogue.store import Store
from indexer.backend import SearchBackend
from indexer.embedder import Embedder, FakeEmbedder, OnnxEmbedder, SentenceTransformerEmbedder, resolve_model
from indexer.sync import Indexer
from matcher.matcher import Matcher

from .auth import Throttle
from .config import parse_rate


def init_app(app: Flask) -> None:
    data_dir = Path(app.config["DATA_DIR"])
    data_dir.mkdir(parents=True, exist_ok=True)
    app.extensions["store"] = Store(app.config["DATABASE_URL"])
    app.extensions["embedder"] = make_embedder(app.config, data_dir)
    app.extensions["backend"] = make_backend(app.config, data_dir, int(app.config["EMBEDDING_DIM"]))
    app.extensions["indexer"] = Indexer(app.extensions["store"], app.extensions["backend"], app.extensions["embedder"])
    app.extensions["matcher"] = Matcher(app.extensions["store"], app.extensions["backend"], app.extensions["embedder"])
    app.extensions["throttle"] = Throttle(
        app.extensions["store"], {"match": _rate(app.config["RATE_MATCH"]), "write": _rate(app.config["RATE_WRITE"])}
    )


def _rate(value: Any) -> tuple[int, float]:
    """A :class:`~api.config.Rate` (or ``"30/60"`` put into ``app.config`` later) -> (burst, window seconds)."""
    rate = parse_rate(value)
    return rate.burst, rate.seconds


def make_embedder(config: Any, data_dir: Path) -> Embedder:
    """The real model on ``EMBEDDING_BACKEND`` (``onnx``, ``onnx-int8`` or ``torch``), unless ``EMBEDDING_MODEL=fake``
    (tests only)."""
    choice = config.get("EMBEDDING_MODEL")
    if choice == "fake":
        return FakeEmbedder(int(config.get("EMBEDDING_DIM", 384)))
    model = resolve_model(data_dir, choice)
    if config.get("EMBEDDING_BACKEND", "onnx") == "torch":
        return SentenceTransformerEmbedder(model)
    if config.get("EMBEDDING_BACKEND") == "onnx-int8":
        return OnnxEmbedder(model, variant="int8")
    return OnnxEmbedder(model)


def make_backend(config: Any, data_dir: Path, dim: int) -> SearchBackend:
    url = config.get("ELASTICSEARCH_URL")
    if url:
        from indexer.es_backend import ElasticsearchBackend

        return ElasticsearchBackend(
            url,
            prefix=config.get("ELASTICSEARCH_PREFIX", "faellesskab"),
            dim=dim,
            timeout=float(config.get("ELASTICSEARCH_TIMEOUT_S", 5)),
        )
    from indexer.embedded import EmbeddedBackend

    return EmbeddedBackend(data_dir / "search", dim=dim)


def get_store(app: Flask | None = None) -> Store:
    store: Store = (app or current_app).extensions["store"]
    return store


def get_backend(app: Flask | None = None) -> SearchBackend:
    backend: SearchBackend = (app or current_app).extensions["backend"]
    return backend


def get_embedder(app: Flask | None = None) -> Embedder:
    embedder: Embedder = (app or current_app).extensions["embedder"]
    return embedder


def get_indexer(app: Flask | None = None) -> Indexer:
    indexer: Indexer = (app or current_app).extensions["indexer"]
    return indexer
