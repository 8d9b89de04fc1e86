"""Elasticsearch request bodies for the search backend: pure functions, no I/O.

Everything the Elasticsearch backend sends is built here, so the shapes can be
unit-tested as plain dicts. The filter compilation reproduces
:func:`indexer.filters.matches` (see that module for the semantics).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import fields
from datetime import date
from typing import Any

import numpy as np

from .analysis import analyze, analyze_query
from .documents import FILTER_FIELDS, SearchDocument
from .filters import AnyOf, Clause, Flag, GeoDistance, InvalidFilterError, Not, Range, SearchFilter, Term

#: The most hits one request may return (``index.max_result_window`` and the kNN ``k``/``num_candidates`` limit).
MAX_WINDOW = 10_000
VECTOR_FIELD = "embedding"
GEO_FIELD = "location"
TEXT_FIELD = "text"
#: The BM25 field: ``text`` analysed by :func:`indexer.analysis.analyze` (stop words, protected
#: stems, compounds split), sent as space-separated terms and split again on whitespace, so
#: Elasticsearch scores exactly the terms the embedded engine scores.
TERMS_FIELD = "terms"
#: Kept in ``_source`` for kNN, geo and BM25 queries only; never part of ``SearchDocument.to_source()``.
INTERNAL_FIELDS = (VECTOR_FIELD, GEO_FIELD, TERMS_FIELD)
#: Matches no document.
MATCH_NONE: dict[str, Any] = {"bool": {"must_not": [{"match_all": {}}]}}

_TYPES = {
    "keyword": "keyword",
    "keyword_list": "keyword",
    "int": "integer",
    "int_list": "integer",
    "float": "double",  # double, not float: range bounds compare exactly as in Python
    "bool": "boolean",
    "date": "date",
}

#: Fields that are stored but not filtered on.
_STORED: dict[str, dict[str, Any]] = {
    "text": {"type": "text", "index": False},  # searched through TERMS_FIELD
    TERMS_FIELD: {"type": "text", "analyzer": "whitespace"},
    "title": {"type": "text", "analyzer": "danish"},
    "embedding_text": {"type": "text", "index": False},
    "organisation_name": {"type": "text", "analyzer": "danish"},
    "lat": {"type": "double"},
    "lon": {"type": "double"},
    "updated_at": {"type": "keyword"},
    "content_hash": {"type": "keyword"},
}


def num_candidates(k: int) -> int:
    """kNN ``num_candidates`` for ``k``: ten times k, at least 100, at most 10,000, never below k."""
    return max(k, min(MAX_WINDOW, max(100, 10 * k)))


def index_mapping(dim: int) -> dict[str, Any]:
    """``settings`` and ``mappings`` for a new physical index (kwargs of ``indices.create``)."""
    properties: dict[str, Any] = {name: {"type": _TYPES[kind]} for name, kind in FILTER_FIELDS.items()}
    properties.update(_STORED)
    properties[GEO_FIELD] = {"type": "geo_point"}
    properties[VECTOR_FIELD] = {
        "type": "dense_vector",
        "dims": dim,
        "index": True,
        "similarity": "cosine",
        "index_options": {"type": "hnsw"},
    }
    return {
        "settings": {
            "number_of_shards": 1,
            "number_of_replicas": 0,
            "refresh_interval": "1s",
            "max_result_window": MAX_WINDOW,
        },
        "mappings": {
            "dynamic": False,  # a field added to SearchDocument later is stored, just not indexed
            "_meta": {"dim": dim, "user": {}},
            "properties": properties,
        },
    }


# -- filters ------------------------------------------------------------------------


def compile_filter(flt: SearchFilter | None) -> list[dict[str, Any]]:
    """Clauses for a ``bool`` ``filter`` (all must hold); ``[]`` for no or an empty filter."""
    if not flt:
        return []
    return [compile_clause(c) for c in flt.clauses]


def compile_clause(clause: Clause) -> dict[str, Any]:
    """One portable clause as an Elasticsearch query."""
    if isinstance(clause, Term):
        return _term(clause)
    if isinstance(clause, Range):
        return _range(clause)
    if isinstance(clause, Flag):
        return {"term": {clause.field: bool(clause.value)}}
    if isinstance(clause, GeoDistance):
        if math.isnan(clause.km):
            return MATCH_NONE
        if math.isinf(clause.km):
            return {"exists": {"field": GEO_FIELD}}
        return {
            "geo_distance": {
                "distance": f"{_plain_number(clause.km)}km",
                GEO_FIELD: {"lat": float(clause.lat), "lon": float(clause.lon)},
            }
        }
    if isinstance(clause, AnyOf):
        return {"bool": {"should": [compile_clause(c) for c in clause.clauses], "minimum_should_match": 1}}
    if isinstance(clause, Not):
        return {"bool": {"must_not": [compile_clause(clause.clause)]}}
    raise InvalidFilterError(f"Unknown clause {clause!r}")


def _range(clause: Range) -> dict[str, Any]:
    """``range`` with inclusive bounds; a missing value never matches (as in ``range`` itself)."""
    kind = FILTER_FIELDS[clause.field]
    bounds: dict[str, Any] = {}
    for key, raw in (("gte", clause.gte), ("lte", clause.lte)):
        if raw is None:
            continue
        value = _bound(raw, kind, clause.field, up=key == "gte")
        if isinstance(value, float) and math.isinf(value):
            if (value > 0) == (key == "gte"):  # >= +inf or <= -inf: nothing
                return MATCH_NONE
            continue  # an open side: any value
        bounds[key] = value
    if not bounds:
        return {"exists": {"field": clause.field}}
    return {"range": {clause.field: bounds}}


def _term(clause: Term) -> dict[str, Any]:
    """``terms``; values that can never equal the field's values are dropped, as the reference ignores them."""
    kind = FILTER_FIELDS[clause.field]
    wants_missing = kind == "keyword" and None in clause.values  # a scalar field equal to None
    values: list[Any] = []
    for value in clause.values:
        if kind == "int_list":
            number = _int_value(value)
            if number is not None:
                values.append(number)
        elif isinstance(value, str):
            values.append(value)
    values = list(dict.fromkeys(values))
    query = {"terms": {clause.field: values}} if values else None
    if not wants_missing:
        return query or MATCH_NONE
    missing = {"bool": {"must_not": [{"exists": {"field": clause.field}}]}}
    if query is None:
        return missing
    return {"bool": {"should": [query, missing], "minimum_should_match": 1}}


def _int_value(value: Any) -> int | None:
    """An integer-list term value: an int, an integral float, or a canonical integer string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        text = value.strip()
        try:
            number = int(text)
        except ValueError:
            return None
        return number if str(number) == text else None
    return None


def _bound(value: Any, kind: str, name: str, *, up: bool) -> Any:
    """A range bound in the field's type; dates compare by day, as in the embedded engine."""
    if kind == "date":
        text = (value.isoformat() if isinstance(value, date) else str(value))[:10]
        try:
            date.fromisoformat(text)
        except ValueError:
            raise InvalidFilterError(f"Range on {name} needs an ISO date, not {value!r}") from None
        return text
    if isinstance(value, bool):
        raise InvalidFilterError(f"Range on {name} needs a number, not {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidFilterError(f"Range on {name} needs a number, not {value!r}") from None
    if math.isnan(number):
        raise InvalidFilterError(f"Range on {name} needs a number, not NaN")
    if kind == "int":
        if isinstance(value, int):
            return value
        if math.isinf(number):
            return number
        # Integer fields: x >= 2.5 is x >= 3 and x <= 2.5 is x <= 2.
        return math.ceil(number) if up else math.floor(number)
    return number


def _plain_number(x: float) -> str:
    """A number without exponent notation: 2.5 -> '2.5', 10.0 -> '10', 1e-07 -> '0.0000001'."""
    return str(np.format_float_positional(float(x), trim="-"))


# -- searches -----------------------------------------------------------------------


def _filtered(flt: SearchFilter | None) -> dict[str, Any]:
    return {"bool": {"filter": compile_filter(flt)}}


def lexical_query(query: str, flt: SearchFilter | None, k: int) -> dict[str, Any]:
    """BM25 on the analysed terms (:func:`indexer.analysis.analyze_query`, OR-ed) under the
    filter; best first, ties by id."""
    terms = " ".join(analyze_query(query))
    return {
        "query": {
            "bool": {
                "must": [{"match": {TERMS_FIELD: {"query": terms, "operator": "or"}}}],
                "filter": compile_filter(flt),
            }
        },
        "size": k,
        "_source": False,
        "sort": [{"_score": {"order": "desc"}}, {"id": {"order": "asc"}}],
        "track_total_hits": False,
    }


def knn_query(vector: Any, flt: SearchFilter | None, k: int, num_candidates: int) -> dict[str, Any]:
    """k nearest neighbours by cosine, with the filter applied before the top k are chosen."""
    knn: dict[str, Any] = {
        "field": VECTOR_FIELD,
        "query_vector": vector_list(vector),
        "k": k,
        "num_candidates": num_candidates,
    }
    clauses = compile_filter(flt)
    if clauses:
        knn["filter"] = clauses
    return {"knn": knn, "size": k, "_source": False, "track_total_hits": False}


def filtered_by_id_query(flt: SearchFilter | None, size: int, after: str | None = None) -> dict[str, Any]:
    """Matching documents in id order (a page of ``size``, after the id ``after``)."""
    body: dict[str, Any] = {
        "query": _filtered(flt) if flt else {"match_all": {}},
        "size": size,
        "_source": False,
        "sort": [{"id": {"order": "asc"}}],
        "track_total_hits": False,
    }
    if after is not None:
        body["search_after"] = [after]
    return body


def count_query(flt: SearchFilter | None) -> dict[str, Any]:
    """The ``query`` of a count."""
    return _filtered(flt) if flt else {"match_all": {}}


def vector_list(vector: Any) -> list[float]:
    """A vector as JSON floats (float32 values)."""
    return [float(x) for x in np.asarray(vector, dtype=np.float32).reshape(-1)]


# -- documents ----------------------------------------------------------------------


def document_source(doc: SearchDocument) -> dict[str, Any]:
    """What is indexed: ``to_source()`` with exact JSON number types, plus ``location``, ``embedding``
    and ``terms`` (the analysed text)."""
    source = doc.to_source()
    for name, kind in FILTER_FIELDS.items():
        value = source.get(name)
        if value is None:
            continue
        if kind == "int":
            source[name] = int(value)
        elif kind == "int_list":
            source[name] = [int(v) for v in value]
        elif kind == "float":
            source[name] = float(value)
    for name in ("lat", "lon"):
        if source.get(name) is not None:
            source[name] = float(source[name])
    if source.get("lat") is not None and source.get("lon") is not None:
        source[GEO_FIELD] = {"lat": source["lat"], "lon": source["lon"]}
    if doc.embedding is not None:
        source[VECTOR_FIELD] = vector_list(doc.embedding)
    source[TERMS_FIELD] = " ".join(analyze(doc.text))
    return source


def stored_document(source: dict[str, Any]) -> dict[str, Any]:
    """Back from ``_source`` to ``SearchDocument.to_source()``."""
    return {k: v for k, v in source.items() if k not in INTERNAL_FIELDS}


def bulk_actions(index: str, docs: Iterable[SearchDocument]) -> Iterator[dict[str, Any]]:
    """``index`` actions for ``helpers.streaming_bulk``."""
    for doc in docs:
        yield {"_op_type": "index", "_index": index, "_id": doc.id, "_source": document_source(doc)}


def delete_actions(index: str, ids: Iterable[str]) -> Iterator[dict[str, Any]]:
    """``delete`` actions for ``helpers.streaming_bulk``."""
    for doc_id in ids:
        yield {"_op_type": "delete", "_index": index, "_id": doc_id}


def document_fields() -> list[str]:
    """Every field of ``SearchDocument.to_source()``."""
    return [f.name for f in fields(SearchDocument) if f.name != VECTOR_FIELD]
