"""SQLite persistence of the embedded engine: versions, pointer, sequence numbers, postings."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from indexer import embedded_storage as storage
from indexer.backend import BackendUnavailableError, IndexingError, IndexNotFoundError
from tests.indexer.conformance import DIM, corpus


def test_no_pointer_means_no_index(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError):
        storage.pointer_mtime(tmp_path)
    with pytest.raises(IndexNotFoundError):
        storage.read_pointer(tmp_path)


def test_pointer_to_a_missing_version(tmp_path: Path) -> None:
    (tmp_path / storage.POINTER).write_text("20260101000000-abcdef\n")
    with pytest.raises(BackendUnavailableError, match=r"index-20260101000000-abcdef\.sqlite"):
        storage.read_pointer(tmp_path)


def test_create_version_switches_the_pointer_and_removes_the_old(tmp_path: Path) -> None:
    first, n1 = storage.create_version(tmp_path, corpus(3), DIM)
    second, n2 = storage.create_version(tmp_path, corpus(5), DIM)
    assert (n1, n2) == (3, 5) and first != second
    assert storage.read_pointer(tmp_path) == second
    assert sorted(p.name for p in tmp_path.glob("index-*")) == [
        f"index-{second}.columns.npz",
        f"index-{second}.matrix.npy",
        f"index-{second}.postings.npz",
        f"index-{second}.sqlite",
    ]


def test_a_failed_version_leaves_no_files_and_the_old_pointer(tmp_path: Path) -> None:
    good, _ = storage.create_version(tmp_path, corpus(3), DIM)
    bad = [*corpus(2), dataclasses.replace(corpus(3)[2], embedding=None)]
    with pytest.raises(IndexingError):
        storage.create_version(tmp_path, bad, DIM)
    assert storage.read_pointer(tmp_path) == good
    assert {p.name for p in tmp_path.glob("index-*")} == {
        f"index-{good}.sqlite",
        f"index-{good}.postings.npz",
        f"index-{good}.columns.npz",
        f"index-{good}.matrix.npy",
    }


def test_a_bad_batch_names_every_bad_document_and_writes_nothing(tmp_path: Path) -> None:
    version, _ = storage.create_version(tmp_path, [], DIM)
    conn = storage.open_version(tmp_path, version)
    docs = corpus(4)
    docs[1] = dataclasses.replace(docs[1], embedding=None)
    docs[2] = dataclasses.replace(docs[2], embedding=np.zeros(3, np.float32))
    with pytest.raises(IndexingError) as excinfo:
        storage.write_documents(conn, docs, DIM)
    assert set(excinfo.value.failures) == {docs[1].id, docs[2].id}
    assert conn.execute("SELECT count(*) FROM docs").fetchone() == (0,)


def test_changes_since_a_sequence_number(tmp_path: Path) -> None:
    docs = corpus(6)
    version, _ = storage.create_version(tmp_path, docs[:4], DIM)
    conn = storage.open_version(tmp_path, version)
    seen = storage.current_seq(conn)
    storage.write_documents(conn, [docs[4]], DIM)
    storage.delete_documents(conn, [docs[0].id, "never-there"])
    assert storage.current_seq(conn) == seen + 2
    deleted, rows = storage.changes_since(conn, seen)
    assert deleted == [docs[0].id]
    assert [r.rowid for r in rows] == [5] and '"doc-004"' in rows[0].source
    np.testing.assert_array_equal(np.frombuffer(rows[0].embedding, np.float32), docs[4].embedding)
    assert storage.changes_since(conn, storage.current_seq(conn)) == ([], [])


def test_postings_from_fts_equal_the_snapshot(tmp_path: Path) -> None:
    version, _ = storage.create_version(tmp_path, corpus(30), DIM)
    conn = storage.open_version(tmp_path, version)
    snap = storage.read_postings(conn, tmp_path, version)
    storage.snapshot_file(tmp_path, version).unlink()
    fts = storage.read_postings(conn, tmp_path, version)
    assert snap.seq == storage.current_seq(conn) and fts.seq is None
    assert list(snap.vocab) == list(fts.vocab)
    np.testing.assert_array_equal(snap.indptr, fts.indptr)
    np.testing.assert_array_equal(snap.rowids, fts.rowids)
    np.testing.assert_array_equal(snap.tfs, fts.tfs)


def test_meta_is_kept_apart_from_the_engine_keys(tmp_path: Path) -> None:
    version, _ = storage.create_version(tmp_path, [], DIM)
    conn = storage.open_version(tmp_path, version)
    assert storage.get_meta(conn, "seq") is None
    storage.set_meta(conn, "seq", "x")
    assert storage.get_meta(conn, "seq") == "x"
    assert storage.current_seq(conn) == 0
