"""Offers and their search documents for the matcher, cached by version.

The matcher re-checks every result against the store, which is the truth;
reading ~80 offers through the ORM for each request would cost more than
the query embedding. Instead one cheap ``(id, version)`` query tells which
cached copies are still current, and only changed offers are read again.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any

from catalogue.store import Store
from indexer.documents import SearchDocument, build_document


class OfferCache:
    def __init__(self, store: Store, max_size: int = 50_000) -> None:
        self.store = store
        self.max_size = max_size
        self._items: dict[str, tuple[int, Mapping[str, Any], SearchDocument]] = {}
        self._lock = threading.Lock()

    def get(
        self, offer_ids: Iterable[str], labels: Mapping[str, str]
    ) -> tuple[dict[str, Mapping[str, Any]], dict[str, SearchDocument]]:
        ids = list(dict.fromkeys(offer_ids))
        versions = self.store.versions(ids)
        with self._lock:
            stale = [i for i in versions if i not in self._items or self._items[i][0] != versions[i]]
        fresh = self.store.get_offers(stale) if stale else {}
        with self._lock:
            if len(self._items) + len(fresh) > self.max_size:
                self._items.clear()
            for oid, offer in fresh.items():
                self._items[oid] = (offer["version"], offer, build_document(offer, labels))
            offers, docs = {}, {}
            for oid in ids:
                item = self._items.get(oid)
                if item is not None and oid in versions and item[0] == versions[oid]:
                    offers[oid], docs[oid] = item[1], item[2]
        return offers, docs
