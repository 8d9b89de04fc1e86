"""Keep a search backend in step with the catalogue.

- ``rebuild``: every offer into a new index version, then the switch.
- ``sync``: only offers changed since the last run (a watermark kept in the
  index itself, so a rebuild resets it), plus removal of documents whose
  offers no longer exist.
- ``index_offers``: the write path of the API calls this right after a
  commit, so a change is searchable at once.

Embeddings come from the cache when the text is unchanged.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tqdm import tqdm

from catalogue.errors import NotFound
from catalogue.store import Store

from .analysis import ANALYZER_VERSION
from .backend import IndexNotFoundError, SearchBackend
from .documents import SearchDocument, build_document
from .embedder import Embedder
from .embedding_cache import EmbeddingCache

WATERMARK = "synced_until"
#: Index meta key: the ``model_id`` (weights and backend variant) of the vectors in the index.
EMBEDDING_MODEL = "embedding_model"
#: Index meta key: the :data:`indexer.analysis.ANALYZER_VERSION` of the terms in the index.
ANALYZER = "analyzer"
#: Re-read changes this far before the watermark: a transaction that began
#: before the last sync but committed after it is not missed. Re-indexing an
#: unchanged offer is harmless (and its embedding is cached).
OVERLAP = timedelta(seconds=5)


@dataclass
class IndexReport:
    action: str
    documents: int = 0
    embedded: int = 0  # texts sent to the model
    cached: int = 0  # embeddings taken from the cache
    removed: int = 0
    seconds: float = 0.0
    version: str = ""
    timings: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        return (
            f"{self.action}: {self.documents} documents ({self.embedded} embedded, {self.cached} from cache), "
            f"{self.removed} removed, in {self.seconds:.1f} s" + (f"; index {self.version}" if self.version else "")
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Indexer:
    def __init__(
        self,
        store: Store,
        backend: SearchBackend,
        embedder: Embedder,
        *,
        batch_size: int = 64,
        progress: bool | None = None,
    ) -> None:
        self.store = store
        self.backend = backend
        self.embedder = embedder
        self.cache = EmbeddingCache(store)
        self.batch_size = batch_size
        self.progress = sys.stderr.isatty() if progress is None else progress

    # -- documents ---------------------------------------------------------------

    def documents(self, offers: Iterable[Mapping[str, Any]], report: IndexReport) -> Iterator[SearchDocument]:
        """Search documents with embeddings, embedding only what the cache lacks."""
        categories = self.store.categories()
        batch: list[SearchDocument] = []
        for offer in offers:
            batch.append(build_document(offer, categories))
            if len(batch) >= self.batch_size:
                yield from self._embed(batch, report)
                batch = []
        if batch:
            yield from self._embed(batch, report)

    def _embed(self, docs: Sequence[SearchDocument], report: IndexReport) -> list[SearchDocument]:
        model_id = self.embedder.model_id
        cached = self.cache.get_many(model_id, (d.content_hash for d in docs))
        missing = {d.content_hash: d.embedding_text for d in docs if d.content_hash not in cached}
        if missing:
            started = time.perf_counter()
            vectors = self.embedder.embed_documents(list(missing.values()))
            report.timings["encode"] = report.timings.get("encode", 0.0) + time.perf_counter() - started
            fresh = dict(zip(missing, vectors, strict=True))
            self.cache.put_many(model_id, fresh)
            cached.update(fresh)
        report.embedded += len(missing)
        report.cached += len(docs) - len(missing)
        for doc in docs:
            doc.embedding = cached[doc.content_hash]
        return list(docs)

    # -- operations ---------------------------------------------------------------

    def rebuild(self) -> IndexReport:
        """A new index version with every offer; the old one serves until the switch."""
        report = IndexReport("rebuild")
        started, t0 = datetime.now(UTC), time.perf_counter()
        total = self.store.counts()["offers"]
        docs = self.documents(self.store.iter_offers(), report)
        if not getattr(self.backend, "shows_progress", False):  # Elasticsearch draws its own bar
            docs = self._progress(docs, total, "Indexing")
        info = self.backend.rebuild(_counting(docs, report), total=total)
        self.backend.set_meta(EMBEDDING_MODEL, self.embedder.model_id)
        self.backend.set_meta(ANALYZER, ANALYZER_VERSION)
        self.backend.set_meta(WATERMARK, started.isoformat())
        report.version, report.seconds = info.version, time.perf_counter() - t0
        return report

    def sync(self) -> IndexReport:
        """Index what changed since the last run; rebuild if there is no index yet, if its vectors
        come from another model or backend variant (so old and new vectors never share an index),
        or if its terms come from another analyser version (stop words, stems, compounds)."""
        try:
            watermark = self.backend.get_meta(WATERMARK)
        except IndexNotFoundError:
            report = self.rebuild()
            report.action = "sync (first run: full build)"
            return report
        if self.backend.get_meta(EMBEDDING_MODEL) != self.embedder.model_id:
            report = self.rebuild()
            report.action = "sync (embedding model changed: full build)"
            return report
        if self.backend.get_meta(ANALYZER) != ANALYZER_VERSION:
            report = self.rebuild()
            report.action = "sync (text analyser changed: full build)"
            return report
        report = IndexReport("sync")
        started, t0 = datetime.now(UTC), time.perf_counter()
        since = datetime.fromisoformat(watermark) - OVERLAP if watermark else None
        changed, total = self.store.list_offers(modified_after=since)
        docs = self._progress(self.documents(changed, report), total, "Syncing")
        self.backend.upsert(_counting(docs, report))
        report.removed = self._remove_orphans()
        self.backend.set_meta(WATERMARK, started.isoformat())
        report.version, report.seconds = self.backend.info().version, time.perf_counter() - t0
        return report

    def index_offers(self, offer_ids: Iterable[str]) -> IndexReport:
        """Index these offers now (the API's write path); missing ones are removed."""
        report = IndexReport("index")
        t0 = time.perf_counter()
        offers, gone = [], []
        for offer_id in offer_ids:
            try:
                offers.append(self.store.get_offer(offer_id))
            except NotFound:
                gone.append(offer_id)
        self.backend.upsert(_counting(self.documents(offers, report), report))
        if gone:
            report.removed = self.backend.delete(gone)
        report.seconds = time.perf_counter() - t0
        return report

    def _remove_orphans(self) -> int:
        """Offers are retired, not deleted, but a store can be replaced or pruned."""
        ids_fn = getattr(self.backend, "ids", None)
        if ids_fn is None:
            return 0
        if self.backend.count() == self.store.counts()["offers"]:
            return 0
        known = {o["id"] for o in self.store.iter_offers()}
        orphans = [i for i in ids_fn() if i not in known]
        return self.backend.delete(orphans) if orphans else 0

    def _progress(self, docs: Iterator[SearchDocument], total: int, label: str) -> Iterator[SearchDocument]:
        if not self.progress:
            return docs
        return iter(tqdm(docs, total=total, desc=label, unit="offer", file=sys.stderr))


def _counting(docs: Iterable[SearchDocument], report: IndexReport) -> Iterator[SearchDocument]:
    for doc in docs:
        report.documents += 1
        yield doc
