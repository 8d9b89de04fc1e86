"""The embedded search engine: no server, one directory on disk.

- BM25: SQLite FTS5 over terms analysed in Python (:mod:`indexer.analysis`),
  with the filter compiled to SQL in the same query.
- kNN: the normalised embeddings as one numpy matrix in memory; the same
  filter is compiled to a boolean mask over columnar copies of the fields.
- Versions: each rebuild writes ``index-<version>.sqlite`` and then replaces
  the ``CURRENT`` pointer file atomically (the embedded alias), so a failed
  rebuild leaves the old version serving.
- Several processes (gunicorn workers) may share the directory: every write
  bumps a sequence number, and readers load just the changed rows before
  their next query.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from catalogue.gazetteer import EARTH_RADIUS_KM

from .analysis import analyze, analyze_query
from .backend import (
    BackendUnavailableError,
    Candidate,
    IndexInfo,
    IndexingError,
    IndexNotFoundError,
    check_k,
    check_vector,
)
from .documents import FILTER_FIELDS, SearchDocument
from .filters import AnyOf, Clause, Flag, GeoDistance, InvalidFilterError, Not, Range, SearchFilter, Term
from .postings import Postings, save_snapshot

POINTER = "CURRENT"
_LIST_KINDS = ("keyword_list", "int_list")
_SCALAR_FIELDS = [f for f, kind in FILTER_FIELDS.items() if kind not in _LIST_KINDS]
_LIST_FIELDS = [f for f, kind in FILTER_FIELDS.items() if kind in _LIST_KINDS]
_SQL_TYPES = {"keyword": "TEXT", "int": "INTEGER", "float": "REAL", "bool": "INTEGER", "date": "TEXT"}

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS docs (
    rowid INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL,
    {", ".join(f"{name} {_SQL_TYPES[FILTER_FIELDS[name]]}" for name in _SCALAR_FIELDS)},
    lat REAL, lon REAL,
    dl INTEGER NOT NULL DEFAULT 0,
    tf TEXT NOT NULL DEFAULT '{{}}',
    source TEXT NOT NULL,
    embedding BLOB NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS docs_id ON docs(id);
CREATE INDEX IF NOT EXISTS docs_seq ON docs(seq);
CREATE TABLE IF NOT EXISTS doc_terms (rowid INTEGER NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS doc_terms_fv ON doc_terms(field, value, rowid);
CREATE INDEX IF NOT EXISTS doc_terms_row ON doc_terms(rowid);
CREATE TABLE IF NOT EXISTS deleted (id TEXT PRIMARY KEY, seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(terms, tokenize = 'unicode61 remove_diacritics 0');
"""


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    try:
        conn.execute("SELECT sin(1), asin(1), sqrt(1), radians(1)")
    except sqlite3.OperationalError:  # an SQLite built without math functions
        conn.create_function("sin", 1, math.sin, deterministic=True)
        conn.create_function("cos", 1, math.cos, deterministic=True)
        conn.create_function("asin", 1, lambda x: math.asin(min(1.0, x)), deterministic=True)
        conn.create_function("sqrt", 1, math.sqrt, deterministic=True)
        conn.create_function("radians", 1, math.radians, deterministic=True)
    return conn


@dataclass
class _Columns:
    """Columnar copies of the filter fields, for numpy masks."""

    n: int = 0
    ids: list[str] = field(default_factory=list)
    row_of: dict[str, int] = field(default_factory=dict)
    alive: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    scalars: dict[str, np.ndarray] = field(default_factory=dict)  # numbers/bools as float64 (NaN = None)
    keywords: dict[str, np.ndarray] = field(default_factory=dict)  # keyword fields as int codes (-1 = None)
    codes: dict[str, dict[Any, int]] = field(default_factory=dict)  # keyword field -> value -> code
    lists: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)  # field -> value -> bool per row


class EmbeddedBackend:
    """The default backend; see the module docstring."""

    name = "embedded"

    def __init__(self, directory: Path | str, dim: int = 384) -> None:
        self.directory = Path(directory)
        self.dim = dim
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._version: str | None = None
        self._pointer_mtime: float | None = None
        self._loaded_seq = -1
        self._cols = _Columns()
        self._postings = Postings()

    # -- opening ---------------------------------------------------------------

    def _pointer(self) -> Path:
        return self.directory / POINTER

    def _ensure_open(self) -> sqlite3.Connection:
        """Open (or re-open after another process rebuilt) and catch up."""
        with self._lock:
            pointer = self._pointer()
            try:
                mtime = pointer.stat().st_mtime_ns
            except FileNotFoundError:
                raise IndexNotFoundError(str(self.directory)) from None
            if self._conn is None or mtime != self._pointer_mtime:
                version = pointer.read_text().strip()
                path = self.directory / f"index-{version}.sqlite"
                if not path.exists():
                    raise BackendUnavailableError(f"{POINTER} names {path.name}, which is missing")
                if self._conn is not None:
                    self._conn.close()
                self._conn = _connect(path)
                # Document frequencies per term, for Lucene's IDF; a temp table, nothing written to the file.
                self._conn.execute(
                    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_row USING fts5vocab(main, 'fts', 'row')"
                )
                self._version, self._pointer_mtime = version, mtime
                self._loaded_seq, self._cols, self._postings = -1, _Columns(), Postings()
            self._catch_up(self._conn)
            return self._conn

    def _catch_up(self, conn: sqlite3.Connection) -> None:
        row = conn.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()
        seq = int(row[0]) if row else 0
        if seq == self._loaded_seq:
            return
        since = self._loaded_seq
        for (doc_id,) in conn.execute("SELECT id FROM deleted WHERE seq > ?", (since,)):
            self._drop_row(doc_id)
        rows = conn.execute(
            "SELECT rowid, source, embedding, dl, tf, seq FROM docs WHERE seq > ? ORDER BY rowid", (since,)
        ).fetchall()
        placed = self._load_rows([(r[1], r[2]) for r in rows])
        self._postings.invalidate()
        if since < 0:
            self._load_postings(conn, rows, placed)
        else:
            for (_, _, _, _, tf, _), at in zip(rows, placed, strict=True):
                self._postings.replace(at, json.loads(tf))
        self._loaded_seq = seq

    def _load_postings(self, conn: sqlite3.Connection, rows: list[tuple[Any, ...]], placed: list[int]) -> None:
        """Postings from this version's snapshot, else from FTS5 itself; later writes from their term counts."""
        meta = conn.execute("SELECT value FROM meta WHERE key = 'postings_seq'").fetchone()
        snapshot = self.directory / f"index-{self._version}.postings.npz"
        base_seq = int(meta[0]) if meta and snapshot.exists() else None
        if base_seq is not None:
            with np.load(snapshot, allow_pickle=True) as data:
                vocab, indptr, rowids, tfs = list(data["vocab"]), data["indptr"], data["rowids"], data["tfs"]
        else:
            vocab, indptr, rowids, tfs = _postings_from_fts(conn)
        base = {r[0]: at for r, at in zip(rows, placed, strict=True) if base_seq is None or r[5] <= base_seq}
        self._postings.load_csr(vocab, indptr, rowids, tfs, base)
        self._postings.mark_base(base.values())
        for r, at in zip(rows, placed, strict=True):
            if r[0] in base:
                self._postings.dl[at] = float(r[3])
            else:
                self._postings.replace(at, json.loads(r[4]))

    def _load_rows(self, rows: list[tuple[str, bytes]]) -> list[int]:
        """Place documents in the matrix and columns; returns their row numbers."""
        cols = self._cols
        placed: list[int] = []
        if not rows:
            return placed
        if cols.matrix.shape[1] != self.dim:
            cols.matrix = np.zeros((0, self.dim), dtype=np.float32)
        needed = cols.n + sum(1 for source, _ in rows if json.loads(source)["id"] not in cols.row_of)
        self._grow(needed)
        for source_text, blob in rows:
            source = json.loads(source_text)
            doc_id = source["id"]
            row = cols.row_of.get(doc_id)
            if row is None:
                row = cols.n
                cols.n += 1
                cols.ids.append(doc_id)
                cols.row_of[doc_id] = row
            cols.alive[row] = True
            placed.append(row)
            cols.matrix[row] = np.frombuffer(blob, dtype=np.float32)
            for name in _SCALAR_FIELDS:
                kind = FILTER_FIELDS[name]
                value = source.get(name)
                if kind == "keyword":
                    vocab = cols.codes.setdefault(name, {})
                    cols.keywords[name][row] = -1 if value is None else vocab.setdefault(value, len(vocab))
                else:
                    cols.scalars[name][row] = _number(value, kind)
            cols.scalars["lat"][row] = np.nan if source.get("lat") is None else source["lat"]
            cols.scalars["lon"][row] = np.nan if source.get("lon") is None else source["lon"]
            for name in _LIST_FIELDS:
                per_value = cols.lists[name]
                for arr in per_value.values():
                    arr[row] = False
                for value in source.get(name) or []:
                    key = str(value)
                    if key not in per_value:
                        per_value[key] = np.zeros(len(cols.alive), dtype=bool)
                    per_value[key][row] = True
        return placed

    def _grow(self, needed: int) -> None:
        cols = self._cols
        capacity = len(cols.alive)
        if needed <= capacity:
            return
        new_cap = max(needed, int(capacity * 1.5) + 64)

        def extend(arr: np.ndarray, fill: Any) -> np.ndarray:
            out = np.full((new_cap, *arr.shape[1:]), fill, dtype=arr.dtype)
            out[: len(arr)] = arr
            return out

        cols.alive = extend(cols.alive, False)
        self._postings.grow(new_cap)
        cols.matrix = extend(cols.matrix if cols.matrix.size else np.zeros((0, self.dim), np.float32), 0.0)
        for name in _SCALAR_FIELDS:
            if FILTER_FIELDS[name] == "keyword":
                cols.keywords[name] = extend(cols.keywords.get(name, np.empty(0, dtype=np.int32)), -1)
            else:
                cols.scalars[name] = extend(cols.scalars.get(name, np.empty(0)), np.nan)
        for name in ("lat", "lon"):
            cols.scalars[name] = extend(cols.scalars.get(name, np.empty(0)), np.nan)
        for name in _LIST_FIELDS:
            cols.lists[name] = {v: extend(a, False) for v, a in cols.lists.get(name, {}).items()}
            cols.lists.setdefault(name, {})

    def _drop_row(self, doc_id: str) -> None:
        row = self._cols.row_of.get(doc_id)
        if row is not None:
            self._cols.alive[row] = False
            self._postings.invalidate()

    # -- writing ---------------------------------------------------------------

    def upsert(self, docs: Iterable[SearchDocument]) -> int:
        conn = self._ensure_open()
        with self._lock:
            n = self._write(conn, docs)
            self._catch_up(conn)
        return n

    def delete(self, ids: Iterable[str]) -> int:
        conn = self._ensure_open()
        removed = 0
        with self._lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                seq = self._next_seq(conn)
                for doc_id in ids:
                    row = conn.execute("SELECT rowid FROM docs WHERE id = ?", (doc_id,)).fetchone()
                    if row is None:
                        continue
                    self._remove_rowid(conn, row[0])
                    conn.execute("INSERT OR REPLACE INTO deleted(id, seq) VALUES (?, ?)", (doc_id, seq))
                    removed += 1
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            self._catch_up(conn)
        return removed

    @staticmethod
    def _remove_rowid(conn: sqlite3.Connection, rowid: int) -> None:
        conn.execute("DELETE FROM docs WHERE rowid = ?", (rowid,))
        conn.execute("DELETE FROM doc_terms WHERE rowid = ?", (rowid,))
        conn.execute("DELETE FROM fts WHERE rowid = ?", (rowid,))

    @staticmethod
    def _next_seq(conn: sqlite3.Connection) -> int:
        row = conn.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()
        seq = (int(row[0]) if row else 0) + 1
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('seq', ?)", (str(seq),))
        return seq

    def _write(
        self,
        conn: sqlite3.Connection,
        docs: Iterable[SearchDocument],
        batch: int = 500,
        collect: list[tuple[int, Counter[str]]] | None = None,
    ) -> int:
        """Write documents in transactions of ``batch``; all or nothing per batch."""
        total = 0
        pending: list[SearchDocument] = []

        def flush() -> None:
            nonlocal total
            if not pending:
                return
            failures = {d.id: "no embedding" for d in pending if d.embedding is None}
            failures.update(
                {
                    d.id: f"embedding has {np.size(d.embedding)} dimensions, not {self.dim}"
                    for d in pending
                    if d.embedding is not None and np.size(d.embedding) != self.dim
                }
            )
            if failures:
                raise IndexingError(failures)
            conn.execute("BEGIN IMMEDIATE")
            try:
                seq = self._next_seq(conn)
                for doc in pending:
                    written = self._write_one(conn, doc, seq)
                    if collect is not None:
                        collect.append(written)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            total += len(pending)
            pending.clear()

        for doc in docs:
            pending.append(doc)
            if len(pending) >= batch:
                flush()
        flush()
        return total

    def _write_one(self, conn: sqlite3.Connection, doc: SearchDocument, seq: int) -> tuple[int, Counter[str]]:
        source = doc.to_source()
        old = conn.execute("SELECT rowid FROM docs WHERE id = ?", (doc.id,)).fetchone()
        if old is not None:
            self._remove_rowid(conn, old[0])
        conn.execute("DELETE FROM deleted WHERE id = ?", (doc.id,))
        terms = analyze(doc.text)
        counts = Counter(terms)
        names = [*_SCALAR_FIELDS, "lat", "lon"]
        values = [_sql_value(source[n], FILTER_FIELDS.get(n, "float")) for n in names]
        vector = np.asarray(doc.embedding, dtype=np.float32).reshape(-1)
        cur = conn.execute(
            f"INSERT INTO docs(seq, {', '.join(names)}, dl, tf, source, embedding) "
            f"VALUES (?, {', '.join('?' * len(names))}, ?, ?, ?, ?)",
            (
                seq,
                *values,
                len(terms),
                json.dumps(counts, ensure_ascii=False),
                json.dumps(source, ensure_ascii=False),
                vector.tobytes(),
            ),
        )
        rowid = int(cur.lastrowid or 0)
        conn.executemany(
            "INSERT INTO doc_terms(rowid, field, value) VALUES (?, ?, ?)",
            [(rowid, name, str(v)) for name in _LIST_FIELDS for v in source[name] or []],
        )
        conn.execute("INSERT INTO fts(rowid, terms) VALUES (?, ?)", (rowid, " ".join(terms)))
        return rowid, counts

    def rebuild(self, docs: Iterable[SearchDocument], total: int | None = None) -> IndexInfo:
        """Write a new version beside the old one, then move the pointer."""
        self.directory.mkdir(parents=True, exist_ok=True)
        version = time.strftime("%Y%m%d%H%M%S") + "-" + uuid.uuid4().hex[:6]
        path = self.directory / f"index-{version}.sqlite"
        conn = _connect(path)
        try:
            conn.executescript(_SCHEMA)
            conn.execute("INSERT INTO meta(key, value) VALUES ('dim', ?)", (str(self.dim),))
            entries: list[tuple[int, Counter[str]]] = []
            count = self._write(conn, docs, collect=entries)
            conn.execute("INSERT INTO fts(fts) VALUES ('optimize')")
            save_snapshot(self.directory / f"index-{version}.postings.npz", entries)
            (seq,) = conn.execute("SELECT COALESCE((SELECT value FROM meta WHERE key = 'seq'), '0')").fetchone()
            conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('postings_seq', ?)", (str(seq),))
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except BaseException:
            conn.close()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            (self.directory / f"index-{version}.postings.npz").unlink(missing_ok=True)
            raise
        conn.close()
        tmp = self.directory / f"{POINTER}.{uuid.uuid4().hex}.tmp"
        tmp.write_text(version)
        os.replace(tmp, self._pointer())  # the atomic switch
        self._remove_old_versions(keep=version)
        with self._lock:
            self._pointer_mtime = None  # re-open on next use
        return IndexInfo(name=str(self.directory), version=version, count=count)

    def _remove_old_versions(self, keep: str) -> None:
        for old in self.directory.glob("index-*"):
            if not old.name.startswith(f"index-{keep}."):
                old.unlink(missing_ok=True)

    def create_empty(self) -> IndexInfo:
        """Start with an empty index (the first sync can then fill it)."""
        return self.rebuild([])

    # -- reading ---------------------------------------------------------------

    def info(self) -> IndexInfo:
        conn = self._ensure_open()
        (count,) = conn.execute("SELECT count(*) FROM docs").fetchone()
        return IndexInfo(name=str(self.directory), version=self._version or "", count=int(count))

    def count(self, flt: SearchFilter | None = None) -> int:
        self._ensure_open()
        with self._lock:
            return int(self._mask(flt).sum())

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
            idx = np.flatnonzero(matched & self._mask(flt))
            return self._top(idx, scores[idx], k, lambda s: s)

    def _top(self, idx: np.ndarray, values: np.ndarray, k: int, to_score: Any) -> list[Candidate]:
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

    def vector_candidates(self, vector: np.ndarray, flt: SearchFilter | None = None, k: int = 100) -> list[Candidate]:
        check_k(k)
        q = check_vector(vector, self.dim)
        self._ensure_open()
        with self._lock:
            cols = self._cols
            mask = self._mask(flt)
            idx = np.flatnonzero(mask)
            if idx.size == 0:
                return []
            sims = cols.matrix[idx] @ q if idx.size < cols.n // 2 else (cols.matrix[: cols.n] @ q)[idx]
            return self._top(idx, sims, k, lambda s: (1.0 + s) / 2.0)

    def _mask(self, flt: SearchFilter | None) -> np.ndarray:
        cols = self._cols
        mask = cols.alive[: cols.n].copy()
        for clause in flt.clauses if flt else ():
            mask &= self._clause_mask(clause)
        return mask

    def _clause_mask(self, clause: Clause) -> np.ndarray:
        cols, n = self._cols, self._cols.n
        if isinstance(clause, Term):
            kind = FILTER_FIELDS[clause.field]
            if kind in _LIST_KINDS:
                out = np.zeros(n, dtype=bool)
                for value in clause.values:
                    arr = cols.lists[clause.field].get(str(value))
                    if arr is not None:
                        out |= arr[:n]
                return out
            vocab = cols.codes.get(clause.field, {})
            wanted = [-1 if v is None else vocab.get(v, -2) for v in clause.values]
            return np.isin(cols.keywords[clause.field][:n], np.asarray(wanted, dtype=np.int32))
        if isinstance(clause, Range):
            kind = FILTER_FIELDS[clause.field]
            arr = cols.scalars[clause.field][:n]
            out = ~np.isnan(arr)
            if clause.gte is not None:
                out &= arr >= _number(clause.gte, kind)
            if clause.lte is not None:
                out &= arr <= _number(clause.lte, kind)
            return out
        if isinstance(clause, Flag):
            return cols.scalars[clause.field][:n] == (1.0 if clause.value else 0.0)
        if isinstance(clause, GeoDistance):
            lat, lon = cols.scalars["lat"][:n], cols.scalars["lon"][:n]
            # A box around the circle first (cheap), the great-circle distance only inside it.
            dlat = np.degrees(clause.km / EARTH_RADIUS_KM) * 1.01
            dlon = dlat / max(math.cos(math.radians(min(abs(clause.lat) + dlat, 89.0))), 1e-6)
            with np.errstate(invalid="ignore"):
                box = (np.abs(lat - clause.lat) <= dlat) & (np.abs(lon - clause.lon) <= dlon)
            out = np.zeros(n, dtype=bool)
            inside = np.flatnonzero(box)
            out[inside] = _haversine_np(clause.lat, clause.lon, lat[inside], lon[inside]) <= clause.km
            return out
        if isinstance(clause, AnyOf):
            out = np.zeros(n, dtype=bool)
            for sub in clause.clauses:
                out |= self._clause_mask(sub)
            return out
        if isinstance(clause, Not):
            return ~self._clause_mask(clause.clause)
        raise InvalidFilterError(f"Unknown clause {clause!r}")

    # -- meta ------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        conn = self._ensure_open()
        with self._lock:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (f"user:{key}",)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        conn = self._ensure_open()
        with self._lock:
            conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (f"user:{key}", value))

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
            self._conn, self._pointer_mtime, self._cols, self._loaded_seq = None, None, _Columns(), -1
            self._postings = Postings()


# -- compiling filters to SQL ---------------------------------------------------------


def compile_sql(flt: SearchFilter | None, alias: str = "d") -> tuple[str, list[Any]]:
    """A WHERE clause over the ``docs`` table for the filter, with parameters."""
    if not flt:
        return "1", []
    parts, params = [], []
    for clause in flt.clauses:
        sql, p = _clause_sql(clause, alias)
        parts.append(sql)
        params.extend(p)
    return " AND ".join(f"({p})" for p in parts), params


def _clause_sql(clause: Clause, a: str) -> tuple[str, list[Any]]:
    if isinstance(clause, Term):
        kind = FILTER_FIELDS[clause.field]
        if kind in _LIST_KINDS:
            marks = ", ".join("?" * len(clause.values))
            return (
                f"{a}.rowid IN (SELECT rowid FROM doc_terms WHERE field = ? AND value IN ({marks}))",
                [clause.field, *(str(v) for v in clause.values)],
            )
        values = [v for v in clause.values if v is not None]
        sql = f"{a}.{clause.field} IN ({', '.join('?' * len(values))})" if values else "0"
        if len(values) < len(clause.values):  # Term(f, (None,)) matches a missing value, as in filters.matches
            sql = f"({sql} OR {a}.{clause.field} IS NULL)"
        return sql, values
    if isinstance(clause, Range):
        kind = FILTER_FIELDS[clause.field]
        conds, params = [f"{a}.{clause.field} IS NOT NULL"], []
        if clause.gte is not None:
            conds.append(f"{a}.{clause.field} >= ?")
            params.append(_sql_value(clause.gte, kind))
        if clause.lte is not None:
            conds.append(f"{a}.{clause.field} <= ?")
            params.append(_sql_value(clause.lte, kind))
        return " AND ".join(conds), params
    if isinstance(clause, Flag):
        return f"{a}.{clause.field} = ?", [1 if clause.value else 0]
    if isinstance(clause, GeoDistance):
        # Haversine, as in catalogue.gazetteer and Elasticsearch's arc distance.
        expr = (
            f"2 * {EARTH_RADIUS_KM} * asin(sqrt("
            f"power(sin(radians({a}.lat - ?) / 2), 2) + "
            f"cos(radians(?)) * cos(radians({a}.lat)) * power(sin(radians({a}.lon - ?) / 2), 2)))"
        )
        return f"{a}.lat IS NOT NULL AND {expr} <= ?", [clause.lat, clause.lat, clause.lon, clause.km]
    if isinstance(clause, AnyOf):
        subs = [_clause_sql(c, a) for c in clause.clauses]
        return " OR ".join(f"({s})" for s, _ in subs), [p for _, ps in subs for p in ps]
    if isinstance(clause, Not):
        sql, params = _clause_sql(clause.clause, a)
        return f"NOT COALESCE(({sql}), 0)", params
    raise InvalidFilterError(f"Unknown clause {clause!r}")


def _postings_from_fts(conn: sqlite3.Connection) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Read the postings out of FTS5 itself (when a version has no snapshot)."""
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_instance USING fts5vocab(main, 'fts', 'instance')")
    vocab: list[str] = []
    sizes: list[int] = []
    rowids: list[int] = []
    tfs: list[int] = []
    for term, rowid, count in conn.execute(
        "SELECT term, doc, count(*) FROM temp.fts_instance GROUP BY term, doc ORDER BY term, doc"
    ):
        if not vocab or vocab[-1] != term:
            vocab.append(term)
            sizes.append(0)
        sizes[-1] += 1
        rowids.append(rowid)
        tfs.append(count)
    indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
    np.cumsum(sizes, out=indptr[1:])
    return vocab, indptr, np.asarray(rowids, dtype=np.int64), np.asarray(tfs, dtype=np.int32)


def _sql_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "bool":
        return 1 if value else 0
    if kind == "date":
        return value.isoformat() if isinstance(value, date) else str(value)
    return value


def _number(value: Any, kind: str) -> float:
    if value is None:
        return float("nan")
    if kind == "date":
        text = value.isoformat() if isinstance(value, date) else str(value)
        return float(date.fromisoformat(text[:10]).toordinal())
    if kind == "bool":
        return 1.0 if value else 0.0
    return float(value)


def _haversine_np(lat0: float, lon0: float, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    p0, p = math.radians(lat0), np.radians(lat)
    dp, dl = p - p0, np.radians(lon - lon0)
    h = np.sin(dp / 2) ** 2 + math.cos(p0) * np.cos(p) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(h, 1.0)))


def iter_batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
