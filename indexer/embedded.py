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

POINTER = "CURRENT"
RESCORE_HEAD = 400  # FTS5 matches re-scored with Lucene's IDF (see lexical_candidates)
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
    keywords: dict[str, np.ndarray] = field(default_factory=dict)  # keyword fields as object arrays
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
                self._loaded_seq, self._cols = -1, _Columns()
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
        rows = conn.execute("SELECT source, embedding FROM docs WHERE seq > ? ORDER BY rowid", (since,)).fetchall()
        self._load_rows(rows)
        self._loaded_seq = seq

    def _load_rows(self, rows: list[tuple[str, bytes]]) -> None:
        cols = self._cols
        if not rows:
            return
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
            cols.matrix[row] = np.frombuffer(blob, dtype=np.float32)
            for name in _SCALAR_FIELDS:
                kind = FILTER_FIELDS[name]
                value = source.get(name)
                if kind == "keyword":
                    cols.keywords[name][row] = value
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
        cols.matrix = extend(cols.matrix if cols.matrix.size else np.zeros((0, self.dim), np.float32), 0.0)
        for name in _SCALAR_FIELDS:
            if FILTER_FIELDS[name] == "keyword":
                cols.keywords[name] = extend(cols.keywords.get(name, np.empty(0, dtype=object)), None)
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

    def _write(self, conn: sqlite3.Connection, docs: Iterable[SearchDocument], batch: int = 500) -> int:
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
                    self._write_one(conn, doc, seq)
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

    def _write_one(self, conn: sqlite3.Connection, doc: SearchDocument, seq: int) -> None:
        source = doc.to_source()
        old = conn.execute("SELECT rowid FROM docs WHERE id = ?", (doc.id,)).fetchone()
        if old is not None:
            self._remove_rowid(conn, old[0])
        conn.execute("DELETE FROM deleted WHERE id = ?", (doc.id,))
        names = [*_SCALAR_FIELDS, "lat", "lon"]
        values = [_sql_value(source[n], FILTER_FIELDS.get(n, "float")) for n in names]
        vector = np.asarray(doc.embedding, dtype=np.float32).reshape(-1)
        cur = conn.execute(
            f"INSERT INTO docs(seq, {', '.join(names)}, source, embedding) VALUES (?, {', '.join('?' * len(names))}, ?, ?)",
            (seq, *values, json.dumps(source, ensure_ascii=False), vector.tobytes()),
        )
        rowid = cur.lastrowid
        conn.executemany(
            "INSERT INTO doc_terms(rowid, field, value) VALUES (?, ?, ?)",
            [(rowid, name, str(v)) for name in _LIST_FIELDS for v in source[name] or []],
        )
        conn.execute("INSERT INTO fts(rowid, terms) VALUES (?, ?)", (rowid, " ".join(analyze(doc.text))))

    def rebuild(self, docs: Iterable[SearchDocument], total: int | None = None) -> IndexInfo:
        """Write a new version beside the old one, then move the pointer."""
        self.directory.mkdir(parents=True, exist_ok=True)
        version = time.strftime("%Y%m%d%H%M%S") + "-" + uuid.uuid4().hex[:6]
        path = self.directory / f"index-{version}.sqlite"
        conn = _connect(path)
        try:
            conn.executescript(_SCHEMA)
            conn.execute("INSERT INTO meta(key, value) VALUES ('dim', ?)", (str(self.dim),))
            count = self._write(conn, docs)
            conn.execute("INSERT INTO fts(fts) VALUES ('optimize')")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except BaseException:
            conn.close()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
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
        for old in self.directory.glob("index-*.sqlite*"):
            if not old.name.startswith(f"index-{keep}.sqlite"):
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
        """BM25 as Lucene (Elasticsearch) computes it, on FTS5's candidates.

        FTS5 finds and filters the matches and ranks them by its own BM25,
        whose IDF differs from Lucene's (log((N - n + .5) / (n + .5)), floored
        near zero, against log(1 + (N - n + .5) / (n + .5))). So the head of
        that list is re-scored: each term's FTS5 score is divided by FTS5's
        IDF and multiplied by Lucene's. Both engines then rank alike.
        """
        check_k(k)
        terms = analyze_query(query)
        if not terms:
            return []
        conn = self._ensure_open()
        where, params = compile_sql(flt)
        head = max(RESCORE_HEAD, 4 * k)
        sql = (
            "SELECT d.rowid, d.id, bm25(fts) AS rank FROM fts JOIN docs d ON d.rowid = fts.rowid "
            f"WHERE fts MATCH ? AND {where} ORDER BY rank, d.id LIMIT ?"
        )
        with self._lock:
            rows = conn.execute(sql, (_or_query(terms), *params, head)).fetchall()
            if len(terms) == 1 or not rows:
                scored = [(doc_id, -float(rank)) for _, doc_id, rank in rows]
            else:
                scored = self._lucene_scores(conn, terms, rows)
        scored.sort(key=lambda item: (-item[1], item[0]))
        return [Candidate(doc_id, score) for doc_id, score in scored[:k]]

    def _lucene_scores(
        self, conn: sqlite3.Connection, terms: tuple[str, ...], rows: list[tuple[int, str, float]]
    ) -> list[tuple[str, float]]:
        (n_docs,) = conn.execute("SELECT count(*) FROM docs").fetchone()
        marks = ", ".join("?" * len(terms))
        doc_freq = dict(conn.execute(f"SELECT term, doc FROM temp.fts_row WHERE term IN ({marks})", terms).fetchall())
        rowids = [r[0] for r in rows]
        id_of = {r[0]: r[1] for r in rows}
        totals = dict.fromkeys(rowids, 0.0)
        row_marks = ", ".join("?" * len(rowids))
        for term in terms:
            n = doc_freq.get(term, 0)
            if n == 0:
                continue
            idf_fts = max(1e-6, math.log((n_docs - n + 0.5) / (n + 0.5)))
            idf_lucene = math.log(1.0 + (n_docs - n + 0.5) / (n + 0.5))
            for rowid, rank in conn.execute(
                f"SELECT rowid, bm25(fts) FROM fts WHERE fts MATCH ? AND rowid IN ({row_marks})",
                (_or_query((term,)), *rowids),
            ):
                totals[rowid] += (-float(rank) / idf_fts) * idf_lucene
        return [(id_of[rowid], score) for rowid, score in totals.items()]

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
            take = min(k, idx.size)
            top = np.argpartition(-sims, take - 1)[:take] if take < idx.size else np.arange(idx.size)
            # Best first; equal scores by id, so results are deterministic.
            order = sorted(top.tolist(), key=lambda i: (-float(sims[i]), cols.ids[idx[i]]))
            return [Candidate(cols.ids[idx[i]], (1.0 + float(sims[i])) / 2.0) for i in order]

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
            return np.isin(cols.keywords[clause.field][:n], list(clause.values))
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
            with np.errstate(invalid="ignore"):
                dist = _haversine_np(clause.lat, clause.lon, lat, lon)
                return np.nan_to_num(dist, nan=np.inf) <= clause.km
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


def _or_query(terms: tuple[str, ...]) -> str:
    """Terms OR-ed, each quoted so FTS5 reads no operators into them."""
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


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
