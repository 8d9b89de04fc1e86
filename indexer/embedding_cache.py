"""Embeddings cached in the store by (model id, content hash).

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
    def __init__(self, store: Store) -> None:
        self.store = store

    def get_many(self, model_id: str, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        wanted = list(dict.fromkeys(hashes))
        found: dict[str, np.ndarray] = {}
        with self.store.engine.connect() as conn:
            for start in range(0, len(wanted), 500):  # stay under bind-parameter limits
                chunk = wanted[start : start + 500]
                rows = conn.execute(
                    select(Row.content_hash, Row.vector).where(Row.model_id == model_id, Row.content_hash.in_(chunk))
                )
                for content_hash, blob in rows:
                    found[content_hash] = np.frombuffer(blob, dtype=np.float32).copy()
        return found

    def put_many(self, model_id: str, vectors: Mapping[str, np.ndarray]) -> None:
        if not vectors:
            return
        values = [
            {"model_id": model_id, "content_hash": h, "dim": int(v.size), "vector": np.asarray(v, np.float32).tobytes()}
            for h, v in vectors.items()
        ]
        insert = pg_insert if self.store.dialect == "postgresql" else sqlite_insert
        stmt = insert(Row).values(values).on_conflict_do_nothing(index_elements=["model_id", "content_hash"])
        with self.store.engine.begin() as conn:
            conn.execute(stmt)

    def clear(self, model_id: str | None = None) -> None:
        with self.store.engine.begin() as conn:
            stmt = delete(Row) if model_id is None else delete(Row).where(Row.model_id == model_id)
            conn.execute(stmt)
