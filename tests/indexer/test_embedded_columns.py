"""The columns snapshot: an index opened from it answers exactly as one opened from its rows."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from indexer import embedded_columns
from indexer.embedded import EmbeddedBackend
from indexer.embedded_mask import Columns
from tests.indexer.conformance import DIM, FILTERS, corpus

QUERIES = ["kor sang", "gåtur natur", "kaffe snak", "strik", "motion"]


def _without_snapshot(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    for path in [*dst.glob("index-*.columns.npz"), *dst.glob("index-*.matrix.npy")]:
        path.unlink()
    return dst


def _same_answers(a: EmbeddedBackend, b: EmbeddedBackend) -> None:
    docs = corpus(48)
    for name, flt in [("none", None), *FILTERS.items()]:
        assert a.count(flt) == b.count(flt), name
        for query in QUERIES:
            assert a.lexical_candidates(query, flt, k=10) == b.lexical_candidates(query, flt, k=10), (name, query)
        for doc in docs[:5]:
            assert doc.embedding is not None
            got, want = a.vector_candidates(doc.embedding, flt, k=10), b.vector_candidates(doc.embedding, flt, k=10)
            assert [c.id for c in got] == [c.id for c in want], name
            # BLAS may block the product differently for another row layout: equal to float32 precision.
            assert [c.score for c in got] == pytest.approx([c.score for c in want], abs=1e-6)


def test_an_index_opened_from_its_snapshot_answers_as_one_read_from_its_rows(tmp_path: Path) -> None:
    docs = corpus(48)
    writer = EmbeddedBackend(tmp_path / "a")
    writer.rebuild(docs[:40])
    # Written after the snapshot: new documents, a changed one, a deleted one.
    writer.upsert(docs[40:])
    writer.upsert([docs[3]])
    writer.delete([docs[7].id, docs[41].id])
    from_snapshot = EmbeddedBackend(tmp_path / "a")
    from_rows = EmbeddedBackend(_without_snapshot(tmp_path / "a", tmp_path / "b"))
    _same_answers(from_snapshot, from_rows)
    assert from_snapshot.count() == 46
    # Rows deleted after the snapshot stay in it, masked out: compare the live rows by id.
    for doc_id, row in from_rows._cols.row_of.items():
        other = from_snapshot._cols.row_of[doc_id]
        assert np.array_equal(from_rows._cols.matrix[row], from_snapshot._cols.matrix[other])
    # Later writes land on a snapshot-opened index as on any other.
    from_snapshot.upsert([docs[7]])
    from_rows.upsert([docs[7]])
    _same_answers(from_snapshot, from_rows)


def test_a_damaged_snapshot_falls_back_to_the_rows(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    docs = corpus(48)
    EmbeddedBackend(tmp_path / "a").rebuild(docs)
    (matrix,) = (tmp_path / "a").glob("index-*.matrix.npy")
    matrix.write_bytes(matrix.read_bytes()[:-100])
    damaged = EmbeddedBackend(tmp_path / "a")
    from_rows = EmbeddedBackend(_without_snapshot(tmp_path / "a", tmp_path / "b"))
    _same_answers(damaged, from_rows)
    assert "columns snapshot" in caplog.text and "unreadable" in caplog.text


def test_the_snapshot_keeps_every_column_and_leaves_room_for_new_rows(tmp_path: Path) -> None:
    cols = Columns(DIM)
    rows = [(json.dumps(doc.to_source()), np.asarray(doc.embedding, np.float32).tobytes()) for doc in corpus(10)]
    placed = cols.place(rows)
    assert placed == list(range(10))
    embedded_columns.save(tmp_path, "v", cols, np.arange(1, 11), np.arange(10.0))
    snap = embedded_columns.load(tmp_path, "v", seq=4)
    assert snap is not None and snap.seq == 4
    got = snap.columns
    assert got.ids == cols.ids and got.n == 10 and got.capacity == 10 + 64
    assert np.array_equal(got.matrix[:10], cols.matrix[:10]) and not got.matrix[10:].any()
    assert got.codes == cols.codes and set(got.lists) == set(cols.lists)
    for name, per_value in cols.lists.items():
        assert {v: a[:10].tolist() for v, a in per_value.items()} == {
            v: a[:10].tolist() for v, a in got.lists[name].items()
        }
    for name, arr in cols.scalars.items():
        assert np.array_equal(arr[:10], got.scalars[name][:10], equal_nan=True), name
    assert snap.rowids.tolist() == list(range(1, 11)) and snap.dl.tolist() == list(range(10))
    assert embedded_columns.load(tmp_path, "missing", seq=0) is None
