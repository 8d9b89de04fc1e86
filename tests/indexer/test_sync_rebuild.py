"""Writes made while a rebuild runs are in the index after its switch, on both engines.

The issue's probe: a PATCH, a new offer and a retire made 5 s into a 19 s
rebuild answered ``X-Index-Status: done`` (the API indexed them into the
serving version), yet none was in the index after the switch. Here the same
three writes are made, as the API makes them (commit, then ``index_offers``),
at two moments: while the rebuild streams the catalogue, and after its
catch-up read but before the switch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from catalogue.store import Store
from indexer.backend import SearchBackend
from indexer.documents import SearchDocument
from indexer.embedded import EmbeddedBackend
from indexer.embedder import FakeEmbedder
from indexer.sync import Indexer
from tests.conftest import make_offer


@pytest.fixture(params=["embedded", pytest.param("elasticsearch", marks=pytest.mark.integration)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> SearchBackend:
    if request.param == "embedded":
        return EmbeddedBackend(tmp_path / "search", dim=384)
    factory: Callable[[], SearchBackend] = request.getfixturevalue("es_backend_factory")
    return factory()


@pytest.fixture
def indexer(sqlite_store: Store, backend: SearchBackend) -> Indexer:
    offers = [make_offer(f"o{i:02d}", title=f"Hold nummer {i}") for i in range(30)]
    assert sqlite_store.import_offers(offers, actor="t").committed
    indexer = Indexer(sqlite_store, backend, FakeEmbedder(dim=384), batch_size=4, progress=False)
    indexer.rebuild()
    return indexer


def write_as_the_api_does(indexer: Indexer, tag: str, edit: str, retire: str) -> None:
    """Commit, then index into the serving version at once, as ``api.common.reindex`` does."""
    store = indexer.store
    store.update_offer(edit, {"title": f"Strikkecafé {tag}"}, expected_version=1, actor="t")
    assert store.import_offers([make_offer(f"new-{tag}", title=f"Nyt hold {tag}")], actor="t").committed
    store.retire_offer(retire, expected_version=1, actor="t")
    indexer.index_offers([edit, f"new-{tag}", retire])


def test_writes_during_a_rebuild_survive_the_switch(indexer: Indexer, monkeypatch: pytest.MonkeyPatch) -> None:
    store, backend = indexer.store, indexer.backend
    real_iter, real_rebuild = store.iter_offers, backend.rebuild

    def iter_offers(batch: int = 500) -> Iterator[dict[str, Any]]:
        for i, offer in enumerate(real_iter(batch)):
            if i == 10:  # a third into the stream
                write_as_the_api_does(indexer, "early", edit="o25", retire="o26")
            yield dict(offer)

    def rebuild(docs: Iterable[SearchDocument], total: int | None = None) -> Any:
        def then_late_writes() -> Iterator[SearchDocument]:
            yield from docs  # the whole stream, catch-up included
            write_as_the_api_does(indexer, "late", edit="o27", retire="o28")

        return real_rebuild(then_late_writes(), total=total)

    monkeypatch.setattr(store, "iter_offers", iter_offers)
    monkeypatch.setattr(backend, "rebuild", rebuild)
    report = indexer.rebuild()
    assert report.caught_up >= 6
    for tag, edit, retire in (("early", "o25", "o26"), ("late", "o27", "o28")):
        assert (backend.get(edit) or {})["title"] == f"Strikkecafé {tag}", tag
        assert (backend.get(f"new-{tag}") or {})["title"] == f"Nyt hold {tag}", tag
        assert (backend.get(retire) or {})["status"] == "ended", tag
        assert [c.id for c in backend.lexical_candidates(f"strikkecafé {tag}", k=1)] == [edit]
    assert backend.count() == 32 == store.counts()["offers"]


def test_a_quiet_rebuild_catches_up_nothing(indexer: Indexer) -> None:
    # The offers were saved a moment ago, within OVERLAP: only a new state counts as a change.
    report = indexer.rebuild()
    assert (report.caught_up, report.documents, indexer.backend.count()) == (0, 30, 30)
