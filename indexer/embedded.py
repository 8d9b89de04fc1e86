"""The embedded search engine: no server, one directory on disk.

- BM25: terms analysed in Python (:mod:`indexer.analysis`), stored in SQLite
  FTS5 and scored in memory as Lucene does (:mod:`indexer.postings`).
- kNN: the normalised embeddings as one numpy matrix in memory.
- Filters: a boolean mask over columnar copies of the filter fields
  (:mod:`indexer.embedded_mask`), the same for both kinds of search.
- Versions: each rebuild writes a new SQLite file and then replaces the
  ``CURRENT`` pointer file atomically (:mod:`indexer.embedded_storage`), so a
  failed rebuild leaves the old version serving.
- Several processes (gunicorn workers) may share the directory: every write
  bumps a sequence number, and readers load just the changed rows before
  their next query.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from . import embedded_storage as storage
from .analysis import analyze_query
from .backend import Candidate, IndexInfo, check_k, check_vector
from .documents import SearchDocument
from .embedded_columns import ColumnsSnapshot
from .embedded_mask import Columns, filter_mask
from .embedded_storage import POINTER, StoredRow
from .filters import SearchFilter
from .postings import Postings

__all__ = ["POINTER", "EmbeddedBackend"]

#: Full matrix products kept for reuse (one per concurrent match in a worker; each is ``4 * n`` bytes).
PRODUCT_CACHE = 4


class EmbeddedBackend:
    """The default backend (:class:`indexer.backend.SearchBackend`); see the module docstring.

    ``directory`` holds the index versions; ``dim`` is the embedding size
    (384 for multilingual-e5-small). Thread-safe within a process.
    """

    name = "embedded"

    def __init__(self, directory: Path | str, dim: int = 384) -> None:
        self.directory = Path(directory)
        self.dim = dim
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._version: str | None = None
        self._pointer_mtime: int | None = None
        self._loaded_seq = -1
        self._cols = Columns(dim)
        self._postings = Postings()
        self._products: dict[tuple[bytes, int, int], np.ndarray] = {}
        self._products_computed = 0

    # -- opening and catching up ---------------------------------------------------

    def _ensure_open(self) -> sqlite3.Connection:
        """Open (or re-open after another process rebuilt) and catch up."""
        with self._lock:
            mtime = storage.pointer_mtime(self.directory)
            if self._conn is None or mtime != self._pointer_mtime:
                version = storage.read_pointer(self.directory)
                if self._conn is not None:
                    self._conn.close()
                self._conn = storage.open_version(self.directory, version)
                self._version, self._pointer_mtime = version, mtime
                self._loaded_seq, self._cols, self._postings = -1, Columns(self.dim), Postings()
                self._products.clear()
            self._catch_up(self._conn)
            return self._conn

    def _catch_up(self, conn: sqlite3.Connection) -> None:
        seq = storage.current_seq(conn)
        if seq == self._loaded_seq:
            return
        since = self._loaded_seq
        snap = self._load_snapshot(conn) if since < 0 else None
        if snap is not None:
            since = snap.seq
        deleted, rows = storage.changes_since(conn, since)
        for doc_id in deleted:
            if self._cols.drop(doc_id):
                self._postings.invalidate()
        placed = self._cols.place([(r.source, r.embedding) for r in rows])
        self._postings.grow(self._cols.capacity)
        self._postings.invalidate()
        if snap is not None:
            self._load_snapshot_postings(conn, snap, rows, placed)
        elif since < 0:
            self._load_postings(conn, rows, placed)
        else:
            for r, at in zip(rows, placed, strict=True):
                self._postings.replace(at, json.loads(r.tf))
        self._loaded_seq = seq

    def _load_snapshot(self, conn: sqlite3.Connection) -> ColumnsSnapshot | None:
        """Take the columns from the version's snapshot (:mod:`indexer.embedded_columns`); None without one."""
        snap = storage.read_columns(conn, self.directory, self._version or "")
        if snap is not None:
            self._cols = snap.columns
            self._postings.grow(self._cols.capacity)
        return snap

    def _load_snapshot_postings(
        self, conn: sqlite3.Connection, snap: ColumnsSnapshot, rows: list[StoredRow], placed: list[int]
    ) -> None:
        """After a columns snapshot: postings from their own snapshot for its rows, later rows from term counts."""
        csr = storage.read_postings(conn, self.directory, self._version or "")
        keep = np.ones(len(snap.rowids), dtype=bool)
        rewritten = np.asarray(placed, dtype=np.int64)
        keep[rewritten[rewritten < keep.size]] = False  # written after the snapshot: their terms come below
        base_rows = np.flatnonzero(keep)
        if csr.seq is not None and csr.seq < snap.seq:  # cannot happen for a rebuild's own files: be safe
            raise ValueError("the postings snapshot is older than the columns snapshot")
        self._postings.load_csr(csr.vocab, csr.indptr, csr.rowids, csr.tfs, (snap.rowids[base_rows], base_rows))
        self._postings.mark_base(base_rows)
        self._postings.dl[: len(snap.dl)] = snap.dl
        for r, at in zip(rows, placed, strict=True):
            self._postings.replace(at, json.loads(r.tf))

    def _load_postings(self, conn: sqlite3.Connection, rows: list[StoredRow], placed: list[int]) -> None:
        """Postings from this version's snapshot, else from FTS5 itself; later writes from their term counts."""
        csr = storage.read_postings(conn, self.directory, self._version or "")
        base = {r.rowid: at for r, at in zip(rows, placed, strict=True) if csr.seq is None or r.seq <= csr.seq}
        self._postings.load_csr(csr.vocab, csr.indptr, csr.rowids, csr.tfs, base)
        self._postings.mark_base(base.values())
        for r, at in zip(rows, placed, strict=True):
            if r.rowid in base:
                self._postings.dl[at] = float(r.dl)
            else:
                self._postings.replace(at, json.loads(r.tf))

    # -- writing -----------------------------------------------------------------

    def upsert(self, docs: Iterable[SearchDocument]) -> int:
        conn = self._ensure_open()
        with self._lock:
            n = storage.write_documents(conn, docs, self.dim)
            self._catch_up(conn)
        return n

    def delete(self, ids: Iterable[str]) -> int:
        conn = self._ensure_open()
        with self._lock:
            removed = storage.delete_documents(conn, ids)
            self._catch_up(conn)
        return removed

    def rebuild(self, docs: Iterable[SearchDocument], total: int | None = None) -> IndexInfo:
        """Write a new version beside the old one, then move the pointer."""
        version, count = storage.create_version(self.directory, docs, self.dim)
        with self._lock:
            self._pointer_mtime = None  # re-open on next use
        return IndexInfo(name=str(self.directory), version=version, count=count)

    def create_empty(self) -> IndexInfo:
        """Start with an empty index (the first sync can then fill it)."""
        return self.rebuild([])

    # -- reading -----------------------------------------------------------------

    def info(self) -> IndexInfo:
        conn = self._ensure_open()
        with self._lock:
            (count,) = conn.execute("SELECT count(*) FROM docs").fetchone()
        return IndexInfo(name=str(self.directory), version=self._version or "", count=int(count))

    def count(self, flt: SearchFilter | None = None) -> int:
        self._ensure_open()
        with self._lock:
            return int(filter_mask(self._cols, flt).sum())

    def get(self, doc_id: str) -> dict[str, Any] | None:
        conn = self._ensure_open()
        with self._lock:
            row = conn.execute("SELECT source FROM docs WHERE id = ?", (doc_id,)).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def ids(self) -> list[str]:
        conn = self._ensure_open()
        with self._lock:
            return [r[0] for r in conn.execute("SELECT id FROM docs ORDER BY id")]

    def lexical_candidates(self, query: str, flt: SearchFilter | None = None, k: int = 100) -> list[Candidate]:
        """BM25 (Lucene's formula, see :mod:`indexer.postings`) under the filter's mask."""
        check_k(k)
        terms = analyze_query(query)
        if not terms:
            return []
        self._ensure_open()
        with self._lock:
            cols = self._cols
            scores, matched = self._postings.score(terms, cols.alive, cols.n)
            idx = np.flatnonzero(matched & filter_mask(cols, flt))
            return self._top(idx, scores[idx], k, lambda s: s)

    def vector_candidates(self, vector: np.ndarray, flt: SearchFilter | None = None, k: int = 100) -> list[Candidate]:
        """Cosine kNN under the filter's mask; score ``(1 + cosine) / 2`` as Elasticsearch's cosine similarity."""
        check_k(k)
        q = check_vector(vector, self.dim)
        self._ensure_open()
        with self._lock:
            cols = self._cols
            idx = np.flatnonzero(filter_mask(cols, flt))
            if idx.size == 0:
                return []
            sims = cols.matrix[idx] @ q if idx.size < cols.n // 2 else self._full_product(q)[idx]
            return self._top(idx, sims, k, lambda s: (1.0 + s) / 2.0)

    def _full_product(self, q: np.ndarray) -> np.ndarray:
        """``matrix @ q`` over every row, reused for the same vector until the next write.

        A match asks for vector candidates up to three times with one query vector (its filter, the
        topical filter, the unfiltered pool); with a broad filter each would scan the whole matrix
        (about 460 MB at 300,000 offers). The last :data:`PRODUCT_CACHE` products are kept, keyed by
        the vector's bytes and the loaded write sequence, so a write never serves a stale product.
        Call with ``self._lock`` held.
        """
        key = (q.tobytes(), self._loaded_seq, self._cols.n)
        hit = self._products.get(key)
        if hit is None:
            hit = self._cols.matrix[: self._cols.n] @ q
            self._products_computed += 1
            self._products[key] = hit
            while len(self._products) > PRODUCT_CACHE:
                del self._products[next(iter(self._products))]
        return hit

    def _top(self, idx: np.ndarray, values: np.ndarray, k: int, to_score: Callable[[float], float]) -> list[Candidate]:
        """The k best of ``idx`` by ``values``, ties by id (deterministic, as Elasticsearch sorts)."""
        if idx.size == 0:
            return []
        take = min(k, idx.size)
        top = np.argpartition(-values, take - 1)[:take] if take < idx.size else np.arange(idx.size)
        # A tie at the cut-off must not depend on argpartition's choice: take every tied value.
        if take < idx.size:
            cut = values[top].min()
            top = np.flatnonzero(values >= cut)
        ids = self._cols.ids
        order = sorted(top.tolist(), key=lambda i: (-float(values[i]), ids[idx[i]]))[:take]
        return [Candidate(ids[idx[i]], to_score(float(values[i]))) for i in order]

    # -- meta --------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        conn = self._ensure_open()
        with self._lock:
            return storage.get_meta(conn, key)

    def set_meta(self, key: str, value: str) -> None:
        conn = self._ensure_open()
        with self._lock:
            storage.set_meta(conn, key, value)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
            self._conn, self._pointer_mtime, self._loaded_seq = None, None, -1
            self._cols, self._postings = Columns(self.dim), Postings()
