"""Elasticsearch that hangs or is down: a short deadline, no retries, a breaker,
and writes kept meanwhile reach the index by themselves.

The issue's probe: a hung node made every call take 90.1 s (30 s x 3 tries).
A real socket that accepts and never answers (:mod:`tests.indexer.faulty_proxy`)
stands for the hung node; noida-db behind the same proxy for the live one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from catalogue.store import Store
from indexer.backend import BackendUnavailableError
from indexer.breaker import CircuitBreaker
from indexer.embedder import FakeEmbedder
from indexer.es_backend import ElasticsearchBackend
from indexer.sync import Indexer
from tests.conftest import make_offer
from tests.indexer.es_server import unique_prefix
from tests.indexer.faulty_proxy import FaultyProxy

TIMEOUT = 0.5


@pytest.fixture
def hung() -> Iterator[FaultyProxy]:
    proxy = FaultyProxy(None, mode="hung")
    yield proxy
    proxy.close()


def timed(call: Callable[[], object]) -> tuple[float, BaseException | None]:
    t0 = time.perf_counter()
    try:
        call()
    except Exception as exc:
        return time.perf_counter() - t0, exc
    return time.perf_counter() - t0, None


def test_a_hung_node_costs_one_deadline_then_the_breaker_answers_at_once(hung: FaultyProxy) -> None:
    backend = ElasticsearchBackend(hung.url, prefix="deadline", timeout=TIMEOUT)
    first = [timed(backend.count) for _ in range(3)]
    for seconds, error in first:
        assert isinstance(error, BackendUnavailableError)
        assert TIMEOUT * 0.8 < seconds < TIMEOUT * 3, seconds  # one try, not 3 x 30 s
    assert backend.breaker.state == "open"
    seconds, error = timed(lambda: backend.lexical_candidates("strik"))
    assert isinstance(error, BackendUnavailableError) and "not trying again" in str(error)
    assert seconds < 0.05, seconds
    backend.close()


def title(backend: ElasticsearchBackend, doc_id: str) -> str | None:
    try:
        return str((backend.get(doc_id) or {}).get("title"))
    except BackendUnavailableError:  # the breaker is still open
        return None


@pytest.mark.integration
def test_writes_kept_while_the_node_is_down_reach_the_index_by_themselves(
    elasticsearch_url: str, es_index_prefix: str, sqlite_store: Store
) -> None:
    proxy = FaultyProxy(elasticsearch_url)
    breaker = CircuitBreaker("es", fail_max=2, reset_timeout=0.5)
    backend = ElasticsearchBackend(
        proxy.url, prefix=unique_prefix(es_index_prefix), dim=384, timeout=TIMEOUT, breaker=breaker
    )
    try:
        assert sqlite_store.import_offers([make_offer("a"), make_offer("b")], actor="t").committed
        indexer = Indexer(sqlite_store, backend, FakeEmbedder(dim=384), progress=False, retry_seconds=0.2)
        indexer.rebuild()
        for mode in ("down", "hung"):
            proxy.set_mode(mode)
            version = sqlite_store.get_offer("a")["version"]
            sqlite_store.update_offer("a", {"title": f"Strikkecafé {mode}"}, expected_version=version, actor="t")
            with pytest.raises(BackendUnavailableError):
                indexer.index_offers(["a"])  # what the API's write path does after the commit
            assert indexer.deferred == {"a"}
            time.sleep(1.0)  # the background retries fail meanwhile
            proxy.set_mode("up")
            deadline = time.monotonic() + 15
            while title(backend, "a") != f"Strikkecafé {mode}" or indexer.deferred:
                assert time.monotonic() < deadline, f"the deferred write never arrived ({mode})"
                time.sleep(0.1)
    finally:
        proxy.close()
        backend.close()
        from tests.indexer.es_server import delete_indices

        delete_indices(elasticsearch_url, f"{backend.prefix}-*")


def test_a_deferred_write_goes_with_the_next_successful_one(sqlite_store: Store, tmp_path: Path) -> None:
    """The embedded engine too: a failed index call is retried with the next one."""
    from indexer.embedded import EmbeddedBackend

    assert sqlite_store.import_offers([make_offer("a"), make_offer("b")], actor="t").committed
    backend = EmbeddedBackend(tmp_path / "search", dim=384)
    indexer = Indexer(sqlite_store, backend, FakeEmbedder(dim=384), progress=False, retry_seconds=3600)
    indexer.rebuild()
    sqlite_store.update_offer("a", {"title": "Strikkecafé"}, expected_version=1, actor="t")
    real_upsert = backend.upsert

    def broken(docs: object) -> int:
        raise OSError(28, "No space left on device")

    backend.upsert = broken  # type: ignore[method-assign]
    with pytest.raises(OSError):
        indexer.index_offers(["a"])
    backend.upsert = real_upsert  # type: ignore[method-assign]
    sqlite_store.update_offer("b", {"title": "Gåtur"}, expected_version=1, actor="t")
    report = indexer.index_offers(["b"])
    assert report.documents == 2 and indexer.deferred == frozenset()
    assert (backend.get("a") or {})["title"] == "Strikkecafé"
    assert indexer.stop_retrying() == frozenset()  # and the idle retry thread ends
