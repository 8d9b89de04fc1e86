"""Import a CSV, JSON or HSDS file on the volunteer centre's pages: always a dry run first.

The dry run (the store's :meth:`~catalogue.store.Store.import_offers` with ``dry_run=True``)
shows what would be created and updated, every rejected record with its errors in Danish
(record number, line, id, field) and the reader's warnings, also in Danish. The importer writes
its messages in English (for the JSON API and the CLI); the page shows each through the
importer's message catalogue (:mod:`catalogue.messages`), which has a Danish text for every
message an import can give and the Danish label of every field. The file travels back in a hidden
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
from catalogue.messages import danish, danish_errors

from .common import reindex
from .extensions import get_store
from .volunteer import bp, current_caller, render
from .web import page_for

#: Formats a coordinator can upload (a datapackage is a folder: CLI only).
FORMATS = {"": "Gæt ud fra filnavnet", "csv": "CSV", "json": "JSON", "jsonl": "JSON Lines", "hsds": "HSDS 3.0 JSON"}
#: The largest upload, in bytes.
MAX_BYTES = 5_000_000


def _report_rows(report: ImportReport) -> list[dict[str, Any]]:
    """Each rejected record: ``{record, line, id, errors: [(Danish field label, Danish message)]}``
    (:func:`catalogue.messages.danish_errors`: the importer's message catalogue)."""
    return [
        {"record": r.record, "line": r.line, "id": r.id, "errors": danish_errors(r.errors)} for r in report.rejected
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
        errors = {"file": [f"Filen kan ikke læses: {danish(str(exc))}"]}
        return render("import.html", 422, formats=FORMATS, fmt=fmt, report=None, errors=errors)
    skip_invalid = request.form.get("skip_invalid") == "on"
    report = store.import_offers(
        parsed.records,
        actor=caller.actor,
        source=parsed.meta.get("source", name),
        categories=parsed.categories,
        warnings=parsed.meta.get("warnings") or [],
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
        warnings=[danish(w) for w in report.warnings],  # the reader's and the importer's (a village without a point)
        filename=name,
        data=base64.b64encode(data).decode("ascii"),
        errors={},
    )
