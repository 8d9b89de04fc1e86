"""The HSDS 3.0 tabular datapackage: one CSV per table plus ``datapackage.json``.

Writing flattens our fully nested services (:mod:`.export`) into the tables of
the standard's tabular layout (``schema/compiled/tabular.json`` of HSDS 3.0);
reading joins another publisher's (or our) CSVs on their ids back into nested
services and reads them like JSON (:mod:`.reader`).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from catalogue.errors import FileFormatError
from catalogue.formats import ParsedFile

from .export import export_services
from .reader import maps, to_parsed
from .terms import CATEGORY_TAXONOMY_NAME, FM_TAXONOMY_NAME

TABLES: dict[str, tuple[str, str]] = {
    "organization": (
        "organizations.csv",
        "id name alternate_name description email website tax_status tax_id "
        "year_incorporated legal_status logo uri parent_organization_id",
    ),
    "service": (
        "services.csv",
        "id organization_id program_id name alternate_name description url email status "
        "interpretation_services application_process fees_description wait_time fees accreditations "
        "eligibility_description minimum_age maximum_age assured_date assurer_email licenses alert last_modified",
    ),
    "attribute": ("attributes.csv", "id link_id taxonomy_term_id link_type link_entity value"),
    "service_at_location": ("service_at_location.csv", "id service_id location_id description"),
    "location": (
        "locations.csv",
        "id location_type url organization_id name alternate_name description transportation "
        "latitude longitude external_identifier external_identifier_type",
    ),
    "phone": (
        "phones.csv",
        "id location_id service_id organization_id contact_id service_at_location_id number extension type description",
    ),
    "contact": (
        "contacts.csv",
        "id organization_id service_id service_at_location_id location_id name title department email",
    ),
    "address": (
        "addresses.csv",
        "id location_id attention address_1 address_2 city region state_province postal_code country address_type",
    ),
    "schedule": (
        "schedules.csv",
        "id service_id location_id service_at_location_id valid_from valid_to dtstart timezone "
        "until count wkst freq interval byday byweekno bymonthday byyearday description opens_at closes_at "
        "schedule_link attending_type notes",
    ),
    "language": ("languages.csv", "id service_id location_id phone_id name code note"),
    "accessibility": ("accessibility.csv", "id location_id description details url"),
    "taxonomy_term": (
        "taxonomy_terms.csv",
        "id code name description parent_id taxonomy language taxonomy_id term_uri",
    ),
    "cost_option": ("cost_options.csv", "id service_id valid_from valid_to option currency amount amount_description"),
    "organization_identifier": (
        "organization_identifiers.csv",
        "id organization_id identifier_scheme identifier_type identifier",
    ),
    "taxonomy": ("taxonomies.csv", "id name description uri version"),
}
COLUMNS = {name: cols.split() for name, (_, cols) in TABLES.items()}
#: Nested lists: parent table -> (JSON key, child table, column pointing at the parent).
CHILDREN: dict[str, list[tuple[str, str, str]]] = {
    "service": [
        ("service_at_locations", "service_at_location", "service_id"),
        ("schedules", "schedule", "service_id"),
        ("cost_options", "cost_option", "service_id"),
        ("languages", "language", "service_id"),
        ("phones", "phone", "service_id"),
        ("contacts", "contact", "service_id"),
        ("attributes", "attribute", "link_id"),
    ],
    "organization": [
        ("phones", "phone", "organization_id"),
        ("contacts", "contact", "organization_id"),
        ("organization_identifiers", "organization_identifier", "organization_id"),
        ("attributes", "attribute", "link_id"),
    ],
    "service_at_location": [("schedules", "schedule", "service_at_location_id")],
    "location": [
        ("addresses", "address", "location_id"),
        ("accessibility", "accessibility", "location_id"),
        ("languages", "language", "location_id"),
        ("phones", "phone", "location_id"),
        ("schedules", "schedule", "location_id"),
        ("attributes", "attribute", "link_id"),
    ],
    "contact": [("phones", "phone", "contact_id")],
}
#: Nested single objects: table -> (JSON key, referenced table, column holding its id).
REFS = {
    "service": ("organization", "organization", "organization_id"),
    "service_at_location": ("location", "location", "location_id"),
    "attribute": ("taxonomy_term", "taxonomy_term", "taxonomy_term_id"),
    "taxonomy_term": ("taxonomy_detail", "taxonomy", "taxonomy_id"),
}
#: Numeric columns we read (others, e.g. ``count``, stay text: nothing here interprets them).
_NUMBERS = {"latitude", "longitude", "amount", "minimum_age", "maximum_age", "interval", "extension"}
_DATES = {"valid_from", "valid_to", "dtstart", "until", "assured_date"}
_URIS = {"url", "website", "uri", "term_uri", "schedule_link"}


def _flatten(
    table: str, obj: Mapping[str, Any], rows: dict[str, dict[str, dict[str, Any]]], fk: Mapping[str, str]
) -> None:
    if str(obj.get("id")) in rows[table]:
        return
    row = {c: obj[c] for c in COLUMNS[table] if obj.get(c) is not None} | dict(fk)
    if table in REFS and isinstance(obj.get(REFS[table][0]), Mapping):
        key, ref_table, column = REFS[table]
        row[column] = obj[key]["id"]
        _flatten(ref_table, obj[key], rows, {})
    rows[table][str(obj.get("id"))] = row
    for key, child, column in CHILDREN.get(table, []):
        link = {"link_entity": table} if child == "attribute" else {}
        for item in maps(obj.get(key)):
            _flatten(child, item, rows, {column: obj["id"], **link})


def column_field(column: str) -> dict[str, Any]:
    """The Frictionless Table Schema field of an HSDS column: ``{"name", "type"[, "format"]}``,
    type one of number, date, time, datetime, string (formats uuid, email, uri)."""
    if column in _NUMBERS:
        return {"name": column, "type": "number"}
    if column in _DATES:
        return {"name": column, "type": "date"}
    if column in ("opens_at", "closes_at"):
        return {"name": column, "type": "time", "format": "%H:%M"}
    if column == "last_modified":
        return {"name": column, "type": "datetime"}
    fmt = {"id": "uuid", "email": "email"}.get(column.rpartition("_")[2]) or ("uri" if column in _URIS else None)
    return {"name": column, "type": "string", **({"format": fmt} if fmt else {})}


def _resource(table: str) -> dict[str, Any]:
    keys = [
        {"fields": c, "reference": {"resource": c.removesuffix("_id"), "fields": "id"}}
        for c in COLUMNS[table]
        if c.endswith("_id") and c.removesuffix("_id") in TABLES
    ]
    schema = {"fields": [column_field(c) for c in COLUMNS[table]], "primaryKey": "id", "foreignKeys": keys}
    return {
        "name": table,
        "path": TABLES[table][0],
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": schema,
    }


def write_datapackage(offers: Iterable[Mapping[str, Any]], categories: Mapping[str, str], folder: Path) -> None:
    """The HSDS tabular layout: one CSV per table plus ``datapackage.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    rows: dict[str, dict[str, dict[str, Any]]] = {t: {} for t in TABLES}
    for service in export_services(offers, categories):
        _flatten("service", service, rows, {})
    for table, (path, _) in TABLES.items():
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=COLUMNS[table], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows[table].values())
        (folder / path).write_text(buf.getvalue(), encoding="utf-8")
    package = {
        "name": "faellesskabsmatch-hsds",
        "title": "Fællesskabsmatch: fællesskaber og tilbud (HSDS 3.0)",
        "description": "Tabular HSDS 3.0 (Open Referral Human Services Data Specification). Fields HSDS lacks are "
        f"attributes with terms of the taxonomies {FM_TAXONOMY_NAME} and {CATEGORY_TAXONOMY_NAME}.",
        "profile": "tabular-data-package",
        "resources": [_resource(t) for t in TABLES],
    }
    (folder / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _number(cell: str, column: str = "") -> Any:
    """CSV number cells as int or float; anything else stays text for validation to name.
    An ``amount`` such as ``2.400`` stays text: the standard reads 2.4, Danish Excel 2400."""
    if column == "amount" and re.fullmatch(r"-?\d{1,3}(\.\d{3})+", cell):
        return cell
    if re.fullmatch(r"-?\d+", cell):
        return int(cell)
    return float(cell) if re.fullmatch(r"-?\d+\.\d*([eE][-+]?\d+)?|-?\d+[eE][-+]?\d+", cell) else cell


def _read_table(path: Path) -> list[tuple[int, dict[str, Any]]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise FileFormatError(f"Cannot read {path.name}: {exc.strerror or exc}.") from None
    except UnicodeDecodeError as exc:
        raise FileFormatError(f"{path.name} is not UTF-8 (byte {exc.start}).") from None
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    out = []
    try:
        if "id" not in (reader.fieldnames or []):
            raise FileFormatError(f"{path.name} has no id column (header: {', '.join(reader.fieldnames or [])}).")
        for row in reader:
            if None in row:
                raise FileFormatError(f"{path.name} line {reader.line_num} has more cells than the header.")
            cells = {k: _number(v, k) if k in _NUMBERS else v for k, v in row.items() if v != ""}
            if cells:
                out.append((reader.line_num, cells))
    except csv.Error as exc:
        raise FileFormatError(f"{path.name} line {reader.line_num}: {exc}.") from None
    return out


def _nest(
    table: str,
    row: Mapping[str, Any],
    by_id: dict[str, dict[str, dict[str, Any]]],
    by_fk: dict[tuple[str, str], dict[str, list[Any]]],
) -> dict[str, Any]:
    obj = dict(row)
    if table in REFS:
        key, ref_table, column = REFS[table]
        ref = by_id[ref_table].get(str(row.get(column)))
        if ref is not None:
            obj[key] = _nest(ref_table, ref, by_id, by_fk)
    for key, child, column in CHILDREN.get(table, []):
        items = by_fk.get((child, column), {}).get(str(row.get("id")), [])
        if items:
            obj[key] = [_nest(child, item, by_id, by_fk) for item in items]
    return obj


def read_datapackage(folder: Path, *, known_categories: Mapping[str, str] | None = None) -> ParsedFile:
    """Read an HSDS tabular datapackage (ours or another publisher's) by joining the CSVs on ids."""
    folder = Path(folder)
    spec = folder / "datapackage.json"
    if not spec.is_file():
        raise FileFormatError(
            f"{folder.name or folder} has no datapackage.json; an HSDS datapackage is a folder "
            "with datapackage.json and CSV files such as services.csv."
        )
    try:
        package = json.loads(spec.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FileFormatError(f"datapackage.json cannot be read: {exc}.") from None
    resources = package.get("resources") if isinstance(package, Mapping) else None
    if not isinstance(resources, list):
        raise FileFormatError('datapackage.json has no "resources" list.')
    by_file = {path: name for name, (path, _) in TABLES.items()} | {"service_at_locations.csv": "service_at_location"}
    paths: dict[str, Path] = {}
    for res in maps(resources):
        rel = res.get("path")
        if not isinstance(rel, str) or PurePosixPath(rel).is_absolute() or ".." in PurePosixPath(rel).parts:
            raise FileFormatError(
                f"Resource {res.get('name')!r} in datapackage.json needs a relative file path inside the folder."
            )
        table = res.get("name") if res.get("name") in TABLES else by_file.get(PurePosixPath(rel).name)
        if table:
            paths[table] = folder / rel
    if "service" not in paths:
        raise FileFormatError("datapackage.json lists no services resource (services.csv).")
    tables = {t: _read_table(p) for t, p in paths.items()}
    by_id = {t: {str(r["id"]): r for _, r in tables.get(t, []) if "id" in r} for t in TABLES}
    by_fk: dict[tuple[str, str], dict[str, list[Any]]] = {}
    for _, child, column in (link for links in CHILDREN.values() for link in links):
        index = by_fk.setdefault((child, column), {})
        for _, row in tables.get(child, []):
            if column in row:
                index.setdefault(str(row[column]), []).append(row)
    services = [(line, _nest("service", row, by_id, by_fk)) for line, row in tables["service"]]
    return to_parsed(services, known_categories, "hsds-datapackage")
