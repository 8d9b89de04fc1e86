"""Import a CSV, JSON or HSDS file on the volunteer centre's pages: always a dry run first.

The dry run (the store's :meth:`~catalogue.store.Store.import_offers` with ``dry_run=True``)
shows what would be created and updated, every rejected record with its errors in Danish
(record number, line, id, field) and the reader's warnings. The file travels back in a hidden
field (base64) so the real import reads exactly the bytes that were checked and nothing is kept
on the server; the real import is all-or-nothing unless "only the valid records" is chosen.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Any

from flask import abort, request
from werkzeug.wrappers import Response

from catalogue import fileformats
from catalogue.errors import FileFormatError
from catalogue.importer import ImportReport

from .common import reindex
from .extensions import get_store
from .volunteer import bp, current_caller, render
from .volunteer_forms import FIELD_LABELS, GROUP_LABELS, message_da
from .web import page_for

#: Formats a coordinator can upload (a datapackage is a folder: CLI only).
FORMATS = {"": "Gæt ud fra filnavnet", "csv": "CSV", "json": "JSON", "jsonl": "JSON Lines", "hsds": "HSDS 3.0 JSON"}
#: The largest upload, in bytes.
MAX_BYTES = 5_000_000


def _field_da(path: str) -> str:
    """A field path of the file in Danish: ``title`` -> ``Titel``, ``location.town`` -> ``Sted (location.town)``."""
    if not path:
        return "Filen"
    top = path.split(".")[0]
    label = GROUP_LABELS.get(top) or FIELD_LABELS.get(top) or FIELD_LABELS.get(path, path)
    return label if path == top or label == path else f"{label} ({path})"


def _report_rows(report: ImportReport) -> list[dict[str, Any]]:
    """Each rejected record: ``{record, line, id, errors: [(field, Danish message)]}``."""
    return [
        {
            "record": r.record,
            "line": r.line,
            "id": r.id,
            "errors": [(_field_da(field), message_da(m)) for field, messages in r.errors.items() for m in messages],
        }
        for r in report.rejected
    ]


@bp.route("/import", methods=["GET", "POST"])
@page_for("volunteer_centre")
def import_file() -> Response | tuple[str, int]:
    caller = current_caller()
    if request.method == "GET":
        return render("import.html", formats=FORMATS, fmt="", report=None, errors={})
    fmt = request.form.get("format", "")
    if fmt not in FORMATS:
        return render("import.html", 422, formats=FORMATS, fmt="", report=None, errors={"format": ["Vælg et format."]})
    step = request.form.get("step", "check")
    upload = request.files.get("file")
    if step == "check":
        if upload is None or not upload.filename:
            return render("import.html", 422, formats=FORMATS, fmt=fmt, report=None, errors={"file": ["Vælg en fil."]})
        name, data = upload.filename, upload.read(MAX_BYTES + 1)
    else:
        name = request.form.get("filename", "upload")
        try:
            data = base64.b64decode(request.form.get("data", ""), validate=True)
        except (binascii.Error, ValueError):
            abort(400, description="Filen kom ikke med. Vælg den igen.")
    if len(data) > MAX_BYTES:
        errors = {"file": [f"Filen er for stor (højst {MAX_BYTES // 1_000_000} MB)."]}
        return render("import.html", 422, formats=FORMATS, fmt=fmt, report=None, errors=errors)
    store = get_store()
    try:
        chosen = fmt or fileformats.detect_format(Path(name))
        parsed = fileformats.read_bytes(data, chosen, filename=name, known_categories=store.categories())
    except FileFormatError as exc:
        errors = {"file": [f"Filen kan ikke læses: {exc}"]}
        return render("import.html", 422, formats=FORMATS, fmt=fmt, report=None, errors=errors)
    skip_invalid = request.form.get("skip_invalid") == "on"
    report = store.import_offers(
        parsed.records,
        actor=caller.actor,
        source=parsed.meta.get("source", name),
        categories=parsed.categories,
        skip_invalid=skip_invalid or step == "check",
        dry_run=step == "check",
    )
    if report.committed:
        ids = [r.data.get("id") for r in parsed.records if isinstance(r.data, dict)]
        reindex(i for i in ids if isinstance(i, str))
    status = 200 if report.committed or report.ok else 422
    return render(
        "import.html",
        status,
        formats=FORMATS,
        fmt=fmt,
        report=report,
        rows=_report_rows(report),
        warnings=list(parsed.meta.get("warnings") or []),
        filename=name,
        data=base64.b64encode(data).decode("ascii"),
        errors={},
    )
