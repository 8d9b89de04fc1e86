"""SQLite persistence of the embedded engine: versions, the pointer file, and sequence numbers.

Layout of the index directory:

- ``index-<version>.sqlite``: one index version. Table ``docs`` (id, JSON
  source, float32 embedding bytes, analysed length ``dl`` and term counts
  ``tf``, write sequence ``seq``), ``deleted`` (id, seq), ``meta`` (key/value),
  and the FTS5 table ``fts`` over the analysed terms.
- ``index-<version>.postings.npz``: the postings snapshot written with the
  version (see :mod:`indexer.postings`); meta ``postings_seq`` says up to which
  sequence number it holds.
- ``CURRENT``: the name of the serving version (the embedded alias), replaced
  atomically by a rebuild, so a failed rebuild leaves the old version serving.

Every write transaction bumps meta ``seq``; a reader loads the rows and
deletions with a higher ``seq`` than it has seen (:func:`changes_since`).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
import uuid
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import numpy as np

from . import embedded_columns
from .analysis import analyze
from .backend import BackendUnavailableError, IndexingError, IndexNotFoundError
from .documents import SearchDocument
from .embedded_mask import Columns
from .postings import save_snapshot

log = logging.getLogger(__name__)

POINTER = "CURRENT"
#: Documents per write transaction.
BATCH = 500

SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    rowid INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL,
    id TEXT NOT NULL,
    dl INTEGER NOT NULL DEFAULT 0,
    tf TEXT NOT NULL DEFAULT '{}',
    source TEXT NOT NULL,
    embedding BLOB NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS docs_id ON docs(id);
CREATE INDEX IF NOT EXISTS docs_seq ON docs(seq);
CREATE TABLE IF NOT EXISTS deleted (id TEXT PRIMARY KEY, seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(terms, tokenize = 'unicode61 remove_diacritics 0');
"""


class StoredRow(NamedTuple):
    """One ``docs`` row: SQLite rowid, JSON source, float32 vector bytes, length, JSON term counts, sequence."""

    rowid: int
    source: str
    embedding: bytes
    dl: int
    tf: str
    seq: int


class PostingsCsr(NamedTuple):
    """CSR postings (term-sorted vocabulary, ``indptr``, rowids, term frequencies) and the ``seq`` they hold."""

    vocab: list[str]
    indptr: np.ndarray
    rowids: np.ndarray
    tfs: np.ndarray
    seq: int | None  # None: read from FTS5 now, so they hold every row


def version_file(directory: Path, version: str) -> Path:
    return directory / f"index-{version}.sqlite"


def snapshot_file(directory: Path, version: str) -> Path:
    return directory / f"index-{version}.postings.npz"


def pointer_mtime(directory: Path) -> int:
    """The pointer file's mtime (ns): a change means another process switched versions.

    Raises :class:`IndexNotFoundError` when nothing was ever built in ``directory``.
    """
    try:
        return (directory / POINTER).stat().st_mtime_ns
    except FileNotFoundError:
        raise IndexNotFoundError(str(directory)) from None


def read_pointer(directory: Path) -> str:
    """The serving version. Raises :class:`IndexNotFoundError` (no pointer) or
    :class:`BackendUnavailableError` (the version it names is missing)."""
    try:
        version = (directory / POINTER).read_text().strip()
    except FileNotFoundError:
        raise IndexNotFoundError(str(directory)) from None
    path = version_file(directory, version)
    if not path.exists():
        raise BackendUnavailableError(f"{POINTER} names {path.name}, which is missing")
    return version


def connect(path: Path) -> sqlite3.Connection:
    """An autocommit connection in WAL mode, shareable between threads (callers serialise)."""
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def open_version(directory: Path, version: str) -> sqlite3.Connection:
    """Connect to a version for reading and writing, with the FTS5 document-frequency view."""
    conn = connect(version_file(directory, version))
    # Document frequencies per term, for Lucene's IDF; a temp table, nothing written to the file.
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_row USING fts5vocab(main, 'fts', 'row')")
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any exception."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def current_seq(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()
    return int(row[0]) if row else 0


def _next_seq(conn: sqlite3.Connection) -> int:
    seq = current_seq(conn) + 1
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('seq', ?)", (str(seq),))
    return seq


def changes_since(conn: sqlite3.Connection, since: int) -> tuple[list[str], list[StoredRow]]:
    """Ids deleted and rows written after sequence number ``since`` (rows in rowid order)."""
    deleted = [r[0] for r in conn.execute("SELECT id FROM deleted WHERE seq > ?", (since,))]
    # Through the seq index, sorted here: with ORDER BY rowid SQLite may scan the whole table in
    # rowid order instead (2.4 s for no rows at 300,000 offers).
    rows = sorted(
        (
            StoredRow(*r)
            for r in conn.execute(
                "SELECT rowid, source, embedding, dl, tf, seq FROM docs INDEXED BY docs_seq WHERE seq > ?", (since,)
            )
        ),
        key=lambda r: r.rowid,
    )
    return deleted, rows


def write_documents(
    conn: sqlite3.Connection,
    docs: Iterable[SearchDocument],
    dim: int,
    collect: list[tuple[int, Counter[str]]] | None = None,
) -> int:
    """Write documents in transactions of :data:`BATCH`, all or nothing per batch; returns how many.

    Raises :class:`IndexingError` (naming every bad document of the batch) when
    an embedding is missing or does not have ``dim`` dimensions. ``collect``
    receives ``(rowid, term counts)`` per written document.
    """
    total = 0
    pending: list[SearchDocument] = []

    def flush() -> None:
        nonlocal total
        if not pending:
            return
        failures = {d.id: "no embedding" for d in pending if d.embedding is None}
        failures.update(
            {
                d.id: f"embedding has {np.size(d.embedding)} dimensions, not {dim}"
                for d in pending
                if d.embedding is not None and np.size(d.embedding) != dim
            }
        )
        if failures:
            raise IndexingError(failures)
        with transaction(conn):
            seq = _next_seq(conn)
            for doc in pending:
                written = _write_one(conn, doc, seq)
                if collect is not None:
                    collect.append(written)
        total += len(pending)
        pending.clear()

    for doc in docs:
        pending.append(doc)
        if len(pending) >= BATCH:
            flush()
    flush()
    return total


def _write_one(conn: sqlite3.Connection, doc: SearchDocument, seq: int) -> tuple[int, Counter[str]]:
    old = conn.execute("SELECT rowid FROM docs WHERE id = ?", (doc.id,)).fetchone()
    if old is not None:
        _remove_rowid(conn, old[0])
    conn.execute("DELETE FROM deleted WHERE id = ?", (doc.id,))
    terms = analyze(doc.text)
    counts = Counter(terms)
    vector = np.asarray(doc.embedding, dtype=np.float32).reshape(-1)
    cur = conn.execute(
        "INSERT INTO docs(seq, id, dl, tf, source, embedding) VALUES (?, ?, ?, ?, ?, ?)",
        (
            seq,
            doc.id,
            len(terms),
            json.dumps(counts, ensure_ascii=False),
            json.dumps(doc.to_source(), ensure_ascii=False),
            vector.tobytes(),
        ),
    )
    rowid = int(cur.lastrowid or 0)
    conn.execute("INSERT INTO fts(rowid, terms) VALUES (?, ?)", (rowid, " ".join(terms)))
    return rowid, counts


def delete_documents(conn: sqlite3.Connection, ids: Iterable[str]) -> int:
    """Delete by id in one transaction, recording each deletion's ``seq``; returns how many existed."""
    removed = 0
    with transaction(conn):
        seq = _next_seq(conn)
        for doc_id in ids:
            row = conn.execute("SELECT rowid FROM docs WHERE id = ?", (doc_id,)).fetchone()
            if row is None:
                continue
            _remove_rowid(conn, row[0])
            conn.execute("INSERT OR REPLACE INTO deleted(id, seq) VALUES (?, ?)", (doc_id, seq))
            removed += 1
    return removed


def _remove_rowid(conn: sqlite3.Connection, rowid: int) -> None:
    conn.execute("DELETE FROM docs WHERE rowid = ?", (rowid,))
    conn.execute("DELETE FROM fts WHERE rowid = ?", (rowid,))


def create_version(directory: Path, docs: Iterable[SearchDocument], dim: int) -> tuple[str, int]:
    """Write a new version beside the serving one, then point ``CURRENT`` at it; returns (version, count).

    On failure the half-written files are removed and the old version keeps
    serving. After the switch, every other version's files are removed.
    """
    directory.mkdir(parents=True, exist_ok=True)
    version = time.strftime("%Y%m%d%H%M%S") + "-" + uuid.uuid4().hex[:6]
    path = version_file(directory, version)
    snapshot = snapshot_file(directory, version)
    conn = connect(path)
    try:
        conn.executescript(SCHEMA)
        conn.execute("INSERT INTO meta(key, value) VALUES ('dim', ?)", (str(dim),))
        entries: list[tuple[int, Counter[str]]] = []
        count = write_documents(conn, docs, dim, collect=entries)
        conn.execute("INSERT INTO fts(fts) VALUES ('optimize')")
        save_snapshot(snapshot, entries)
        del entries
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('postings_seq', ?)", (str(current_seq(conn)),))
        _save_columns(conn, directory, version, dim)
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('columns_seq', ?)", (str(current_seq(conn)),))
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except BaseException:
        conn.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        snapshot.unlink(missing_ok=True)
        embedded_columns.columns_file(directory, version).unlink(missing_ok=True)
        embedded_columns.matrix_file(directory, version).unlink(missing_ok=True)
        raise
    conn.close()
    tmp = directory / f"{POINTER}.{uuid.uuid4().hex}.tmp"
    tmp.write_text(version)
    os.replace(tmp, directory / POINTER)  # the atomic switch
    for old in directory.glob("index-*"):
        if not old.name.startswith(f"index-{version}."):
            old.unlink(missing_ok=True)
    return version, count


def _save_columns(conn: sqlite3.Connection, directory: Path, version: str, dim: int) -> None:
    """Write the columns snapshot (:mod:`indexer.embedded_columns`), reading the rows in chunks."""
    (count,) = conn.execute("SELECT count(*) FROM docs").fetchone()
    cols = Columns(dim)
    cols.reserve(int(count))
    rowids = np.zeros(int(count), dtype=np.int64)
    dl = np.zeros(int(count), dtype=np.float64)
    cursor = conn.execute("SELECT rowid, source, embedding, dl FROM docs ORDER BY rowid")
    while chunk := cursor.fetchmany(embedded_columns.CHUNK):
        placed = cols.place([(source, blob) for _, source, blob, _ in chunk])
        for at, (rowid, _, _, length) in zip(placed, chunk, strict=True):
            rowids[at], dl[at] = rowid, length
    embedded_columns.save(directory, version, cols, rowids, dl)


def read_columns(conn: sqlite3.Connection, directory: Path, version: str) -> embedded_columns.ColumnsSnapshot | None:
    """The version's columns snapshot, or None (an index written before snapshots, or its files gone)."""
    meta = conn.execute("SELECT value FROM meta WHERE key = 'columns_seq'").fetchone()
    if not meta:
        return None
    try:
        return embedded_columns.load(directory, version, int(meta[0]))
    except (ValueError, OSError, KeyError, zipfile.BadZipFile) as exc:  # damaged: the rows still hold everything
        log.warning("columns snapshot of index %s unreadable (%s): reading the rows instead", version, exc)
        return None


def read_postings(conn: sqlite3.Connection, directory: Path, version: str) -> PostingsCsr:
    """The version's postings snapshot, or (without one) the postings read out of FTS5 itself."""
    meta = conn.execute("SELECT value FROM meta WHERE key = 'postings_seq'").fetchone()
    snapshot = snapshot_file(directory, version)
    if meta and snapshot.exists():
        with np.load(snapshot, allow_pickle=True) as data:
            return PostingsCsr(list(data["vocab"]), data["indptr"], data["rowids"], data["tfs"], int(meta[0]))
    return _postings_from_fts(conn)


def _postings_from_fts(conn: sqlite3.Connection) -> PostingsCsr:
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
    return PostingsCsr(vocab, indptr, np.asarray(rowids, dtype=np.int64), np.asarray(tfs, dtype=np.int32), None)


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    """A caller's meta value (stored as ``user:<key>``, apart from the engine's own keys)."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (f"user:{key}",)).fetchone()
    return None if row is None else str(row[0])


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (f"user:{key}", value))
