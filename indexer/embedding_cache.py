"""Embeddings cached in the store by (model id, content hash).

The model id names the weights *and* the backend variant that computed the
vectors (``multilingual-e5-small@<sha>@onnx-fp32-fused`` or ``…@torch-fp32``,
see ``indexer.embedder``), so switching ``EMBEDDING_BACKEND`` or the weights
never serves a vector of the other variant.

The model is the slow part of indexing (tens of passages per second on two
cores); an offer whose text has not changed is never embedded twice, also
not across a full rebuild or a restart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from catalogue.store import Store

from .models import EmbeddingCache as Row


class EmbeddingCache:
    """Vectors keyed by ``(model_id, content_hash)``; float32, one row per passage text.

    All access goes through :meth:`Store.read` / :meth:`Store.write` sessions.
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    def get_many(self, model_id: str, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        """The cached vectors among ``hashes`` for ``model_id`` (hash -> float32 vector); misses are absent."""
        wanted = list(dict.fromkeys(hashes))
        found: dict[str, np.ndarray] = {}
        with self.store.read() as session:
            for start in range(0, len(wanted), 500):  # stay under bind-parameter limits
                chunk = wanted[start : start + 500]
                rows = session.execute(
                    select(Row.content_hash, Row.vector).where(Row.model_id == model_id, Row.content_hash.in_(chunk))
                )
                for content_hash, blob in rows:
                    found[content_hash] = np.frombuffer(blob, dtype=np.float32).copy()
        return found

    def put_many(self, model_id: str, vectors: Mapping[str, np.ndarray]) -> None:
        """Store ``hash -> vector`` for ``model_id`` in one transaction; existing entries are kept as they are."""
        if not vectors:
            return
        values = [
            {"model_id": model_id, "content_hash": h, "dim": int(v.size), "vector": np.asarray(v, np.float32).tobytes()}
            for h, v in vectors.items()
        ]
        insert = pg_insert if self.store.dialect == "postgresql" else sqlite_insert
        stmt = insert(Row).values(values).on_conflict_do_nothing(index_elements=["model_id", "content_hash"])
        with self.store.write() as session:
            session.execute(stmt)

    def clear(self, model_id: str | None = None) -> None:
        """Forget the vectors of ``model_id``, or of every model when it is None."""
        stmt = delete(Row) if model_id is None else delete(Row).where(Row.model_id == model_id)
        with self.store.write() as session:
            session.execute(stmt)
