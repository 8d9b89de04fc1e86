"""The search backend interface, documented once.

The matcher talks only to :class:`SearchBackend`. A backend stores search
documents and answers two kinds of candidate query under a portable
:class:`~indexer.filters.SearchFilter`:

- ``lexical_candidates``: BM25 over the document text with Danish analysis
  (lowercase, Danish stop words, Danish Snowball stemming); query terms are
  OR-ed, as in Elasticsearch's ``match``.
- ``vector_candidates``: k nearest neighbours by cosine similarity on the
  normalised embedding; the score is ``(1 + cosine) / 2`` as Elasticsearch
  reports it.

Both return ``Candidate(id, score)`` best first, after filtering, so a
feasible document is never lost below a cut-off. Fusion and ranking belong to
the matcher.

Documents live in a versioned physical index behind a stable name (an
Elasticsearch alias; a pointer file in the embedded engine). ``rebuild``
fills a new version and switches the name over in one step, so a rebuild that
fails halfway leaves the old version serving.

Errors are few: :class:`BackendUnavailableError` (cannot reach or open the
engine), :class:`IndexNotFoundError` (nothing indexed yet: run
``faellesskab index rebuild``), :class:`IndexingError` (documents were
refused), and :class:`~indexer.filters.InvalidFilterError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol, runtime_checkable

import numpy as np

from .documents import SearchDocument
from .filters import InvalidFilterError, SearchFilter


class SearchError(Exception):
    """Base class of search backend errors."""


class BackendUnavailableError(SearchError):
    """The engine cannot be reached or opened."""


class IndexNotFoundError(SearchError):
    """No index has been built yet."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            "No search index has been built yet. Run `faellesskab index rebuild`." + (f" ({detail})" if detail else "")
        )


class IndexingError(SearchError):
    """Some documents were refused; ``failures`` maps ids to reasons."""

    def __init__(self, failures: dict[str, str]) -> None:
        first = "; ".join(f"{k}: {v}" for k, v in list(failures.items())[:3])
        super().__init__(f"{len(failures)} documents were not indexed: {first}")
        self.failures = failures


class Candidate(NamedTuple):
    id: str
    score: float


@dataclass(frozen=True)
class IndexInfo:
    name: str  # the stable name (alias)
    version: str  # the physical index behind it
    count: int


@runtime_checkable
class SearchBackend(Protocol):
    """What every search backend provides; see the module docstring."""

    name: str
    dim: int

    def upsert(self, docs: Iterable[SearchDocument]) -> int:
        """Add or replace documents (they must carry embeddings); returns how many."""
        ...

    def delete(self, ids: Iterable[str]) -> int:
        """Remove documents by id; unknown ids are ignored. Returns how many were removed."""
        ...

    def count(self, flt: SearchFilter | None = None) -> int: ...

    def get(self, doc_id: str) -> dict[str, Any] | None:
        """The stored fields of one document (``SearchDocument.to_source()``), or None."""
        ...

    def lexical_candidates(self, query: str, flt: SearchFilter | None = None, k: int = 100) -> list[Candidate]: ...

    def vector_candidates(
        self, vector: np.ndarray, flt: SearchFilter | None = None, k: int = 100
    ) -> list[Candidate]: ...

    def rebuild(self, docs: Iterable[SearchDocument], total: int | None = None) -> IndexInfo:
        """Fill a new index version with ``docs`` and switch to it atomically."""
        ...

    def info(self) -> IndexInfo:
        """The index now serving; raises IndexNotFoundError if there is none."""
        ...

    def get_meta(self, key: str) -> str | None: ...

    def set_meta(self, key: str, value: str) -> None: ...

    def close(self) -> None: ...


def check_k(k: int) -> int:
    if k < 1:
        raise InvalidFilterError("k must be at least 1")
    return k


def check_vector(vector: np.ndarray, dim: int) -> np.ndarray:
    v = np.asarray(vector, dtype=np.float32).reshape(-1)
    if v.shape[0] != dim:
        raise InvalidFilterError(f"query vector has {v.shape[0]} dimensions, the index has {dim}")
    return v


__all__: Sequence[str] = [
    "BackendUnavailableError",
    "Candidate",
    "IndexInfo",
    "IndexNotFoundError",
    "IndexingError",
    "InvalidFilterError",
    "SearchBackend",
    "SearchError",
]
