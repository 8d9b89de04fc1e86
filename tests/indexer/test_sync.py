"""Rebuild, incremental sync and the write path, with a counting fake model."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

import migrations
from catalogue.store import Store
from indexer import sync as sync_module
from indexer.analysis import ANALYZER_VERSION
from indexer.embedded import EmbeddedBackend
from indexer.embedder import FakeEmbedder
from indexer.sync import Indexer
from tests.conftest import make_offer


class CountingEmbedder(FakeEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.texts = 0

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        self.texts += len(texts)
        return super().embed_documents(texts)


@pytest.fixture
def indexer(sqlite_store: Store, tmp_path: Path) -> Indexer:
    offers = [make_offer(f"o{i}", title=f"Hold nummer {i}") for i in range(10)]
    offers.append(make_offer("walk", title="Gåtur ved Kattegat", categories=["motion", "natur"]))
    assert sqlite_store.import_offers(offers, actor="t").committed
    return Indexer(sqlite_store, EmbeddedBackend(tmp_path / "search"), CountingEmbedder(), batch_size=4, progress=False)


def test_rebuild_embeds_once_then_uses_the_cache(indexer: Indexer) -> None:
    first = indexer.rebuild()
    assert (first.documents, first.embedded, first.cached) == (11, 11, 0)
    assert indexer.backend.count() == 11
    second = indexer.rebuild()
    assert (second.documents, second.embedded, second.cached) == (11, 0, 11)
    assert second.version != first.version
    assert indexer.embedder.texts == 11  # type: ignore[attr-defined]


def test_sync_reindexes_only_what_changed(indexer: Indexer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sync_module, "OVERLAP", sync_module.timedelta(0))
    indexer.rebuild()
    indexer.store.update_offer("walk", {"title": "Gåtur langs stranden"}, expected_version=1, actor="t")
    report = indexer.sync()
    assert (report.documents, report.embedded) == (1, 1)
    assert [c.id for c in indexer.backend.lexical_candidates("stranden")] == ["walk"]
    assert indexer.sync().documents == 0


def test_sync_with_overlap_still_embeds_only_changes(indexer: Indexer) -> None:
    indexer.rebuild()
    indexer.store.update_offer("o3", {"places_available": 0}, expected_version=1, actor="t")
    report = indexer.sync()
    assert report.embedded == 0  # the text did not change, the filter field did
    assert indexer.backend.get("o3")["has_places"] is False  # type: ignore[index]


def test_first_sync_builds_the_index(indexer: Indexer) -> None:
    report = indexer.sync()
    assert report.action.startswith("sync (first run") and indexer.backend.count() == 11


def test_a_write_is_searchable_at_once(indexer: Indexer) -> None:
    indexer.rebuild()
    indexer.store.update_offer("o1", {"title": "Petanque i byparken"}, expected_version=1, actor="t")
    indexer.index_offers(["o1"])
    assert [c.id for c in indexer.backend.lexical_candidates("petanque")] == ["o1"]


def test_documents_of_removed_offers_are_dropped(indexer: Indexer, tmp_path: Path) -> None:
    indexer.rebuild()
    other = Store(f"sqlite:///{tmp_path / 'other.sqlite'}")
    migrations.upgrade(other)
    other.import_offers([make_offer("o1")], actor="t")
    report = Indexer(other, indexer.backend, indexer.embedder, progress=False).sync()
    assert report.removed == 10 and indexer.backend.count() == 1
    assert indexer.index_offers(["no-such-offer"]).removed == 0


def test_another_model_means_new_embeddings(indexer: Indexer, sqlite_store: Store, tmp_path: Path) -> None:
    indexer.rebuild()

    class OtherModel(CountingEmbedder):
        @property
        def model_id(self) -> str:
            return "another-model"

    other = Indexer(sqlite_store, EmbeddedBackend(tmp_path / "s2"), OtherModel(), progress=False)
    assert other.rebuild().embedded == 11


def test_sync_rebuilds_when_the_index_holds_another_variants_vectors(indexer: Indexer, tmp_path: Path) -> None:
    indexer.rebuild()
    assert indexer.backend.get_meta(sync_module.EMBEDDING_MODEL) == indexer.embedder.model_id

    class OtherVariant(CountingEmbedder):
        @property
        def model_id(self) -> str:
            return "fake@other-variant"

    indexer.embedder = OtherVariant()
    report = indexer.sync()
    assert report.action.startswith("sync (embedding model changed")
    assert (report.documents, report.embedded) == (11, 11)  # nothing of the old variant is kept
    assert indexer.backend.get_meta(sync_module.EMBEDDING_MODEL) == "fake@other-variant"
    assert indexer.sync().action == "sync"


def test_sync_rebuilds_an_index_built_by_another_analyser(indexer: Indexer) -> None:
    indexer.rebuild()
    assert indexer.backend.get_meta(sync_module.ANALYZER) == ANALYZER_VERSION
    indexer.backend.set_meta(sync_module.ANALYZER, "da-1")  # as an index built before compounds were split
    report = indexer.sync()
    assert report.action.startswith("sync (text analyser changed")
    assert report.documents == 11 and report.embedded == 0  # the embeddings come from the cache
    assert indexer.backend.get_meta(sync_module.ANALYZER) == ANALYZER_VERSION
    assert indexer.sync().action == "sync"
