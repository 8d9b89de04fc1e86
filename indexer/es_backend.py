"""The Elasticsearch backend (8.x): the same protocol as the embedded engine.

- Documents live in a physical index ``<prefix>-offers-v<timestamp>-<uuid>``
  behind the alias ``<prefix>-offers``. ``rebuild`` fills a new physical
  index, refreshes it, moves the alias in one ``update_aliases`` call and then
  deletes the old versions; a rebuild that fails before the switch deletes its
  new index, and the old one keeps serving.
- Writes go through ``helpers.streaming_bulk`` with ``refresh="wait_for"``,
  so a change is searchable when ``upsert``/``delete`` return.
- User meta (``get_meta``/``set_meta``) is kept in the physical index's
  mapping ``_meta``, so it belongs to one version and a rebuild starts afresh.
- The client is created on first use: constructing the backend does no I/O.
- Deadlines: every request has ``timeout`` seconds (``ELASTICSEARCH_TIMEOUT_S``,
  default 5) and is never retried by the client, so a hung node costs one
  deadline, not 30 s × 3 tries. Rebuild bulk requests get
  :data:`BULK_TIMEOUT_S`. A :class:`indexer.breaker.CircuitBreaker` counts
  unreachable or timed-out requests: after 3 in a row it refuses calls for
  30 s at once (``BackendUnavailableError``, a 503 upstairs), then lets them
  try again.

Request bodies are built in :mod:`indexer.es_queries`.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np
from elasticsearch import (
    ApiError,
    AuthenticationException,
    AuthorizationException,
    BadRequestError,
    Elasticsearch,
    NotFoundError,
    TransportError,
    helpers,
)
from tqdm import tqdm

from . import es_queries as q
from .analysis import analyze_query
from .backend import (
    BackendUnavailableError,
    Candidate,
    IndexInfo,
    IndexingError,
    IndexNotFoundError,
    SearchError,
    check_k,
    check_vector,
)
from .breaker import CircuitBreaker, CircuitOpenError
from .documents import SearchDocument
from .filters import InvalidFilterError, SearchFilter

log = logging.getLogger(__name__)

BATCH = 500  # documents per bulk request
#: Set to 1 to hide the rebuild progress bar (it is hidden anyway when stderr is not a terminal).
NO_PROGRESS_ENV = "FAELLESSKAB_NO_PROGRESS"
#: Seconds a request may take (``ELASTICSEARCH_TIMEOUT_S``), and a rebuild's bulk requests.
DEFAULT_TIMEOUT_S = 5.0
BULK_TIMEOUT_S = 60.0
#: The breaker: failures in a row that open it, and seconds it stays open.
BREAKER_FAILS, BREAKER_RESET_S = 3, 30.0


class ElasticsearchBackend:
    """See the module docstring."""

    shows_progress = True  # rebuild draws its own bar over the bulk stream

    name = "elasticsearch"

    def __init__(
        self,
        url: str,
        prefix: str = "faellesskab",
        dim: int = 384,
        client_options: dict[str, Any] | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self.url = url
        self.prefix = prefix
        self.dim = dim
        self.alias = f"{prefix}-offers"
        defaults = {"request_timeout": timeout, "retry_on_timeout": False, "max_retries": 0}
        self.client_options = {**defaults, **(client_options or {})}
        self.breaker = breaker or CircuitBreaker(
            f"Elasticsearch at {_safe_url(url)}", fail_max=BREAKER_FAILS, reset_timeout=BREAKER_RESET_S
        )
        self._es: Elasticsearch | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ElasticsearchBackend({_safe_url(self.url)!r}, alias={self.alias!r})"

    # -- plumbing --------------------------------------------------------------

    @property
    def client(self) -> Elasticsearch:
        """The client, created on first use."""
        with self._lock:
            if self._es is None:
                self._es = Elasticsearch(self.url, **self.client_options)
            return self._es

    @contextmanager
    def _errors(self, searching: bool = False) -> Iterator[None]:
        """Translate client errors into the protocol's errors."""
        where = _safe_url(self.url)
        try:
            with self.breaker.guard(lambda exc: isinstance(exc, TransportError)):
                yield
        except CircuitOpenError as exc:
            raise BackendUnavailableError(str(exc)) from None
        except NotFoundError as exc:
            raise IndexNotFoundError(f"alias {self.alias} at {where}") from exc
        except BadRequestError as exc:
            if searching:
                raise InvalidFilterError(f"Elasticsearch refused the query: {_reason(exc)}") from exc
            raise SearchError(f"Elasticsearch at {where} refused the request: {_reason(exc)}") from exc
        except (AuthenticationException, AuthorizationException) as exc:
            raise BackendUnavailableError(f"Elasticsearch at {where} refused access: {_reason(exc)}") from exc
        except ApiError as exc:
            raise SearchError(f"Elasticsearch at {where} answered {exc.meta.status}: {_reason(exc)}") from exc
        except TransportError as exc:
            raise BackendUnavailableError(f"Cannot reach Elasticsearch at {where}: {exc}") from exc

    def _current_index(self) -> str:
        """The physical index behind the alias (IndexNotFoundError if there is none)."""
        with self._errors():
            found = self.client.indices.get_alias(name=self.alias)
        names = sorted(found)
        if not names:
            raise IndexNotFoundError(f"alias {self.alias} at {_safe_url(self.url)}")
        return names[-1]

    def _versions(self) -> list[str]:
        """Every physical index of this alias, serving or not."""
        with self._errors():
            return sorted(
                self.client.indices.get(index=f"{self.alias}-v*", ignore_unavailable=True, allow_no_indices=True)
            )

    def _search(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        with self._errors(searching=True):
            resp = self.client.search(index=self.alias, body=body)
        hits: list[dict[str, Any]] = resp["hits"]["hits"]
        return hits

    # -- writing ---------------------------------------------------------------

    def _checked(self, docs: Iterable[SearchDocument]) -> Iterator[SearchDocument]:
        """Documents in batches, each batch checked for embeddings before any of it is sent."""
        batch: list[SearchDocument] = []

        def check() -> None:
            failures: dict[str, str] = {}
            for doc in batch:
                if doc.embedding is None:
                    failures[doc.id] = "no embedding"
                elif np.size(doc.embedding) != self.dim:
                    failures[doc.id] = f"embedding has {np.size(doc.embedding)} dimensions, not {self.dim}"
            if failures:
                raise IndexingError(failures)

        for doc in docs:
            batch.append(doc)
            if len(batch) >= BATCH:
                check()
                yield from batch
                batch = []
        check()
        yield from batch

    def _bulk(
        self, actions: Iterable[dict[str, Any]], refresh: bool, timeout: float | None = None
    ) -> tuple[int, int, dict[str, str]]:
        """Stream actions (each request within ``timeout`` s, default the backend's); returns
        (done, not found, failures by id)."""
        done, missing, failures = 0, 0, {}
        client = self.client if timeout is None else self.client.options(request_timeout=timeout)
        with self._errors():
            for ok, item in helpers.streaming_bulk(
                client,
                actions,
                chunk_size=BATCH,
                raise_on_error=False,
                max_retries=2,
                refresh="wait_for" if refresh else False,
            ):
                ((op, result),) = item.items()
                if ok:
                    done += 1
                elif op == "delete" and result.get("status") == 404 and "error" not in result:
                    missing += 1
                else:
                    failures[str(result.get("_id"))] = _item_error(result)
        return done, missing, failures

    def upsert(self, docs: Iterable[SearchDocument]) -> int:
        index = self._current_index()
        done, _, failures = self._bulk(q.bulk_actions(index, self._checked(docs)), refresh=True)
        if failures:
            raise IndexingError(failures)
        return done

    def delete(self, ids: Iterable[str]) -> int:
        index = self._current_index()
        # Elasticsearch refuses empty ids and ids over 512 bytes; no document can have one.
        valid = (i for i in ids if i and len(i.encode("utf-8")) <= 512)
        done, _, failures = self._bulk(q.delete_actions(index, valid), refresh=True)
        if failures:
            raise IndexingError(failures)
        return done

    def rebuild(self, docs: Iterable[SearchDocument], total: int | None = None) -> IndexInfo:
        """Fill a new physical index, then move the alias to it in one step."""
        stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime())
        index = f"{self.alias}-v{stamp}-{uuid.uuid4().hex[:6]}"
        with self._errors():
            self.client.indices.create(index=index, **q.index_mapping(self.dim))
            try:
                progress = tqdm(
                    docs,
                    total=total,
                    desc=f"indexing {self.alias}",
                    unit="doc",
                    file=sys.stderr,
                    disable=True if os.environ.get(NO_PROGRESS_ENV) or os.environ.get("TQDM_DISABLE") else None,
                )
                try:
                    count, _, failures = self._bulk(
                        q.bulk_actions(index, self._checked(progress)), refresh=False, timeout=BULK_TIMEOUT_S
                    )
                finally:
                    progress.close()
                if failures:
                    raise IndexingError(failures)
                self.client.options(request_timeout=BULK_TIMEOUT_S).indices.refresh(index=index)
                count = int(self.client.count(index=index)["count"])  # a document sent twice counts once
                self._switch(index)
            except BaseException:
                if not self._serving(index):  # a lost answer to a switch that did happen keeps it
                    self._drop([index])
                raise
        self._drop([v for v in self._versions() if v != index])
        return IndexInfo(name=self.alias, version=index, count=count)

    def _switch(self, index: str) -> None:
        """Point the alias at ``index`` alone, atomically."""
        try:
            old = sorted(self.client.indices.get_alias(name=self.alias))
        except NotFoundError:
            old = []
        actions: list[dict[str, Any]] = [
            {"remove": {"index": name, "alias": self.alias, "must_exist": True}} for name in old
        ]
        actions.append({"add": {"index": index, "alias": self.alias}})
        resp = self.client.indices.update_aliases(actions=actions)
        if resp.get("errors"):
            raise SearchError(f"Moving alias {self.alias} to {index} failed: {resp}")

    def _serving(self, index: str) -> bool:
        """Does the alias point at ``index``? (True when that cannot be told, to be safe.)"""
        try:
            return index in self.client.indices.get_alias(name=self.alias)
        except NotFoundError:
            return False
        except Exception:
            return True

    def _drop(self, names: list[str]) -> None:
        """Delete physical indices; a failure is logged, not raised (the next rebuild retries)."""
        if not names:
            return
        try:
            self.client.indices.delete(index=",".join(names), ignore_unavailable=True)
        except Exception as exc:  # the switch is done, or the rebuild already failed
            log.warning("Could not delete old index versions %s: %s", names, exc)

    def create_empty(self) -> IndexInfo:
        """Start with an empty index (the first sync can then fill it)."""
        return self.rebuild([])

    # -- reading ---------------------------------------------------------------

    def info(self) -> IndexInfo:
        index = self._current_index()
        with self._errors():
            count = int(self.client.count(index=index)["count"])
        return IndexInfo(name=self.alias, version=index, count=count)

    def count(self, flt: SearchFilter | None = None) -> int:
        query = q.count_query(flt)
        with self._errors(searching=True):
            return int(self.client.count(index=self.alias, query=query)["count"])

    def get(self, doc_id: str) -> dict[str, Any] | None:
        if not doc_id or len(doc_id.encode("utf-8")) > 512:
            self._current_index()  # still IndexNotFoundError when there is no index
            return None
        with self._errors():
            try:
                resp = self.client.get(index=self.alias, id=doc_id, source_excludes=list(q.INTERNAL_FIELDS))
            except NotFoundError as exc:
                if isinstance(exc.body, dict) and exc.body.get("found") is False:
                    return None  # the index is there, the document is not
                raise
        return q.stored_document(resp["_source"])

    def ids(self) -> list[str]:
        out: list[str] = []
        after: str | None = None
        while True:
            hits = self._search(q.filtered_by_id_query(None, q.MAX_WINDOW, after))
            out.extend(h["_id"] for h in hits)
            if len(hits) < q.MAX_WINDOW:
                return out
            after = hits[-1]["sort"][0]

    def lexical_candidates(self, query: str, flt: SearchFilter | None = None, k: int = 100) -> list[Candidate]:
        check_k(k)
        if not analyze_query(query):  # only stop words or punctuation: as the embedded engine
            return []
        hits = self._search(q.lexical_query(query, flt, min(k, q.MAX_WINDOW)))
        return [Candidate(h["_id"], float(h["_score"] if h.get("_score") is not None else h["sort"][0])) for h in hits]

    def vector_candidates(self, vector: np.ndarray, flt: SearchFilter | None = None, k: int = 100) -> list[Candidate]:
        check_k(k)
        v = check_vector(vector, self.dim)
        if not np.any(v):
            # Cosine is undefined for a zero vector (Elasticsearch refuses it); the
            # embedded engine scores every document 0.5, so ties go by id.
            hits = self._search(q.filtered_by_id_query(flt, min(k, q.MAX_WINDOW)))
            return [Candidate(h["_id"], 0.5) for h in hits]
        # Ask for more than k so that equal scores at the cut-off are broken by id.
        fetch = min(q.MAX_WINDOW, k + max(k, 10))
        hits = self._search(q.knn_query(v, flt, fetch, q.num_candidates(fetch)))
        ranked = sorted(((float(h["_score"]), h["_id"]) for h in hits), key=lambda sh: (-sh[0], sh[1]))
        return [Candidate(doc_id, score) for score, doc_id in ranked[:k]]

    # -- meta ------------------------------------------------------------------

    def _meta(self) -> tuple[str, dict[str, Any]]:
        with self._errors():
            mappings = self.client.indices.get_mapping(index=self.alias)
        if not mappings:
            raise IndexNotFoundError(f"alias {self.alias} at {_safe_url(self.url)}")
        index = sorted(mappings)[-1]
        return index, dict(mappings[index]["mappings"].get("_meta") or {})

    def get_meta(self, key: str) -> str | None:
        _, meta = self._meta()
        value = (meta.get("user") or {}).get(key)
        return None if value is None else str(value)

    def set_meta(self, key: str, value: str) -> None:
        index, meta = self._meta()
        meta["user"] = {**(meta.get("user") or {}), key: str(value)}
        with self._errors():
            self.client.indices.put_mapping(index=index, meta=meta)

    def close(self) -> None:
        with self._lock:
            es, self._es = self._es, None
        if es is not None:
            es.close()


def _safe_url(url: str) -> str:
    """The URL without credentials, for messages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid url>"
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def _reason(exc: ApiError) -> str:
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            cause = (error.get("root_cause") or [error])[0]
            return f"{cause.get('type', 'error')}: {cause.get('reason', '')}"
        if error is not None:
            return str(error)
    return str(exc.message)


def _item_error(result: dict[str, Any]) -> str:
    error = result.get("error")
    if isinstance(error, dict):
        return f"{error.get('type', 'error')}: {error.get('reason', '')}"
    return str(error or result.get("result") or f"status {result.get('status')}")
