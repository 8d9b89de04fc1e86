"""Reading and writing the native catalogue formats: JSON, JSON Lines and CSV.

Readers only parse; validation happens in the store, per record. A file that
cannot be parsed at all raises :class:`FileFormatError` with one clear
message, and nothing in it is imported.

CSV is what a volunteer-centre coordinator edits in a spreadsheet, so it is
forgiving about what spreadsheets do: a UTF-8 byte-order mark, ``;`` as the
delimiter (Danish Excel), ``ja``/``nej`` for booleans, a decimal comma, Danish
thousands separators in prices (``2.400``), prices as ``600 kr/år; 15 kr/gang (kaffe)``
and schedules in Danish words (``tirsdag og torsdag 10-12``, ``første tirsdag i måneden kl. 19-21``,
``efter aftale``; :mod:`catalogue.schedule.parser`).

Because the CSV is opened in spreadsheets, the writer neutralises text cells
that a spreadsheet would run as a formula (OWASP "CSV Injection": a cell
starting with ``= + - @``, tab or CR gets a leading ``'``), and the reader
removes that one quote again, so export -> import is lossless
(:func:`neutralise_cell`, :func:`restore_cell`).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from .costs import cost_cell
from .errors import FileFormatError
from .importer import RawRecord
from .jsonsafe import jsonable
from .schedule import ScheduleTextError, parse_schedule, schedule_cell
from .schemas import FLAT_OFFER_FIELDS

CSV_COLUMNS = [
    "id",
    "kind",
    "title",
    "description",
    "organisation.id",
    "organisation.name",
    "organisation.type",
    "categories",
    "location.address",
    "location.postcode",
    "location.town",
    "location.lat",
    "location.lon",
    "location.online",
    "schedule",
    "schedule.valid_from",
    "schedule.valid_to",
    "cost",
    "cost.amount_dkk",
    "cost.per",
    *FLAT_OFFER_FIELDS,
    "contact.name",
    "contact.email",
    "contact.phone",
    "contact.website",
]
_LIST_COLUMNS = {"categories", "accessibility", "languages"}
_BOOL_COLUMNS = {"location.online", "newcomers_welcome", "companion_available", "transport_offered"}
_INT_COLUMNS = {"age_min", "age_max", "places_total", "places_available", "waitlist", "volunteers"}
_FLOAT_COLUMNS = {"location.lat", "location.lon"}
#: Cells the offer schema reads itself (Danish numbers, cost options; see catalogue.costs).
_COST_COLUMNS = {"cost", "cost.amount_dkk", "cost.per"}
_REQUIRED_CSV = {"id", "title"}
#: A text cell starting like this (after any quotes) is written with one more leading ``'``.
_FORMULA_START = re.compile(r"'*[=+\-@\t\r]")


@dataclass
class ParsedFile:
    """What a reader found: the records (not yet validated), the categories the
    file defines (code -> Danish label) and its meta data (``warnings``, ``source``, …)."""

    records: list[RawRecord]
    categories: dict[str, str] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)


def read_text(text: str, fmt: str) -> ParsedFile:
    """Parse native ``fmt`` text; raises FileFormatError."""
    if fmt == "json":
        return _read_json(text)
    if fmt == "jsonl":
        return _read_jsonl(text)
    if fmt == "csv":
        return _read_csv(text)
    raise FileFormatError(f"Unknown format {fmt!r}")


def _read_json(text: str) -> ParsedFile:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileFormatError(f"Not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.") from None
    if isinstance(doc, list):
        return ParsedFile([RawRecord(r) for r in doc])
    if isinstance(doc, Mapping) and isinstance(doc.get("offers"), list):
        cats = doc.get("categories") or {}
        if not isinstance(cats, Mapping) or not all(isinstance(v, str) for v in cats.values()):
            raise FileFormatError('"categories" must be an object of code: Danish label.')
        meta = doc.get("meta") if isinstance(doc.get("meta"), Mapping) else {}
        return ParsedFile([RawRecord(r) for r in doc["offers"]], dict(cats), dict(meta or {}))
    raise FileFormatError('A JSON file holds a list of offers, or an object with an "offers" list.')


def _read_jsonl(text: str) -> ParsedFile:
    records: list[RawRecord] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(RawRecord(json.loads(line), line=lineno))
        except json.JSONDecodeError as exc:
            raise FileFormatError(f"Line {lineno} is not valid JSON: {exc.msg} (column {exc.colno}).") from None
    return ParsedFile(records)


def _read_csv(text: str) -> ParsedFile:
    if not text.strip():
        raise FileFormatError("The CSV file is empty.")
    first = text.splitlines()[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:  # a malformed header line is the file's fault, not a crash
        raise FileFormatError(f"CSV error in the header line: {exc}") from None
    header = [h.strip() for h in fieldnames or []]
    reader.fieldnames = header
    missing = _REQUIRED_CSV - set(header)
    if missing:
        raise FileFormatError(
            f"The CSV header lacks column(s) {', '.join(sorted(missing))}. Found: {', '.join(header)}."
        )
    unknown = [h for h in header if h and h not in CSV_COLUMNS]
    if unknown:
        raise FileFormatError(f"Unknown CSV column(s): {', '.join(unknown)}. Known: {', '.join(CSV_COLUMNS)}.")
    records: list[RawRecord] = []
    try:
        for row in reader:
            if None in row:
                raise FileFormatError(f"Line {reader.line_num} has more cells than the header.")
            if not any((v or "").strip() for v in row.values()):
                continue
            records.append(RawRecord(_csv_row_to_record(row), line=reader.line_num))
    except csv.Error as exc:
        raise FileFormatError(f"CSV error at line {reader.line_num}: {exc}") from None
    return ParsedFile(records)


def neutralise_cell(text: str) -> str:
    """``text`` as a CSV cell a spreadsheet shows as text, never runs: ``"=1+1"`` -> ``"'=1+1"``.

    A text starting with ``= + - @``, tab or CR, after any number of ``'``, gets
    one more ``'`` in front (so ``"'=x"`` -> ``"''=x"``, and :func:`restore_cell`
    can always undo it). Source: OWASP, "CSV Injection"."""
    return "'" + text if _FORMULA_START.match(text) else text


def restore_cell(text: str) -> str:
    """Undo :func:`neutralise_cell`: one leading ``'`` goes when the rest starts like a formula."""
    return text[1:] if text.startswith("'") and _FORMULA_START.match(text, 1) else text


def _csv_row_to_record(row: Mapping[str, str | None]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for column, cell in row.items():
        value = restore_cell((cell or "").strip())
        if column == "schedule" or column in _COST_COLUMNS:
            continue
        parsed: Any
        if value == "":
            parsed = [] if column in _LIST_COLUMNS else None
        elif column in _LIST_COLUMNS:
            parsed = [v.strip() for v in re.split(r"[,;|]", value) if v.strip()]
        elif column in _BOOL_COLUMNS:
            parsed = _bool(value)
        elif column in _INT_COLUMNS:
            parsed = int(value) if re.fullmatch(r"-?\d+", value) else value
        elif column in _FLOAT_COLUMNS:
            candidate = value.replace(",", ".")
            parsed = float(candidate) if re.fullmatch(r"-?\d+(\.\d+)?", candidate) else value
        else:
            parsed = value
        if parsed is None and column in _BOOL_COLUMNS:
            continue
        _set_path(record, column, parsed)
    slots_text = restore_cell((row.get("schedule") or "").strip())
    if slots_text:
        parsed_schedule = parse_slots(slots_text)
        if isinstance(parsed_schedule, str):
            record["schedule"] = parsed_schedule
        else:
            dates = {k: v for k, v in (record.get("schedule") or {}).items() if v is not None}
            record["schedule"] = {**parsed_schedule, **dates}
    elif isinstance(record.get("schedule"), dict):  # only the season is given: times unknown
        record["schedule"]["state"] = "unknown"
    cost = _csv_cost(row)
    if cost is not None:
        record["cost"] = cost
    for nested in ("organisation", "location", "contact", "schedule"):
        sub = record.get(nested)
        if isinstance(sub, dict) and all(v is None for v in sub.values()):
            record[nested] = None
    for nested in ("organisation", "location", "contact", "schedule"):
        sub = record.get(nested)
        if isinstance(sub, dict):
            record[nested] = {k: v for k, v in sub.items() if v is not None}
    return {k: v for k, v in record.items() if v is not None}


def _csv_cost(row: Mapping[str, str | None]) -> str | dict[str, Any] | None:
    """The price as written: the ``cost`` cell (``"600 kr/år; 15 kr/gang (kaffe)"``) or the old
    ``cost.amount_dkk`` and ``cost.per`` cells, left as text for the offer schema to read as Danish
    numbers (``"2.400"`` is 2400) or to reject with a message. Both at once is rejected there too."""
    cell = (row.get("cost") or "").strip()
    amount = (row.get("cost.amount_dkk") or "").strip() or None
    per = (row.get("cost.per") or "").strip() or None
    if amount is None and per is None:
        return cell or None
    legacy: dict[str, Any] = {"amount_dkk": amount, **({"per": per} if per else {})}
    return {**legacy, "options": cell} if cell else legacy


def _bool(value: str) -> bool | str:
    low = value.casefold()
    if low in {"ja", "j", "yes", "y", "true", "sand", "1", "x"}:
        return True
    if low in {"nej", "n", "no", "false", "falsk", "0"}:
        return False
    return value  # let the schema name the field


def _set_path(record: dict[str, Any], dotted: str, value: Any) -> None:
    head, _, rest = dotted.partition(".")
    if rest:
        record.setdefault(head, {})[rest] = value
    else:
        record[head] = value


def parse_slots(text: str) -> dict[str, Any] | str:
    """The schedule of a CSV ``schedule`` cell (Danish, see :mod:`catalogue.schedule.parser`) as
    JSON-ready data, or the text unchanged when it cannot be read, so that validation reports it
    against the ``schedule`` field with the parser's Danish message."""
    try:
        return cast(dict[str, Any], jsonable(parse_schedule(text)))
    except ScheduleTextError:
        return text


# -- writers ----------------------------------------------------------------------


def export_record(offer: Mapping[str, Any]) -> dict[str, Any]:
    """An offer as written to native files: what an import reads back."""
    org = offer["organisation"]
    out = {k: v for k, v in offer.items() if k not in ("created_at", "updated_at", "updated_by", "version")}
    out["organisation"] = {k: org.get(k) for k in ("id", "name", "type", "description", "contact", "cvr")}
    return jsonable(out)


def write_offers(offers: Iterable[Mapping[str, Any]], fmt: str, out: io.TextIOBase | Any) -> int:
    """Write offers in a native format; returns how many were written."""
    n = 0
    if fmt == "json":
        records = [export_record(o) for o in offers]
        json.dump({"offers": records}, out, ensure_ascii=False, indent=1)
        out.write("\n")
        return len(records)
    if fmt == "jsonl":
        for offer in offers:
            out.write(json.dumps(export_record(offer), ensure_ascii=False) + "\n")
            n += 1
        return n
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for offer in offers:
            writer.writerow(_csv_row(export_record(offer)))
            n += 1
        return n
    raise FileFormatError(f"Unknown format {fmt!r}")


def _csv_row(rec: Mapping[str, Any]) -> dict[str, str]:
    row: dict[str, str] = {}
    for column in CSV_COLUMNS:
        if column == "schedule":
            row[column] = neutralise_cell(schedule_cell(rec.get("schedule")))
            continue
        if column in _COST_COLUMNS:  # written as options in the one ``cost`` cell
            row[column] = cost_cell(rec.get("cost")) if column == "cost" else ""
            continue
        head, _, rest = column.partition(".")
        value = rec.get(head)
        if rest:
            value = (value or {}).get(rest) if isinstance(value, Mapping) else None
        if isinstance(value, list):
            row[column] = neutralise_cell(";".join(value))
        elif isinstance(value, str):
            row[column] = neutralise_cell(value)
        elif isinstance(value, bool):
            row[column] = "ja" if value else "nej"
        else:
            row[column] = "" if value is None else str(value)
    return row
