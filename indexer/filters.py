"""The portable search filter: one value both backends translate.

A filter is a conjunction of clauses; ``AnyOf`` and ``Not`` nest. Each
backend compiles it (the embedded engine to a numpy mask,
Elasticsearch to a ``bool`` query), and :func:`matches` is the reference
meaning that the conformance tests hold every compilation to.

Semantics, the same everywhere:
- ``Term(f, values)``: the field equals one of the values; for list fields,
  the list shares at least one value with them.
- ``Range(f, gte, lte)``: inclusive bounds; a missing (None) value never matches.
- ``Flag(f, value)``: a boolean field equals ``value``.
- ``GeoDistance(lat, lon, km)``: great-circle distance at most ``km`` to any of the
  document's points (``lat``/``lon`` and ``other_points``);
  documents without coordinates never match.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Union

from catalogue.geo import haversine_km

from .documents import FILTER_FIELDS, SearchDocument


class InvalidFilterError(ValueError):
    """A filter names an unknown field or uses it the wrong way."""


@dataclass(frozen=True)
class Term:
    field: str
    values: tuple[Any, ...]

    def __post_init__(self) -> None:
        kind = _kind(self.field)
        if kind in ("int", "float", "bool", "date"):
            raise InvalidFilterError(f"Term needs a keyword field, not {self.field} ({kind})")
        if not self.values:
            raise InvalidFilterError(f"Term on {self.field} has no values")


@dataclass(frozen=True)
class Range:
    field: str
    gte: float | str | None = None
    lte: float | str | None = None

    def __post_init__(self) -> None:
        if _kind(self.field) not in ("int", "float", "date"):
            raise InvalidFilterError(f"Range needs a numeric or date field, not {self.field}")
        if self.gte is None and self.lte is None:
            raise InvalidFilterError(f"Range on {self.field} has no bound")


@dataclass(frozen=True)
class Flag:
    field: str
    value: bool = True

    def __post_init__(self) -> None:
        if _kind(self.field) != "bool":
            raise InvalidFilterError(f"Flag needs a boolean field, not {self.field}")


@dataclass(frozen=True)
class GeoDistance:
    lat: float
    lon: float
    km: float

    def __post_init__(self) -> None:
        if not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180) or self.km < 0:
            raise InvalidFilterError("GeoDistance needs a valid point and a distance >= 0")


@dataclass(frozen=True)
class AnyOf:
    clauses: tuple[Clause, ...]

    def __post_init__(self) -> None:
        if not self.clauses:
            raise InvalidFilterError("AnyOf needs at least one clause")


@dataclass(frozen=True)
class Not:
    clause: Clause


Clause = Union[Term, Range, Flag, GeoDistance, AnyOf, Not]  # noqa: UP007 (used at runtime)


@dataclass(frozen=True)
class SearchFilter:
    """All clauses must hold. An empty filter matches everything."""

    clauses: tuple[Clause, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, *clauses: Clause | None) -> SearchFilter:
        return cls(tuple(c for c in clauses if c is not None))

    def and_(self, *clauses: Clause | None) -> SearchFilter:
        return SearchFilter(self.clauses + tuple(c for c in clauses if c is not None))

    def __bool__(self) -> bool:
        return bool(self.clauses)


def _kind(name: str) -> str:
    try:
        return FILTER_FIELDS[name]
    except KeyError:
        raise InvalidFilterError(f"Unknown filter field {name!r}") from None


def terms(field: str, values: Iterable[Any]) -> Term:
    return Term(field, tuple(values))


# -- the reference meaning ----------------------------------------------------------


def matches(flt: SearchFilter | None, doc: SearchDocument) -> bool:
    """Does ``doc`` satisfy the filter? The definition every backend must agree with."""
    return flt is None or all(_clause(c, doc) for c in flt.clauses)


def _clause(clause: Clause, doc: SearchDocument) -> bool:
    if isinstance(clause, Term):
        value = getattr(doc, clause.field)
        if isinstance(value, list):
            return bool(set(value) & set(clause.values))
        return value in clause.values
    if isinstance(clause, Range):
        value = getattr(doc, clause.field)
        if value is None:
            return False
        if clause.gte is not None and value < clause.gte:
            return False
        return not (clause.lte is not None and value > clause.lte)
    if isinstance(clause, Flag):
        return bool(getattr(doc, clause.field)) == clause.value
    if isinstance(clause, GeoDistance):  # any of the offer's places
        points = ([(doc.lat, doc.lon)] if doc.lat is not None and doc.lon is not None else []) + [
            (p[0], p[1]) for p in doc.other_points
        ]
        return any(haversine_km(clause.lat, clause.lon, lat, lon) <= clause.km for lat, lon in points)
    if isinstance(clause, AnyOf):
        return any(_clause(c, doc) for c in clause.clauses)
    if isinstance(clause, Not):
        return not _clause(clause.clause, doc)
    raise InvalidFilterError(f"Unknown clause {clause!r}")
