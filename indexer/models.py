"""The indexer's own table: the embedding cache (see ``indexer.embedding_cache``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from catalogue.base import Base, UTCDateTime, utcnow


class EmbeddingCache(Base):
    """Embeddings by (model, content hash), so that re-indexing an unchanged
    offer costs no model time. Written by ``indexer.embedding_cache``."""

    __tablename__ = "embedding_cache"
    model_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
