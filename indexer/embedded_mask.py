"""The embedded engine's filter: a portable :class:`SearchFilter` as a numpy boolean mask.

The filter fields of every indexed document are kept as columns, one row per
document (the row of its vector in the embedding matrix):

- keyword fields as int32 codes (``-1`` = missing), with a code table per field;
- numbers, booleans and dates as float64 (``NaN`` = missing; dates as
  proleptic ordinal days, booleans as 0/1);
- list fields (keyword or int lists) as one boolean column per value;
- ``lat``/``lon`` as float64 degrees, for the geo-distance clause.

A mask has ``Columns.n`` entries (rows ever placed, deleted ones included: they
are masked out by ``alive``). The semantics are those of
:func:`indexer.filters.matches`, which the conformance suite checks on both
backends.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from catalogue.geo import EARTH_RADIUS_KM, haversine_km_np

from .documents import FILTER_FIELDS
from .filters import AnyOf, Clause, Flag, GeoDistance, InvalidFilterError, Not, Range, SearchFilter, Term

LIST_KINDS = ("keyword_list", "int_list")
SCALAR_FIELDS = [f for f, kind in FILTER_FIELDS.items() if kind not in LIST_KINDS]
LIST_FIELDS = [f for f, kind in FILTER_FIELDS.items() if kind in LIST_KINDS]
#: Widening of the geo bounding box, so float rounding never cuts a point the haversine keeps.
_BOX_MARGIN = 1.01
#: Beyond this latitude the box is the latitude band alone (1/cos blows up at the pole).
_POLAR_LAT = 89.0


@dataclass
class Columns:
    """Columnar copies of the filter fields and the embedding matrix (``capacity x dim`` float32)."""

    dim: int
    n: int = 0
    ids: list[str] = field(default_factory=list)
    row_of: dict[str, int] = field(default_factory=dict)
    alive: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    scalars: dict[str, np.ndarray] = field(default_factory=dict)  # numbers/bools/dates as float64 (NaN = None)
    keywords: dict[str, np.ndarray] = field(default_factory=dict)  # keyword fields as int codes (-1 = None)
    codes: dict[str, dict[Any, int]] = field(default_factory=dict)  # keyword field -> value -> code
    lists: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)  # field -> value -> bool per row

    def __post_init__(self) -> None:
        # Every filter field has a column from the start, so an empty index
        # answers every filter (with nothing) instead of failing on a missing key.
        for name in SCALAR_FIELDS:
            if FILTER_FIELDS[name] == "keyword":
                self.keywords.setdefault(name, np.full(self.capacity, -1, dtype=np.int32))
            else:
                self.scalars.setdefault(name, np.full(self.capacity, np.nan))
        for name in ("lat", "lon"):
            self.scalars.setdefault(name, np.full(self.capacity, np.nan))
        for name in LIST_FIELDS:
            self.lists.setdefault(name, {})
        if self.matrix.size == 0:
            self.matrix = np.zeros((self.capacity, self.dim), dtype=np.float32)

    @property
    def capacity(self) -> int:
        """Rows allocated (at least ``n``); grows by half plus 64 when full."""
        return len(self.alive)

    def place(self, rows: Sequence[tuple[str, bytes]]) -> list[int]:
        """Put documents (JSON source, float32 vector bytes) in their rows; returns the row numbers.

        A document already present (same ``id``) keeps its row and is overwritten.
        """
        if not rows:
            return []
        sources = [json.loads(text) for text, _ in rows]
        new_ids = {s["id"] for s in sources} - self.row_of.keys()
        self._grow(self.n + len(new_ids))
        placed: list[int] = []
        for source, (_, blob) in zip(sources, rows, strict=True):
            doc_id = source["id"]
            row = self.row_of.get(doc_id)
            if row is None:
                row = self.n
                self.n += 1
                self.ids.append(doc_id)
                self.row_of[doc_id] = row
            self.alive[row] = True
            placed.append(row)
            self.matrix[row] = np.frombuffer(blob, dtype=np.float32)
            self._set_fields(row, source)
        return placed

    def reserve(self, rows: int) -> None:
        """Allocate room for ``rows`` rows in one step (a bulk load then never copies the matrix to grow)."""
        self._grow(rows)

    def drop(self, doc_id: str) -> bool:
        """Mark a document deleted; False when it was never placed."""
        row = self.row_of.get(doc_id)
        if row is None:
            return False
        self.alive[row] = False
        return True

    def _set_fields(self, row: int, source: dict[str, Any]) -> None:
        for name in SCALAR_FIELDS:
            kind = FILTER_FIELDS[name]
            value = source.get(name)
            if kind == "keyword":
                vocab = self.codes.setdefault(name, {})
                self.keywords[name][row] = -1 if value is None else vocab.setdefault(value, len(vocab))
            else:
                self.scalars[name][row] = to_number(value, kind)
        for name in ("lat", "lon"):
            self.scalars[name][row] = to_number(source.get(name), "float")
        for name in LIST_FIELDS:
            per_value = self.lists[name]
            for arr in per_value.values():
                arr[row] = False
            for value in source.get(name) or []:
                key = str(value)
                if key not in per_value:
                    per_value[key] = np.zeros(self.capacity, dtype=bool)
                per_value[key][row] = True

    def _grow(self, needed: int) -> None:
        capacity = self.capacity
        if needed <= capacity:
            return
        new_cap = max(needed, int(capacity * 1.5) + 64)

        def extend(arr: np.ndarray, fill: Any) -> np.ndarray:
            out = np.full((new_cap, *arr.shape[1:]), fill, dtype=arr.dtype)
            out[: len(arr)] = arr
            return out

        self.alive = extend(self.alive, False)
        self.matrix = extend(self.matrix if self.matrix.size else np.zeros((0, self.dim), np.float32), 0.0)
        for name in SCALAR_FIELDS:
            if FILTER_FIELDS[name] == "keyword":
                self.keywords[name] = extend(self.keywords.get(name, np.empty(0, dtype=np.int32)), -1)
            else:
                self.scalars[name] = extend(self.scalars.get(name, np.empty(0)), np.nan)
        for name in ("lat", "lon"):
            self.scalars[name] = extend(self.scalars.get(name, np.empty(0)), np.nan)
        for name in LIST_FIELDS:
            self.lists[name] = {v: extend(a, False) for v, a in self.lists.get(name, {}).items()}


def filter_mask(cols: Columns, flt: SearchFilter | None) -> np.ndarray:
    """Boolean mask of length ``cols.n``: live documents matching every clause of ``flt``."""
    mask = cols.alive[: cols.n].copy()
    for clause in flt.clauses if flt else ():
        mask &= clause_mask(cols, clause)
    return mask


def clause_mask(cols: Columns, clause: Clause) -> np.ndarray:
    """Mask of one clause (deleted rows not excluded). Raises :class:`InvalidFilterError` for an unknown clause."""
    n = cols.n
    if isinstance(clause, Term):
        if FILTER_FIELDS[clause.field] in LIST_KINDS:
            out = np.zeros(n, dtype=bool)
            for value in clause.values:
                arr = cols.lists[clause.field].get(str(value))
                if arr is not None:
                    out |= arr[:n]
            return out
        vocab = cols.codes.get(clause.field, {})
        wanted = [-1 if v is None else vocab.get(v, -2) for v in clause.values]  # -2: a value nobody has
        return np.isin(cols.keywords[clause.field][:n], np.asarray(wanted, dtype=np.int32))
    if isinstance(clause, Range):
        kind = FILTER_FIELDS[clause.field]
        arr = cols.scalars[clause.field][:n]
        out = ~np.isnan(arr)
        if clause.gte is not None:
            out &= arr >= to_number(clause.gte, kind)
        if clause.lte is not None:
            out &= arr <= to_number(clause.lte, kind)
        return out
    if isinstance(clause, Flag):
        return cols.scalars[clause.field][:n] == (1.0 if clause.value else 0.0)
    if isinstance(clause, GeoDistance):
        return geo_mask(cols.scalars["lat"][:n], cols.scalars["lon"][:n], clause)
    if isinstance(clause, AnyOf):
        out = np.zeros(n, dtype=bool)
        for sub in clause.clauses:
            out |= clause_mask(cols, sub)
        return out
    if isinstance(clause, Not):
        return ~clause_mask(cols, clause.clause)
    raise InvalidFilterError(f"Unknown clause {clause!r}")


def geo_mask(lat: np.ndarray, lon: np.ndarray, clause: GeoDistance) -> np.ndarray:
    """Points (degrees; NaN = no location) within ``clause.km`` great-circle km of the clause's centre.

    A bounding box around the circle first (cheap; longitudes compared modulo
    360, and only a latitude band when the circle comes near a pole), the haversine
    (:func:`catalogue.geo.haversine_km_np`) only for the points inside it.
    """
    dlat = np.degrees(clause.km / EARTH_RADIUS_KM) * _BOX_MARGIN
    with np.errstate(invalid="ignore"):
        box = np.abs(lat - clause.lat) <= dlat
        if abs(clause.lat) + dlat < _POLAR_LAT:  # else the circle may span every longitude: latitude band only
            dlon = dlat / math.cos(math.radians(abs(clause.lat) + dlat))
            box &= np.abs((lon - clause.lon + 180.0) % 360.0 - 180.0) <= dlon  # across the antimeridian too
    out = np.zeros(lat.shape, dtype=bool)
    inside = np.flatnonzero(box)
    out[inside] = haversine_km_np(clause.lat, clause.lon, lat[inside], lon[inside]) <= clause.km
    return out


def to_number(value: Any, kind: str) -> float:
    """A filter value as float64: None -> NaN, dates (or ISO strings) -> ordinal day, bools -> 0/1."""
    if value is None:
        return float("nan")
    if kind == "date":
        text = value.isoformat() if isinstance(value, date) else str(value)
        return float(date.fromisoformat(text[:10]).toordinal())
    if kind == "bool":
        return 1.0 if value else 0.0
    return float(value)
