"""The embedded backend: the conformance suite, plus what only it does."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from indexer.backend import SearchBackend
from indexer.embedded import EmbeddedBackend
from tests.indexer.conformance import BackendConformance, corpus


class TestEmbeddedBackend(BackendConformance):
    @pytest.fixture
    def backend_factory(self, tmp_path: Path) -> Callable[[], SearchBackend]:
        return lambda: EmbeddedBackend(tmp_path / "search")


def test_reopens_from_disk_without_re_embedding(tmp_path: Path) -> None:
    docs = corpus(20)
    EmbeddedBackend(tmp_path).rebuild(docs)
    reopened = EmbeddedBackend(tmp_path)
    got = reopened.vector_candidates(docs[3].embedding, k=1)  # type: ignore[arg-type]
    assert got[0].id == docs[3].id and reopened.count() == 20


def test_a_second_process_sees_writes_on_its_next_query(tmp_path: Path) -> None:
    docs = corpus(20)
    writer, reader = EmbeddedBackend(tmp_path), EmbeddedBackend(tmp_path)
    writer.rebuild(docs[:10])
    assert reader.count() == 10
    writer.upsert(docs[10:12])
    writer.delete([docs[0].id])
    assert reader.count() == 11
    assert reader.vector_candidates(docs[11].embedding, k=1)[0].id == docs[11].id  # type: ignore[arg-type]
    writer.rebuild(docs[:3])  # another process switched versions
    assert reader.count() == 3


def test_rebuild_removes_old_versions(tmp_path: Path) -> None:
    backend = EmbeddedBackend(tmp_path)
    backend.rebuild(corpus(5))
    backend.rebuild(corpus(6))
    files = sorted(p.name for p in tmp_path.glob("index-*.sqlite"))
    assert files == [f"index-{backend.info().version}.sqlite"]


def test_one_match_scans_the_matrix_once_per_vector_and_a_write_is_seen(tmp_path: Path) -> None:
    from tests.indexer.conformance import FILTERS

    docs = corpus(20)
    backend = EmbeddedBackend(tmp_path)
    backend.rebuild(docs[:19])
    q = docs[0].embedding
    assert q is not None
    first = backend.vector_candidates(q, None, k=5)
    again = backend.vector_candidates(q, None, k=5)
    broad = [f for f in FILTERS.values() if backend.count(f) >= 19 // 2]
    for flt in broad:
        backend.vector_candidates(q, flt, k=5)
    assert first == again and backend._products_computed == 1
    backend.upsert([dataclasses.replace(docs[19], embedding=q)])  # a twin of the query
    after = backend.vector_candidates(q, None, k=5)
    assert backend._products_computed == 2
    assert docs[19].id in [c.id for c in after]
