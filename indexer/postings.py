"""BM25 in memory, as Lucene (Elasticsearch) scores it, for the embedded engine.

SQLite FTS5 holds the inverted index on disk, transactionally. Ranking a
broad query with FTS5's own ``bm25()`` walks and sorts every match in SQL
(hundreds of milliseconds at 100,000 offers), and its IDF differs from
Lucene's. So the engine reads the postings into numpy once: from a snapshot
written beside each index version (fast), or from FTS5 itself when there is
none; documents written after the snapshot add their term counts from the
``docs`` table. A query then costs one vectorised pass per query term, and
the filter is the same boolean mask the vector search uses.

Scoring: idf = ln(1 + (N - n + 0.5) / (n + 0.5)) and
tf-part = tf / (tf + k1 * (1 - b + b * dl / avgdl)), k1 = 1.2, b = 0.75,
over the live documents, as Lucene does (without its lossy length encoding).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

K1 = 1.2
B = 0.75


def save_snapshot(path: Path, entries: Iterable[tuple[int, Mapping[str, int]]]) -> None:
    """Write postings ``(rowid, {term: count})`` as CSR arrays, grouped by term."""
    by_term: dict[str, tuple[list[int], list[int]]] = {}
    for rowid, counts in entries:
        for term, count in counts.items():
            rows, tfs = by_term.setdefault(term, ([], []))
            rows.append(rowid)
            tfs.append(count)
    vocab = sorted(by_term)
    sizes = [len(by_term[t][0]) for t in vocab]
    indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
    np.cumsum(sizes, out=indptr[1:])
    rowid_arr = np.fromiter((r for t in vocab for r in by_term[t][0]), dtype=np.int64, count=int(indptr[-1]))
    tf_arr = np.fromiter((c for t in vocab for c in by_term[t][1]), dtype=np.int32, count=int(indptr[-1]))
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, vocab=np.array(vocab, dtype=object), indptr=indptr, rowids=rowid_arr, tfs=tf_arr)
    tmp.replace(path)


class Postings:
    """Base postings (a snapshot, CSR by term) plus a delta for later writes."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.indptr = np.zeros(1, dtype=np.int64)
        self.base_rows = np.zeros(0, dtype=np.int64)  # matrix rows
        self.base_tfs = np.zeros(0, dtype=np.float32)
        self.base_valid = np.zeros(0, dtype=bool)  # per matrix row: its base postings still hold
        self.delta: dict[str, dict[int, int]] = {}
        self.dl = np.zeros(0, dtype=np.float32)  # document length (terms) per matrix row
        self._stats: tuple[int, int, np.ndarray] | None = None  # (n, live docs, length norm), until a write

    def invalidate(self) -> None:
        """Documents came or went: recompute the collection statistics on the next query."""
        self._stats = None

    def load_csr(
        self,
        vocab: Sequence[str],
        indptr: np.ndarray,
        rowids: np.ndarray,
        tfs: np.ndarray,
        rowid_to_row: Mapping[int, int] | tuple[np.ndarray, np.ndarray],
    ) -> None:
        """Take base postings keyed by SQLite rowid; rowids not loaded are dropped.

        ``rowid_to_row`` maps a rowid to its matrix row: a mapping, or two int arrays
        ``(rowids, rows)`` (vectorised; 300,000 rows in milliseconds instead of a second).
        """
        lookup = np.full(int(rowids.max()) + 1 if rowids.size else 1, -1, dtype=np.int64)
        if isinstance(rowid_to_row, tuple):
            keys, values = (np.asarray(a, dtype=np.int64) for a in rowid_to_row)
            inside = keys < lookup.size
            lookup[keys[inside]] = values[inside]
        else:
            for rowid, row in rowid_to_row.items():
                if rowid < lookup.size:
                    lookup[rowid] = row
        rows = lookup[rowids] if rowids.size else rowids
        keep = rows >= 0
        counts = np.add.reduceat(keep.astype(np.int64), indptr[:-1]) if rows.size else np.zeros(len(vocab), np.int64)
        counts[np.diff(indptr) == 0] = 0  # reduceat repeats a value for empty slices
        self.vocab = {term: i for i, term in enumerate(vocab)}
        self.indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(counts, out=self.indptr[1:])
        self.base_rows = rows[keep]
        self.base_tfs = tfs[keep].astype(np.float32)
        self.delta = {}
        self._stats = None

    def grow(self, capacity: int) -> None:
        if capacity > self.dl.size:
            self.dl = np.concatenate([self.dl, np.zeros(capacity - self.dl.size, dtype=np.float32)])
            self.base_valid = np.concatenate([self.base_valid, np.zeros(capacity - self.base_valid.size, dtype=bool)])

    def mark_base(self, rows: Iterable[int] | np.ndarray) -> None:
        """These rows' base postings are theirs (loaded with the snapshot)."""
        idx = rows.astype(np.int64) if isinstance(rows, np.ndarray) else np.fromiter(rows, dtype=np.int64)
        self.base_valid[idx] = True

    def replace(self, row: int, counts: Mapping[str, int]) -> None:
        """A document written after the snapshot: its terms live in the delta."""
        self.base_valid[row] = False
        for per_row in self.delta.values():
            per_row.pop(row, None)
        for term, count in counts.items():
            self.delta.setdefault(term, {})[row] = int(count)
        self.dl[row] = float(sum(counts.values()))
        self._stats = None

    def score(self, terms: Sequence[str], alive: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """BM25 of every row for the OR of ``terms``; also which rows match at all."""
        live = alive[:n]
        if self._stats is None or self._stats[0] != n:
            docs = int(live.sum())
            avgdl = (float(self.dl[:n][live].mean()) or 1.0) if docs else 1.0
            self._stats = (n, docs, K1 * (1.0 - B + B * self.dl[:n] / avgdl))
        _, n_docs, norm = self._stats
        scores = np.zeros(n, dtype=np.float64)
        matched = np.zeros(n, dtype=bool)
        if n_docs == 0:
            return scores, matched
        for term in terms:
            rows, tfs = self._postings(term, n)
            if rows.size == 0:
                continue
            ok = live[rows]
            rows, tfs = rows[ok], tfs[ok]
            df = rows.size
            if df == 0:
                continue
            idf = math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
            scores[rows] += idf * tfs / (tfs + norm[rows])
            matched[rows] = True
        return scores, matched

    def _postings(self, term: str, n: int) -> tuple[np.ndarray, np.ndarray]:
        rows_parts, tf_parts = [], []
        i = self.vocab.get(term)
        if i is not None:
            lo, hi = self.indptr[i], self.indptr[i + 1]
            rows, tfs = self.base_rows[lo:hi], self.base_tfs[lo:hi]
            valid = (rows < n) & self.base_valid[np.minimum(rows, self.base_valid.size - 1)]
            rows_parts.append(rows[valid])
            tf_parts.append(tfs[valid])
        extra = self.delta.get(term)
        if extra:
            rows_parts.append(np.fromiter(extra.keys(), dtype=np.int64, count=len(extra)))
            tf_parts.append(np.fromiter(extra.values(), dtype=np.float32, count=len(extra)))
        if not rows_parts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        return np.concatenate(rows_parts), np.concatenate(tf_parts)
