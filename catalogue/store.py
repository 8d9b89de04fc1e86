"""The store of record: organisations and offers in SQLite or PostgreSQL.

Every write runs in one transaction and leaves an audit event; offers carry a
``version`` so that a stale update fails with :class:`VersionConflict` rather
than overwriting a colleague. Reads return canonical dicts (see
``catalogue.schemas``), never ORM rows, so callers cannot write by accident.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from . import taxonomy
from .capacity import CAPACITY_FIELDS, capacity_changed
from .errors import InvalidRecord, NotFound, VersionConflict
from .gazetteer import Gazetteer
from .jsonsafe import jsonable
from .models import AuditEvent, CapacityEvent, Category, Offer, OfferCategory, Organisation, utcnow
from .schemas import FLAT_OFFER_FIELDS, OfferSchema, OrganisationSchema, flatten_errors

ORG_FIELDS = ("name", "type", "description", "contact", "cvr")


def normalise_url(url: str) -> str:
    """Accept the URLs people paste (``postgres://``, ``postgresql://``) and
    use the psycopg 3 driver for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def name_key(name: str) -> str:
    """Case- and space-insensitive key used to find an organisation by name."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold().replace("æ", "ae").replace("ø", "oe").replace("å", "aa"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:80] or "organisation"


@dataclass
class Rejection:
    """One record that was not imported, and every reason why."""

    record: int  # 1-based position in the file
    line: int | None
    id: str | None
    errors: dict[str, list[str]]

    def to_dict(self) -> dict[str, Any]:
        return {"record": self.record, "line": self.line, "id": self.id, "errors": self.errors}


@dataclass
class ImportReport:
    source: str
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    organisations_created: int = 0
    organisations_updated: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    committed: bool = False
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.rejected

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
            "committed": self.committed,
            "dry_run": self.dry_run,
        }

    def summary(self) -> str:
        state = "dry run, nothing written" if self.dry_run else ("committed" if self.committed else "NOTHING WRITTEN")
        return (
            f"{self.source}: {self.total} records, {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {len(self.rejected)} rejected; organisations "
            f"{self.organisations_created} created, {self.organisations_updated} updated ({state})"
        )


@dataclass
class RawRecord:
    """A record as read from a file, before validation."""

    data: Mapping[str, Any]
    line: int | None = None


class Store:
    """Facade over the database. Thread-safe: each call opens its own session."""

    def __init__(self, url: str, *, echo: bool = False, gazetteer: Gazetteer | None = None) -> None:
        self.url = normalise_url(url)
        self.gazetteer = gazetteer
        self.engine = _make_engine(self.url, echo=echo)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(
            self.engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    # -- schema ---------------------------------------------------------------

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision and seed the default
        categories. Safe to run at every start."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", "catalogue:migrations")
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        with self.write() as session:
            have = set(session.scalars(select(Category.code)))
            for code, label in taxonomy.DEFAULT_CATEGORIES.items():
                if code not in have:
                    session.add(Category(code=code, label_da=label))

    # -- sessions ---------------------------------------------------------------

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading. The rule of the house: every domain's
        repository functions take a session from :meth:`read` or :meth:`write`;
        nothing outside ``catalogue.store`` touches ``engine`` directly."""
        with self._sessions() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction, committed on leaving the block and rolled back
        on an exception. On SQLite it begins ``IMMEDIATE``, so the write lock is
        taken up front and a reader can never be upgraded into a deadlock."""
        with self._write_sessions() as session, session.begin():
            yield session

    # -- categories -------------------------------------------------------------

    def categories(self) -> dict[str, str]:
        with self.read() as session:
            return {c.code: c.label_da for c in session.scalars(select(Category).order_by(Category.code))}

    def add_category(self, code: str, label_da: str, actor: str) -> None:
        """Extend the taxonomy with a category the data needs."""
        if not re.fullmatch(r"[a-zæøå_]{2,50}", code):
            raise InvalidRecord({"code": ["Use 2-50 lowercase letters or _ ."]})
        if not label_da.strip():
            raise InvalidRecord({"label_da": ["Must not be blank."]})
        with self.write() as session:
            existing = session.get(Category, code)
            if existing is not None:
                if existing.label_da != label_da:
                    _audit(
                        session, "category", code, "update", actor, None, {"label_da": [existing.label_da, label_da]}
                    )
                    existing.label_da = label_da
                return
            session.add(Category(code=code, label_da=label_da.strip()))
            _audit(session, "category", code, "create", actor, None, {"label_da": [None, label_da]})

    # -- reads --------------------------------------------------------------------

    def get_offer(self, offer_id: str) -> dict[str, Any]:
        with self.read() as session:
            row = session.get(Offer, offer_id)
            if row is None:
                raise NotFound("offer", offer_id)
            return offer_to_dict(row)

    def get_offers(self, offer_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Several offers in one round trip; unknown ids are left out."""
        wanted = list(dict.fromkeys(offer_ids))
        out: dict[str, dict[str, Any]] = {}
        with self.read() as session:
            for start in range(0, len(wanted), 500):
                rows = session.scalars(select(Offer).where(Offer.id.in_(wanted[start : start + 500]))).unique()
                out.update({row.id: offer_to_dict(row) for row in rows})
        return out

    def versions(self, offer_ids: Iterable[str]) -> dict[str, int]:
        """Current version of each offer: a cheap check before trusting a cached copy."""
        wanted = list(dict.fromkeys(offer_ids))
        out: dict[str, int] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                out.update(
                    {oid: ver for oid, ver in conn.execute(select(Offer.id, Offer.version).where(Offer.id.in_(chunk)))}
                )
        return out

    def get_organisation(self, org_id: str) -> dict[str, Any]:
        with self.read() as session:
            row = session.get(Organisation, org_id)
            if row is None:
                raise NotFound("organisation", org_id)
            return organisation_to_dict(row, meta=True)

    def list_offers(
        self,
        *,
        town: str | None = None,
        category: str | None = None,
        kind: str | None = None,
        status: str | None = None,
        organisation_id: str | None = None,
        modified_after: datetime | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> tuple[list[dict[str, Any]], int]:
        """One page of offers, ordered by id, and the total that match."""
        stmt = select(Offer)
        if town:
            stmt = stmt.where(func.lower(Offer.town) == town.casefold())
        if category:
            stmt = stmt.where(
                Offer.id.in_(select(OfferCategory.offer_id).where(OfferCategory.category_code == category))
            )
        if kind:
            stmt = stmt.where(Offer.kind == kind)
        if status:
            stmt = stmt.where(Offer.status == status)
        if organisation_id:
            stmt = stmt.where(Offer.organisation_id == organisation_id)
        if modified_after is not None:
            stmt = stmt.where(Offer.updated_at > modified_after)
        with self.read() as session:
            total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
            page = stmt.order_by(Offer.id).offset(offset)
            if limit is not None:
                page = page.limit(limit)
            return [offer_to_dict(r) for r in session.scalars(page).unique()], total

    def iter_offers(self, batch: int = 500) -> Iterator[dict[str, Any]]:
        """All offers in id order, read in batches to bound memory."""
        last = ""
        while True:
            with self.read() as session:
                rows = list(
                    session.scalars(select(Offer).where(Offer.id > last).order_by(Offer.id).limit(batch)).unique()
                )
                out = [offer_to_dict(r) for r in rows]
            yield from out
            if len(rows) < batch:
                return
            last = rows[-1].id

    def list_organisations(
        self, *, limit: int | None = None, offset: int = 0, modified_after: datetime | None = None
    ) -> tuple[list[dict[str, Any]], int]:
        stmt = select(Organisation)
        if modified_after is not None:
            stmt = stmt.where(Organisation.updated_at > modified_after)
        with self.read() as session:
            total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
            page = stmt.order_by(Organisation.id).offset(offset)
            if limit is not None:
                page = page.limit(limit)
            return [organisation_to_dict(r, meta=True) for r in session.scalars(page)], total

    def history(self, entity_type: str, entity_id: str) -> list[dict[str, Any]]:
        """The audit trail of one organisation or offer, oldest first."""
        with self.read() as session:
            rows = session.scalars(
                select(AuditEvent)
                .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
                .order_by(AuditEvent.id)
            )
            return [
                {"at": r.at, "actor": r.actor, "action": r.action, "version": r.version, "changes": r.changes}
                for r in rows
            ]

    def counts(self) -> dict[str, Any]:
        with self.read() as session:
            by_status = dict(session.execute(select(Offer.status, func.count()).group_by(Offer.status)).all())
            by_kind = dict(session.execute(select(Offer.kind, func.count()).group_by(Offer.kind)).all())
            by_town = {
                (town or "(online)"): n
                for town, n in session.execute(select(Offer.town, func.count()).group_by(Offer.town)).all()
            }
            return {
                "organisations": session.scalar(select(func.count()).select_from(Organisation)) or 0,
                "offers": sum(by_status.values()),
                "by_status": by_status,
                "by_kind": by_kind,
                "by_town": dict(sorted(by_town.items(), key=lambda kv: (-kv[1], kv[0]))),
            }

    def capacity_events(self) -> list[dict[str, Any]]:
        with self.read() as session:
            rows = session.scalars(select(CapacityEvent).order_by(CapacityEvent.at, CapacityEvent.id))
            return [
                {c: getattr(r, c) for c in ("offer_id", "organisation_id", "at", "status", *CAPACITY_FIELDS, "actor")}
                for r in rows
            ]

    def organisation_created_dates(self) -> dict[str, datetime]:
        with self.read() as session:
            return {
                org_id: created for org_id, created in session.execute(select(Organisation.id, Organisation.created_at))
            }

    # -- validation -------------------------------------------------------------

    def offer_schema(self, extra_categories: Iterable[str] = ()) -> OfferSchema:
        return OfferSchema(known_categories=set(self.categories()) | set(extra_categories), gazetteer=self.gazetteer)

    def validate_offer(self, data: Mapping[str, Any], extra_categories: Iterable[str] = ()) -> dict[str, Any]:
        try:
            loaded: dict[str, Any] = self.offer_schema(extra_categories).load(dict(data))
        except ValidationError as exc:
            raise InvalidRecord(flatten_errors(exc.messages)) from None
        return loaded

    # -- writes -----------------------------------------------------------------

    def import_offers(
        self,
        records: Sequence[RawRecord | Mapping[str, Any]],
        *,
        actor: str,
        source: str = "import",
        categories: Mapping[str, str] | None = None,
        skip_invalid: bool = False,
        dry_run: bool = False,
    ) -> ImportReport:
        """Validate every record, then write them all in one transaction.

        By default a file with any rejected record writes nothing, so a
        coordinator fixes the file and imports again; ``skip_invalid`` writes
        the valid records (still in one transaction) and reports the rest.
        Records are keyed on offer id, so importing the same file twice
        changes nothing the second time.
        """
        raws = [r if isinstance(r, RawRecord) else RawRecord(r) for r in records]
        report = ImportReport(source=source, total=len(raws), dry_run=dry_run)
        extra = dict(categories or {})
        schema = self.offer_schema(extra)
        valid: list[tuple[dict[str, Any], set[str]]] = []
        first_seen: dict[str, int] = {}
        org_seen: dict[str, tuple[int, dict[str, Any]]] = {}
        for pos, raw in enumerate(raws, start=1):
            errors: dict[str, list[str]] = {}
            rec_id = raw.data.get("id") if isinstance(raw.data, Mapping) else None
            if not isinstance(raw.data, Mapping):
                report.rejected.append(Rejection(pos, raw.line, None, {"_record": ["A record must be an object."]}))
                continue
            try:
                loaded: dict[str, Any] = schema.load(dict(raw.data))
            except ValidationError as exc:
                errors = flatten_errors(exc.messages)
                loaded = {}
            if not rec_id:
                errors.setdefault("id", []).append("An imported offer needs an id, so that importing again updates it.")
            elif isinstance(rec_id, str):
                if rec_id in first_seen:
                    errors.setdefault("id", []).append(f"Duplicate id {rec_id!r}: also record {first_seen[rec_id]}.")
                else:
                    first_seen[rec_id] = pos
            raw_org = raw.data.get("organisation")
            provided = set(raw_org) & set(ORG_FIELDS) if isinstance(raw_org, Mapping) else set()
            if loaded and not errors:
                org = loaded["organisation"]
                key = org["id"] or "name:" + name_key(org["name"])
                if key in org_seen:
                    first_pos, first = org_seen[key]
                    for f in provided:
                        if f in first and first[f] != org[f]:
                            errors.setdefault(f"organisation.{f}", []).append(
                                f"Differs from record {first_pos} for the same organisation."
                            )
                else:
                    org_seen[key] = (pos, {f: org[f] for f in provided})
            if errors:
                report.rejected.append(Rejection(pos, raw.line, rec_id if isinstance(rec_id, str) else None, errors))
            else:
                valid.append((loaded, provided))
        if report.rejected and not skip_invalid:
            return report
        if dry_run:
            for offer, _ in valid:
                existing = self._existing_offer(offer["id"])
                if existing is None:
                    report.created += 1
                elif _offer_content(existing) != _offer_content(offer):
                    report.updated += 1
                else:
                    report.unchanged += 1
            return report
        try:
            with self.write() as session:
                for code, label in extra.items():
                    if session.get(Category, code) is None:
                        session.add(Category(code=code, label_da=label))
                        _audit(session, "category", code, "create", actor, None, {"label_da": [None, label]})
                session.flush()
                for offer, provided in valid:
                    org_row, org_state = self._upsert_org(session, offer["organisation"], provided, actor)
                    report.organisations_created += org_state == "created"
                    report.organisations_updated += org_state == "updated"
                    state = self._upsert_offer(session, offer, org_row, actor)
                    setattr(report, state, getattr(report, state) + 1)
        except IntegrityError as exc:
            report.committed = False
            report.rejected.append(Rejection(0, None, None, {"_file": [f"Database refused the import: {exc.orig}"]}))
            return report
        report.committed = True
        return report

    def _existing_offer(self, offer_id: str) -> dict[str, Any] | None:
        try:
            return self.get_offer(offer_id)
        except NotFound:
            return None

    def create_offer(self, data: Mapping[str, Any], *, actor: str) -> dict[str, Any]:
        """Create one offer. Its organisation must exist or be described in full."""
        offer = self.validate_offer(data)
        if offer["id"] is None:
            offer["id"] = self._new_offer_id(offer)
        raw_org = data.get("organisation") or {}
        provided = set(raw_org) & set(ORG_FIELDS) if isinstance(raw_org, Mapping) else set()
        with self.write() as session:
            if session.get(Offer, offer["id"]) is not None:
                raise InvalidRecord({"id": [f"An offer with id {offer['id']!r} already exists."]})
            org_row, _ = self._upsert_org(session, offer["organisation"], provided, actor)
            self._upsert_offer(session, offer, org_row, actor)
        return self.get_offer(offer["id"])

    def update_offer(
        self, offer_id: str, changes: Mapping[str, Any], *, expected_version: int | None, actor: str
    ) -> dict[str, Any]:
        """Apply a partial update. ``expected_version`` is the version the
        editor started from; if someone saved in between, VersionConflict."""
        if "id" in changes and changes["id"] != offer_id:
            raise InvalidRecord({"id": ["The id of an offer cannot be changed."]})
        try:
            with self.write() as session:
                row = session.get(
                    Offer, offer_id, with_for_update={"of": Offer} if self.dialect == "postgresql" else None
                )
                if row is None:
                    raise NotFound("offer", offer_id)
                if expected_version is not None and row.version != expected_version:
                    raise VersionConflict(offer_id, expected_version, offer_to_dict(row))
                current = offer_to_dict(row)
                merged = {
                    k: v
                    for k, v in current.items()
                    if k in OfferSchema().fields and not OfferSchema().fields[k].dump_only
                }
                merged["organisation"] = {
                    "id": row.organisation_id,
                    "name": row.organisation.name,
                    "type": row.organisation.type,
                }
                for key, value in changes.items():
                    if key in ("created_at", "updated_at", "updated_by", "version"):
                        continue
                    merged[key] = value
                offer = self.validate_offer(jsonable(merged))
                raw_org = changes.get("organisation")
                provided = set(raw_org) & set(ORG_FIELDS) if isinstance(raw_org, Mapping) else set()
                org_row, _ = self._upsert_org(session, offer["organisation"], provided, actor)
                self._upsert_offer(session, offer, org_row, actor, row=row)
        except StaleDataError:
            raise VersionConflict(offer_id, expected_version, self.get_offer(offer_id)) from None
        except OperationalError as exc:  # SQLite: the other writer held the lock too long
            if "locked" in str(exc):
                raise VersionConflict(offer_id, expected_version, self.get_offer(offer_id)) from None
            raise
        return self.get_offer(offer_id)

    def retire_offer(self, offer_id: str, *, expected_version: int | None, actor: str) -> dict[str, Any]:
        """Mark an offer as ended. It stays in the store for history and statistics."""
        return self.update_offer(offer_id, {"status": "ended"}, expected_version=expected_version, actor=actor)

    def update_capacity(
        self, offer_id: str, values: Mapping[str, int | None], *, expected_version: int | None, actor: str
    ) -> dict[str, Any]:
        unknown = set(values) - set(CAPACITY_FIELDS)
        if unknown:
            raise InvalidRecord({name: ["Not a capacity field."] for name in sorted(unknown)})
        return self.update_offer(offer_id, dict(values), expected_version=expected_version, actor=actor)

    def update_organisation(
        self, org_id: str, changes: Mapping[str, Any], *, expected_version: int | None, actor: str
    ) -> dict[str, Any]:
        try:
            with self.write() as session:
                row = session.get(Organisation, org_id)
                if row is None:
                    raise NotFound("organisation", org_id)
                if expected_version is not None and row.version != expected_version:
                    raise VersionConflict(org_id, expected_version, organisation_to_dict(row, meta=True))
                merged = {**organisation_to_dict(row), **{k: v for k, v in changes.items() if k in ORG_FIELDS}}
                try:
                    org = OrganisationSchema().load(jsonable(merged))
                except ValidationError as exc:
                    raise InvalidRecord(flatten_errors(exc.messages)) from None
                self._upsert_org(session, org, set(changes) & set(ORG_FIELDS), actor)
        except StaleDataError:
            raise VersionConflict(org_id, expected_version, self.get_organisation(org_id)) from None
        return self.get_organisation(org_id)

    def create_organisation(self, data: Mapping[str, Any], *, actor: str) -> dict[str, Any]:
        try:
            org = OrganisationSchema().load(dict(data))
        except ValidationError as exc:
            raise InvalidRecord(flatten_errors(exc.messages)) from None
        with self.write() as session:
            if org["id"] and session.get(Organisation, org["id"]) is not None:
                raise InvalidRecord({"id": [f"An organisation with id {org['id']!r} already exists."]})
            row, _ = self._upsert_org(session, org, set(data) & set(ORG_FIELDS), actor)
            org_id = row.id
        return self.get_organisation(org_id)

    # -- internals --------------------------------------------------------------

    def _new_offer_id(self, offer: Mapping[str, Any]) -> str:
        base = "offer-" + slugify(offer["title"])[:60]
        candidate, n = base, 1
        with self.read() as session:
            while session.get(Offer, candidate) is not None:
                n += 1
                candidate = f"{base}-{n}"
        return candidate

    def _upsert_org(
        self, session: Session, org: Mapping[str, Any], provided: set[str], actor: str
    ) -> tuple[Organisation, str]:
        row: Organisation | None = None
        if org.get("id"):
            row = session.get(Organisation, org["id"])
        else:
            row = session.scalars(select(Organisation).where(Organisation.name_key == name_key(org["name"]))).first()
            provided = provided - {"name"}  # found by its name: keep the spelling on record
        if row is None:
            org_id = org.get("id") or self._free_org_id(session, org["name"])
            row = Organisation(
                id=org_id,
                name=org["name"],
                name_key=name_key(org["name"]),
                type=org["type"],
                description=org.get("description") or "",
                contact=org.get("contact"),
                cvr=org.get("cvr"),
                updated_by=actor,
            )
            session.add(row)
            session.flush()
            _audit(session, "organisation", org_id, "create", actor, row.version, _diff({}, organisation_to_dict(row)))
            return row, "created"
        before = organisation_to_dict(row)
        after = {**before, **{f: org[f] for f in provided if f in org}}
        changes = _diff(before, after)
        if not changes:
            return row, "unchanged"
        for f in provided:
            setattr(row, f, after[f])
        row.name_key = name_key(row.name)
        row.updated_at, row.updated_by = utcnow(), actor
        session.flush()
        _audit(session, "organisation", row.id, "update", actor, row.version, changes)
        return row, "updated"

    @staticmethod
    def _free_org_id(session: Session, name: str) -> str:
        base = "org-" + slugify(name)
        candidate, n = base, 1
        while session.get(Organisation, candidate) is not None:
            n += 1
            candidate = f"{base}-{n}"
        return candidate

    def _upsert_offer(
        self, session: Session, offer: dict[str, Any], org_row: Organisation, actor: str, row: Offer | None = None
    ) -> str:
        row = row if row is not None else session.get(Offer, offer["id"])
        new_content = _offer_content({**offer, "organisation": {"id": org_row.id}})
        if row is None:
            row = Offer(id=offer["id"], updated_by=actor)
            _apply(row, offer, org_row)
            session.add(row)
            session.flush()
            _audit(session, "offer", row.id, "create", actor, row.version, _diff({}, new_content))
            _capacity(session, row, actor)
            return "created"
        old_content = _offer_content(offer_to_dict(row))
        changes = _diff(old_content, new_content)
        if not changes:
            return "unchanged"
        old_capacity = {f: getattr(row, f) for f in (*CAPACITY_FIELDS, "status")}
        _apply(row, offer, org_row)
        row.updated_at, row.updated_by = utcnow(), actor
        session.flush()
        action = "retire" if changes.get("status", [None, None])[1] == "ended" else "update"
        _audit(session, "offer", row.id, action, actor, row.version, changes)
        if capacity_changed(old_capacity, row):
            _capacity(session, row, actor)
        return "updated"


# -- row <-> dict ---------------------------------------------------------------


def organisation_to_dict(row: Organisation, meta: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.id,
        "name": row.name,
        "type": row.type,
        "description": row.description or "",
        "contact": row.contact,
        "cvr": row.cvr,
    }
    if meta:
        out.update(created_at=row.created_at, updated_at=row.updated_at, updated_by=row.updated_by, version=row.version)
    return out


def offer_to_dict(row: Offer) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "title": row.title,
        "description": row.description or "",
        "organisation": organisation_to_dict(row.organisation),
        "categories": [link.category_code for link in row.category_links],
        "location": {
            "address": row.address,
            "postcode": row.postcode,
            "town": row.town,
            "lat": row.lat,
            "lon": row.lon,
            "online": bool(row.online),
        },
        "schedule": {
            "slots": [dict(s) for s in row.slots or []],
            "valid_from": row.valid_from,
            "valid_to": row.valid_to,
        },
        "cost": {"amount_dkk": float(row.cost_amount_dkk), "per": row.cost_per},
        "accessibility": list(row.accessibility or []),
        "languages": list(row.languages or []),
        "age_min": row.age_min,
        "age_max": row.age_max,
        "group_size": row.group_size,
        "newcomers_welcome": bool(row.newcomers_welcome),
        "companion_available": bool(row.companion_available),
        "transport_offered": bool(row.transport_offered),
        "places_total": row.places_total,
        "places_available": row.places_available,
        "waitlist": row.waitlist,
        "volunteers": row.volunteers,
        "status": row.status,
        "last_verified": row.last_verified,
        "contact": row.contact,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "updated_by": row.updated_by,
        "version": row.version,
    }


def _apply(row: Offer, offer: Mapping[str, Any], org_row: Organisation) -> None:
    loc, sched, cost = offer["location"], offer["schedule"], offer["cost"]
    row.kind, row.title, row.description = offer["kind"], offer["title"], offer["description"]
    row.organisation = org_row
    row.address, row.postcode, row.town = loc["address"], loc["postcode"], loc["town"]
    row.lat, row.lon, row.online = loc["lat"], loc["lon"], loc["online"]
    row.slots = [dict(s) for s in sched["slots"]]
    row.valid_from, row.valid_to = sched["valid_from"], sched["valid_to"]
    row.cost_amount_dkk, row.cost_per = cost["amount_dkk"], cost["per"]
    for name in (*FLAT_OFFER_FIELDS, "contact"):
        setattr(row, name, offer[name])
    wanted = list(offer["categories"])
    existing = {link.category_code: link for link in row.category_links}
    row.category_links = [
        existing.get(code) or OfferCategory(offer_id=offer["id"], category_code=code) for code in wanted
    ]
    for pos, link in enumerate(row.category_links):
        link.position = pos


_META = ("created_at", "updated_at", "updated_by", "version")


def _offer_content(offer: Mapping[str, Any]) -> dict[str, Any]:
    """What an import compares: the offer without audit fields, and its
    organisation by id only (organisations are compared on their own)."""
    out = {k: v for k, v in offer.items() if k not in _META}
    out["organisation"] = {"id": offer["organisation"].get("id")}
    return jsonable(out)


def _diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """Changed fields as ``{field: [old, new]}``, JSON-safe for the audit table."""
    b, a = jsonable(dict(before)), jsonable(dict(after))
    return {k: [b.get(k), a.get(k)] for k in a if b.get(k) != a.get(k)}


def _audit(
    session: Session,
    entity_type: str,
    entity_id: str,
    action: str,
    actor: str,
    version: int | None,
    changes: dict[str, Any],
) -> None:
    session.add(
        AuditEvent(
            entity_type=entity_type, entity_id=entity_id, action=action, actor=actor, version=version, changes=changes
        )
    )


def _capacity(session: Session, row: Offer, actor: str) -> None:
    session.add(
        CapacityEvent(
            offer_id=row.id,
            organisation_id=row.organisation_id,
            status=row.status,
            actor=actor,
            **{f: getattr(row, f) for f in CAPACITY_FIELDS},
        )
    )


def _make_engine(url: str, *, echo: bool) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 15})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy, not pysqlite, decide when a transaction begins.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            if ":memory:" not in url and url not in ("sqlite://", "sqlite:///"):
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=15000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            # Writers take the write lock up front, so two editors queue
            # instead of deadlocking on a lock upgrade.
            mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)
