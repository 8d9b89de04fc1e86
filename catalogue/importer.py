"""Importing offers: validate every record of a file, then write them in one transaction.

The pipeline is :func:`validate_records` (schema, ids, one organisation
described the same way throughout the file) followed by :func:`import_offers`
(all or nothing by default). Records are keyed on offer id, so importing the
same file twice changes nothing the second time. Messages are written from
their code in :mod:`catalogue.messages` (English text, a Danish text there).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError

from . import taxonomy
from .gazetteer import default_gazetteer
from .messages import Message
from .models import Category
from .places import point_unknown
from .privacy import contains_cpr
from .records import OfferDraft
from .rows import audit, name_key, offer_content, provided_org_fields, upsert_offer, upsert_organisation
from .schemas import OfferSchema, flatten_errors

if TYPE_CHECKING:
    from .store import Store

#: An import report lists this many rejected records in full, then only counts the rest
#: (``rejected_total``), so a broken 200 MB file cannot make a report as big as itself.
MAX_REJECTIONS_LISTED = 200


@dataclass
class RawRecord:
    """A record as read from a file, before validation; ``line`` is 1-based when the format has lines."""

    data: Mapping[str, Any]
    line: int | None = None


@dataclass
class Rejection:
    """One record that was not imported, and every reason why (``{field path: [messages]}``)."""

    record: int  # 1-based position in the file; 0 for the file as a whole
    line: int | None
    id: str | None
    errors: dict[str, list[str]]

    def to_dict(self) -> dict[str, Any]:
        return {"record": self.record, "line": self.line, "id": self.id, "errors": self.errors}


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do), counted per record.

    ``rejected`` lists the first :data:`MAX_REJECTIONS_LISTED` rejected records in
    full; ``rejected_total`` counts them all."""

    source: str
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    organisations_created: int = 0
    organisations_updated: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    rejected_total: int = 0
    committed: bool = False
    dry_run: bool = False
    #: What the reader noted but did not refuse (left-out schedules, negative accessibility text, unmatched
    #: taxonomy terms): one line per note, naming the record ("record 3 (id): ...").
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected_total

    def reject(self, rejections: Sequence[Rejection]) -> None:
        """Count ``rejections`` and list them while fewer than :data:`MAX_REJECTIONS_LISTED` are listed."""
        self.rejected_total += len(rejections)
        self.rejected.extend(rejections[: max(0, MAX_REJECTIONS_LISTED - len(self.rejected))])

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "organisations_created": self.organisations_created,
            "organisations_updated": self.organisations_updated,
            "rejected": [r.to_dict() for r in self.rejected],
            "rejected_total": self.rejected_total,
            "committed": self.committed,
            "dry_run": self.dry_run,
            "warnings": list(self.warnings),
        }

    def summary(self) -> str:
        state = "dry run, nothing written" if self.dry_run else ("committed" if self.committed else "NOTHING WRITTEN")
        listed = f" (the first {len(self.rejected)} listed)" if len(self.rejected) < self.rejected_total else ""
        return (
            f"{self.source}: {self.total} records, {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.rejected_total} rejected{listed}; organisations "
            f"{self.organisations_created} created, {self.organisations_updated} updated ({state})"
        )


#: A valid record and the organisation fields its file actually gave.
ValidRecord = tuple[OfferDraft, set[str]]


def validate_records(raws: Sequence[RawRecord], schema: OfferSchema) -> tuple[list[ValidRecord], list[Rejection]]:
    """Check every record and return the valid ones and the rejections.

    Beyond the schema, an imported record needs an id, ids are unique within
    the file, and every record naming the same organisation (by id, or by
    name without one) describes it the same way.
    """
    valid: list[ValidRecord] = []
    rejected: list[Rejection] = []
    first_seen: dict[str, int] = {}
    org_seen: dict[str, tuple[int, dict[str, Any]]] = {}
    for pos, raw in enumerate(raws, start=1):
        if not isinstance(raw.data, Mapping):
            rejected.append(Rejection(pos, raw.line, None, {"_record": [Message("record.not_object")]}))
            continue
        errors: dict[str, list[str]] = {}
        rec_id = raw.data.get("id")
        cpr_id = isinstance(rec_id, str) and contains_cpr(rec_id)
        if cpr_id:
            rec_id = None  # the schema refuses it; the report must not repeat it
        loaded: OfferDraft | None
        try:
            loaded = schema.load(dict(raw.data))
        except ValidationError as exc:
            errors = flatten_errors(exc.messages)
            loaded = None
        if cpr_id:
            pass
        elif not rec_id:
            errors.setdefault("id", []).append(Message("id.missing"))
        elif isinstance(rec_id, str):
            if rec_id in first_seen:
                errors.setdefault("id", []).append(Message("id.duplicate", id=repr(rec_id), first=first_seen[rec_id]))
            else:
                first_seen[rec_id] = pos
        provided = provided_org_fields(raw.data)
        if loaded is not None and not errors:
            org = loaded["organisation"]
            key = org["id"] or "name:" + name_key(org["name"])
            if key in org_seen:
                first_pos, first = org_seen[key]
                for f in provided:
                    if f == "name" and name_key(first.get(f, "")) == name_key(org["name"]):
                        continue  # "Grenå X" and "Grenaa X": one association, spelled two ways
                    if f in first and first[f] != org[f]:  # type: ignore[literal-required]
                        errors.setdefault(f"organisation.{f}", []).append(
                            Message("organisation.differs", first=first_pos)
                        )
            else:
                org_seen[key] = (pos, {f: org[f] for f in provided})  # type: ignore[literal-required]
        if errors or loaded is None:
            rejected.append(Rejection(pos, raw.line, rec_id if isinstance(rec_id, str) else None, errors))
        else:
            valid.append((loaded, provided))
    return valid, rejected


def point_warnings(raws: Sequence[RawRecord], offers: Sequence[OfferDraft], schema: OfferSchema) -> list[str]:
    """One warning per place of a valid offer that is stored without a point because the gazetteer
    knows its town by name only ("record 3 (id): town Homå is known, but not where it lies: ..."):
    distance cannot be used for it (the matcher shows it as unknown)."""
    gaz = schema.gazetteer or default_gazetteer()
    positions: dict[str, int] = {}
    for pos, raw in enumerate(raws, start=1):
        if isinstance(raw.data, Mapping) and isinstance(raw.data.get("id"), str):
            positions.setdefault(raw.data["id"], pos)
    out: list[str] = []
    for offer in offers:
        for place in (offer["location"], *offer["other_locations"]):
            town = point_unknown(place, gaz)
            if town is not None:
                warning = Message("warning.point_unknown", town=town)
                out.append(
                    Message("warning.record", pos=positions.get(str(offer["id"]), 0), id=offer["id"], warning=warning)
                )
    return out


def validate_categories(categories: Mapping[str, str]) -> tuple[dict[str, str], list[Rejection]]:
    """The file's category extensions (code -> Danish label) that may join the
    taxonomy, and one file-level rejection (record 0) per refused one, whose
    errors name ``categories.<code>`` (``.label_da`` for the label); rules in
    :func:`catalogue.taxonomy.category_errors`. Records using a refused code are
    then rejected as naming an unknown category."""
    accepted: dict[str, str] = {}
    refused: list[Rejection] = []
    for code, label in categories.items():
        errors = taxonomy.category_errors(code, label)
        if not errors:
            accepted[code] = label
            continue
        name = f"categories.{str(code)[:60]}"
        refused.append(
            Rejection(
                0, None, None, {name if part == "code" else f"{name}.{part}": msgs for part, msgs in errors.items()}
            )
        )
    return accepted, refused


def import_offers(
    store: Store,
    records: Sequence[RawRecord | Mapping[str, Any]],
    *,
    actor: str,
    source: str = "import",
    categories: Mapping[str, str] | None = None,
    skip_invalid: bool = False,
    dry_run: bool = False,
    warnings: Sequence[str] = (),
) -> ImportReport:
    """Validate every record, then write them all in one transaction.

    ``categories`` (code -> Danish label) extend the taxonomy for this file
    and are stored with it. By default a file with any rejected record writes
    nothing, so a coordinator fixes the file and imports again;
    ``skip_invalid`` writes the valid records (still in one transaction) and
    reports the rest. ``dry_run`` counts what would be created, updated or
    left unchanged and writes nothing. ``warnings`` (the reader's notes,
    ``ParsedFile.meta["warnings"]``) are passed on in the report.
    """
    raws = [r if isinstance(r, RawRecord) else RawRecord(r) for r in records]
    report = ImportReport(source=source, total=len(raws), dry_run=dry_run, warnings=list(warnings))
    extra, refused = validate_categories(categories or {})
    schema = store.offer_schema(extra)
    valid, rejected = validate_records(raws, schema)
    report.reject(refused + rejected)
    report.warnings += point_warnings(raws, [offer for offer, _ in valid], schema)
    if report.rejected_total and not skip_invalid:
        return report
    if dry_run:
        existing = store.get_offers(str(offer["id"]) for offer, _ in valid)
        for offer, _ in valid:
            current = existing.get(str(offer["id"]))
            if current is None:
                report.created += 1
            elif offer_content(current) != offer_content(offer):
                report.updated += 1
            else:
                report.unchanged += 1
        return report
    try:
        with store.write() as session:
            for code, label in extra.items():
                if session.get(Category, code) is None:
                    session.add(Category(code=code, label_da=label))
                    audit(session, "category", code, "create", actor, None, {"label_da": [None, label]})
            session.flush()
            for offer, provided in valid:
                org_row, org_state = upsert_organisation(session, offer["organisation"], provided, actor)
                report.organisations_created += org_state == "created"
                report.organisations_updated += org_state == "updated"
                state = upsert_offer(session, offer, org_row, actor)
                setattr(report, state, getattr(report, state) + 1)
    except IntegrityError as exc:
        report.committed = False
        report.reject([Rejection(0, None, None, {"_file": [Message("import.database", detail=exc.orig)]})])
        return report
    report.committed = True
    return report
