"""The one registry of catalogue file formats, and the one way to read or write them.

=====================  ======  ======  =======================================
format                 import  export  what it is
=====================  ======  ======  =======================================
``json``               yes     yes     ``{"offers": [...], "categories": {...}}`` or a list
``jsonl``              yes     yes     one offer per line (JSON Lines)
``csv``                yes     yes     spreadsheet columns (see ``catalogue.formats``)
``hsds``               yes     yes     HSDS 3.0 JSON: a service, a list, or a ``/services`` page
``hsds-datapackage``   yes     no      HSDS 3.0 tabular datapackage (a folder)
=====================  ======  ======  =======================================

Readers only parse; validation happens per record in the import. A source
that cannot be parsed at all raises :class:`~catalogue.errors.FileFormatError`
with one message fit to show a coordinator, and nothing in it is imported.
The native formats live in :mod:`catalogue.formats`, HSDS in :mod:`catalogue.hsds`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TextIO

from . import formats
from .errors import FileFormatError
from .formats import ParsedFile

IMPORT_FORMATS: tuple[str, ...] = ("json", "jsonl", "csv", "hsds", "hsds-datapackage")
EXPORT_FORMATS: tuple[str, ...] = ("json", "jsonl", "csv", "hsds")

#: File name suffix (lower case, without the dot) -> format.
SUFFIXES: dict[str, str] = {"json": "json", "jsonl": "jsonl", "ndjson": "jsonl", "csv": "csv"}


def _check(fmt: str, known: tuple[str, ...], what: str) -> str:
    if fmt not in known:
        raise FileFormatError(f"Unknown {what} format {fmt!r}; use one of {', '.join(known)}.")
    return fmt


def detect_format(path: Path, explicit: str | None = None) -> str:
    """The import format of ``path``: ``explicit`` when given (checked against
    :data:`IMPORT_FORMATS`), else ``hsds-datapackage`` for a folder, else from
    the suffix (``.json``, ``.jsonl``/``.ndjson``, ``.csv``). HSDS JSON shares
    the ``.json`` suffix with native JSON, so it must be asked for explicitly.
    Raises FileFormatError."""
    if explicit:
        return _check(explicit, IMPORT_FORMATS, "import")
    if path.is_dir():
        return "hsds-datapackage"
    fmt = SUFFIXES.get(path.suffix.lower().lstrip("."))
    if fmt is None:
        raise FileFormatError(
            f"Cannot tell the format of {path.name}; name it .json, .jsonl or .csv, "
            f"or give the format (one of {', '.join(IMPORT_FORMATS)})."
        )
    return fmt


def read_any(source: Path, fmt: str | None = None, *, known_categories: Mapping[str, str] | None = None) -> ParsedFile:
    """Parse a file or, for ``hsds-datapackage``, a folder. ``known_categories``
    (code -> Danish label, the live taxonomy) lets HSDS readers map foreign
    category terms onto ours; native formats ignore it. Raises FileFormatError."""
    source = Path(source)
    fmt = detect_format(source, fmt)
    if fmt == "hsds-datapackage":
        from .hsds import read_datapackage

        return read_datapackage(source, known_categories=known_categories)
    try:
        data = source.read_bytes()
    except IsADirectoryError:
        raise FileFormatError(f"{source.name} is a folder; a folder is read as an HSDS datapackage.") from None
    except OSError as exc:
        raise FileFormatError(f"Cannot read {source}: {exc.strerror}.") from None
    return read_bytes(data, fmt, filename=source.name, known_categories=known_categories)


def read_bytes(
    data: bytes, fmt: str, *, filename: str | None = None, known_categories: Mapping[str, str] | None = None
) -> ParsedFile:
    """Parse an upload of ``fmt`` (a datapackage is a folder, so not here).
    The text must be UTF-8 (a byte-order mark is allowed). ``filename`` is
    used in messages and kept as ``meta["source"]``. Raises FileFormatError."""
    _check(fmt, IMPORT_FORMATS, "import")
    name = filename or "The upload"
    if fmt == "hsds-datapackage":
        raise FileFormatError("An HSDS datapackage is a folder of CSV files; import it from disk, or send HSDS JSON.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileFormatError(
            f"{name} is not UTF-8 (byte {exc.start}). Save it as 'CSV UTF-8' or UTF-8 text."
        ) from None
    if fmt == "hsds":
        from .hsds import read_hsds_json

        parsed = read_hsds_json(text, known_categories=known_categories)
    else:
        parsed = formats.read_text(text, fmt)
    if filename:
        parsed.meta.setdefault("source", filename)
    return parsed


def write_any(offers: Iterable[Mapping[str, Any]], fmt: str, out: TextIO, *, categories: Mapping[str, str]) -> int:
    """Write stored offers to ``out`` in an export format; returns how many.
    ``categories`` (code -> Danish label) names the categories in HSDS.
    Raises FileFormatError for a format not in :data:`EXPORT_FORMATS`."""
    _check(fmt, EXPORT_FORMATS, "export")
    if fmt == "hsds":
        from .hsds import export_document

        listed = list(offers)
        json.dump(export_document(listed, categories), out, ensure_ascii=False, indent=1)
        out.write("\n")
        return len(listed)
    return formats.write_offers(offers, fmt, out)
