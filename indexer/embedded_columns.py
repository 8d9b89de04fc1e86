"""The embedded engine's columns snapshot: open a large index without parsing every row's JSON.

Opening an index used to read every ``docs`` row (JSON source, vector bytes, term counts) and
parse the JSON of each in Python: 10 s at 100,000 offers, about 30 s at 300,000, with every row
held twice in memory while it ran. A rebuild now also writes, beside the SQLite file and the
postings snapshot, the filter columns and the embedding matrix exactly as
:class:`indexer.embedded_mask.Columns` holds them:

- ``index-<version>.columns.npz``: ids, SQLite rowids, analysed lengths ``dl``, and each column
  (``scalars``, ``keywords`` and their code tables, ``lists``), with a JSON manifest;
- ``index-<version>.matrix.npy``: the ``n x dim`` float32 matrix, read straight into an array
  that already has room for new rows, so opening never holds two copies of it.

Meta ``columns_seq`` in the SQLite file says up to which write sequence the snapshot holds; rows
written later (and deletions) are applied on top, as for the postings snapshot. Without a
snapshot (an index written before this module) the rows are read as before.

Hand-written because the layout is the engine's own (there is no library format for it); the
arrays themselves are numpy's ``.npy``/``.npz`` files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .embedded_mask import Columns

#: Rows read from SQLite per ``fetchmany`` while building the snapshot.
CHUNK = 5000
#: Room for new rows when a snapshot is opened: 1/16 of the rows, at least 64.
HEADROOM_SHARE = 16


class ColumnsSnapshot(NamedTuple):
    """A loaded snapshot: the columns, each row's SQLite rowid and analysed length, and the ``seq`` it holds."""

    columns: Columns
    rowids: np.ndarray  # int64, one per row of ``columns``
    dl: np.ndarray  # float64 analysed document lengths, one per row
    seq: int


def columns_file(directory: Path, version: str) -> Path:
    return directory / f"index-{version}.columns.npz"


def matrix_file(directory: Path, version: str) -> Path:
    return directory / f"index-{version}.matrix.npy"


def save(directory: Path, version: str, cols: Columns, rowids: np.ndarray, dl: np.ndarray) -> None:
    """Write the two snapshot files for ``cols`` (rows ``0..n-1``); raises ``OSError`` on a disk error."""
    n = cols.n
    arrays: dict[str, np.ndarray] = {
        "ids": np.asarray(cols.ids, dtype=str),
        "rowids": np.asarray(rowids, dtype=np.int64),
        "dl": np.asarray(dl, dtype=np.float64),
        "alive": cols.alive[:n],
    }
    manifest: dict[str, object] = {"n": n, "dim": cols.dim, "scalars": [], "keywords": [], "lists": []}
    for i, (name, arr) in enumerate(cols.scalars.items()):
        arrays[f"s{i}"] = arr[:n]
        manifest["scalars"].append(name)  # type: ignore[attr-defined]
    for i, (name, arr) in enumerate(cols.keywords.items()):
        arrays[f"k{i}"] = arr[:n]
        # JSON keys are strings: keep each code table as pairs, so non-string values survive.
        manifest["keywords"].append([name, list(cols.codes.get(name, {}).items())])  # type: ignore[attr-defined]
    j = 0
    for name, per_value in cols.lists.items():
        for value, arr in per_value.items():
            arrays[f"l{j}"] = arr[:n]
            manifest["lists"].append([name, value])  # type: ignore[attr-defined]
            j += 1
    arrays["manifest"] = np.asarray(json.dumps(manifest, ensure_ascii=False))
    np.savez(columns_file(directory, version), **arrays)  # type: ignore[arg-type]
    np.save(matrix_file(directory, version), np.ascontiguousarray(cols.matrix[:n], dtype=np.float32))


def load(directory: Path, version: str, seq: int) -> ColumnsSnapshot | None:
    """The snapshot of ``version``, or None when its files are missing; ``seq`` is meta ``columns_seq``.

    The matrix is read into an array with :data:`HEADROOM_SHARE` room for new rows. Raises
    ``ValueError`` when the files disagree with each other (a damaged snapshot).
    """
    path, mpath = columns_file(directory, version), matrix_file(directory, version)
    if not (path.exists() and mpath.exists()):
        return None
    with np.load(path, allow_pickle=False) as data:
        manifest = json.loads(str(data["manifest"]))
        n, dim = int(manifest["n"]), int(manifest["dim"])
        capacity = n + max(64, n // HEADROOM_SHARE)
        cols = Columns(dim)
        cols.n = n
        cols.ids = [str(x) for x in data["ids"]]
        cols.row_of = {doc_id: row for row, doc_id in enumerate(cols.ids)}
        cols.alive = _padded(data["alive"], capacity, False)
        for i, name in enumerate(manifest["scalars"]):
            cols.scalars[name] = _padded(data[f"s{i}"], capacity, np.nan)
        for i, (name, pairs) in enumerate(manifest["keywords"]):
            cols.keywords[name] = _padded(data[f"k{i}"], capacity, -1)
            cols.codes[name] = {value: int(code) for value, code in pairs}
        for name in cols.lists:
            cols.lists[name] = {}
        for j, (name, value) in enumerate(manifest["lists"]):
            cols.lists.setdefault(name, {})[value] = _padded(data[f"l{j}"], capacity, False)
        rowids, dl = np.asarray(data["rowids"]), np.asarray(data["dl"])
    cols.matrix = _read_matrix(mpath, n, dim, capacity)
    if len(cols.ids) != n or len(rowids) != n or len(dl) != n:
        raise ValueError(f"{path.name}: {n} rows in the manifest, {len(cols.ids)} ids, {len(rowids)} rowids")
    return ColumnsSnapshot(cols, rowids, dl, seq)


def _padded(arr: np.ndarray, capacity: int, fill: object) -> np.ndarray:
    out = np.full(capacity, fill, dtype=arr.dtype)
    out[: len(arr)] = arr
    return out


def _read_matrix(path: Path, n: int, dim: int, capacity: int) -> np.ndarray:
    """Read an ``n x dim`` float32 ``.npy`` into the first rows of a zeroed ``capacity x dim`` array."""
    out = np.zeros((capacity, dim), dtype=np.float32)
    with path.open("rb") as handle:
        version = np.lib.format.read_magic(handle)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(handle)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(handle)
        else:
            raise ValueError(f"{path.name}: .npy format {version} is not read here")
        if tuple(shape) != (n, dim) or fortran or dtype != np.float32:
            raise ValueError(f"{path.name}: {shape} {dtype}, expected ({n}, {dim}) float32")
        if n:
            view = memoryview(out.reshape(-1)[: n * dim].view(np.uint8).data)
            read = handle.readinto(view)
            if read != view.nbytes:
                raise ValueError(f"{path.name}: {read} bytes, expected {view.nbytes}")
    return out
