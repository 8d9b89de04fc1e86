"""The store of record: organisations and offers in SQLite or PostgreSQL.

Every write runs in one transaction and leaves an audit event; offers carry a
``version`` so that a stale update fails with :class:`VersionConflict` rather
than overwriting a colleague. Reads return canonical records (see
``catalogue.records``), never ORM rows, so callers cannot write by accident.

This module is the facade; the work is done in ``catalogue.db`` (engines),
``catalogue.rows`` (rows <-> records, upserts, audit) and
``catalogue.importer`` (file imports).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, cast, get_type_hints

from marshmallow import ValidationError
from sqlalchemy import Text, func, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from . import taxonomy
from .audience import AudienceVocabulary, term_errors
from .capacity import CAPACITY_FIELDS
from .db import BOOKKEEPING_LOCK_S, make_engine, normalise_url
from .errors import InvalidRecord, NotFound, VersionConflict
from .gazetteer import Gazetteer
from .importer import ImportReport, RawRecord, Rejection, import_offers
from .jsonsafe import jsonable
from .models import AudienceGroup, AuditEvent, CapacityEvent, Category, Offer, OfferCategory, Organisation
from .privacy import refuse_cpr
from .records import AuditRecord, CapacityEventRecord, OfferDraft, OfferRecord, OrganisationDraft, OrganisationRecord
from .rows import (
    META_FIELDS,
    ORG_FIELDS,
    audit,
    editable_offer,
    free_id,
    name_key,
    offer_to_dict,
    organisation_to_dict,
    provided_org_fields,
    search_key,
    slugify,
    upsert_offer,
    upsert_organisation,
)
from .schemas import OfferSchema, OrganisationSchema, flatten_errors

_CAPACITY_EVENT_FIELDS = tuple(get_type_hints(CapacityEventRecord))

#: Ids per ``IN (...)`` query: well under SQLite's and PostgreSQL's parameter limits.
_CHUNK = 500

# Names other packages import from here; their homes are db, rows and importer.
__all__ = [
    "ORG_FIELDS",
    "ImportReport",
    "RawRecord",
    "Rejection",
    "Store",
    "name_key",
    "normalise_url",
    "offer_to_dict",
    "organisation_to_dict",
    "slugify",
]


def _escape_like(text: str) -> str:
    """``text`` as a literal inside a LIKE pattern (escape character backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class Store:
    """Facade over the database. Thread-safe: each call opens its own session."""

    def __init__(self, url: str, *, echo: bool = False, gazetteer: Gazetteer | None = None) -> None:
        self.url = normalise_url(url)
        self.gazetteer = gazetteer
        self.engine = make_engine(self.url, echo=echo)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(
            self.engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False
        )
        self._bookkeeping_sessions = sessionmaker(
            self.engine.execution_options(sqlite_begin="IMMEDIATE", lock_wait_s=BOOKKEEPING_LOCK_S),
            expire_on_commit=False,
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    # -- schema ---------------------------------------------------------------

    def seed_categories(self) -> None:
        """Add the default categories (``taxonomy.DEFAULT_CATEGORIES``) that are
        missing; existing categories and their labels are left alone. Idempotent."""
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

    @contextmanager
    def bookkeeping(self) -> Iterator[Session]:
        """A write transaction like :meth:`write` for bookkeeping (access log, a key's
        last use, the match log, the rate-limit count) that waits at most
        ``catalogue.db.BOOKKEEPING_LOCK_S`` seconds for a lock, so it never queues behind
        user writes; when it cannot get one it raises the database's "locked" error
        (``catalogue.db.store_fault(exc) == "locked"``) and the caller skips the entry."""
        with self._bookkeeping_sessions() as session, session.begin():
            yield session

    def probe_write(self) -> None:
        """Commit one real, harmless write (a category's label set to itself), so a
        store that cannot write (read-only file or directory, full disk) is found
        before a user's change is. Raises the database's error; the readiness
        probe reports it (``api.health``). Costs one small transaction, and waits for
        the lock only as long as bookkeeping (``catalogue.db.BOOKKEEPING_LOCK_S``): a
        "locked" error then means another write holds it (the store is busy, not broken)."""
        with self.bookkeeping() as session:
            first = session.scalar(select(func.min(Category.code)))
            if first is not None:
                session.execute(update(Category).where(Category.code == first).values(label_da=Category.label_da))

    # -- categories -------------------------------------------------------------

    def categories(self) -> dict[str, str]:
        """The live taxonomy: ``{code: Danish label}`` ordered by code."""
        with self.read() as session:
            return {c.code: c.label_da for c in session.scalars(select(Category).order_by(Category.code))}

    def add_category(self, code: str, label_da: str, actor: str) -> None:
        """Extend the taxonomy with a category the data needs (or relabel one); raises InvalidRecord."""
        errors = taxonomy.category_errors(code, label_da)
        if errors:
            raise InvalidRecord(errors)
        try:
            refuse_cpr({"label_da": label_da}, "a category")
        except ValidationError as exc:
            raise InvalidRecord(flatten_errors(exc.messages)) from None
        with self.write() as session:
            existing = session.get(Category, code)
            if existing is not None:
                if existing.label_da != label_da:
                    audit(session, "category", code, "update", actor, None, {"label_da": [existing.label_da, label_da]})
                    existing.label_da = label_da
                return
            session.add(Category(code=code, label_da=label_da.strip()))
            audit(session, "category", code, "create", actor, None, {"label_da": [None, label_da]})

    # -- audience vocabulary --------------------------------------------------------

    def audiences(self) -> AudienceVocabulary:
        """The live audience vocabulary: the built-in codes plus those added with :meth:`add_audience`."""
        with self.read() as session:
            rows = session.scalars(select(AudienceGroup).order_by(AudienceGroup.code)).all()
            extra = [{"code": r.code, "label_da": r.label_da, "synonyms": r.synonyms or []} for r in rows]
        return AudienceVocabulary.default().extended(extra)

    def add_audience(self, code: str, label_da: str, synonyms: Sequence[str] = (), *, actor: str) -> None:
        """Extend the audience vocabulary (``"condition:x"`` adds a condition) or relabel an
        added code; raises InvalidRecord. Audited like a category."""
        errors = term_errors(code, label_da)
        if errors:
            raise InvalidRecord(errors)
        try:
            refuse_cpr({"label_da": label_da, "synonyms": list(synonyms)}, "an audience")
        except ValidationError as exc:
            raise InvalidRecord(flatten_errors(exc.messages)) from None
        label, names = label_da.strip(), [s.strip() for s in synonyms if s.strip()]
        with self.write() as session:
            row = session.get(AudienceGroup, code)
            if row is None:
                session.add(AudienceGroup(code=code, label_da=label, synonyms=names))
                audit(
                    session,
                    "audience",
                    code,
                    "create",
                    actor,
                    None,
                    {"label_da": [None, label], "synonyms": [None, names]},
                )
            elif (row.label_da, row.synonyms) != (label, names):
                changes = {"label_da": [row.label_da, label], "synonyms": [row.synonyms, names]}
                row.label_da, row.synonyms = label, names
                audit(session, "audience", code, "update", actor, None, changes)

    # -- reads --------------------------------------------------------------------

    def get_offer(self, offer_id: str) -> OfferRecord:
        """One offer; raises NotFound."""
        with self.read() as session:
            row = session.get(Offer, offer_id)
            if row is None:
                raise NotFound("offer", offer_id)
            return offer_to_dict(row)

    def get_offers(self, offer_ids: Iterable[str]) -> dict[str, OfferRecord]:
        """Several offers in one round trip; unknown ids are left out."""
        wanted = list(dict.fromkeys(offer_ids))
        out: dict[str, OfferRecord] = {}
        with self.read() as session:
            for start in range(0, len(wanted), _CHUNK):
                rows = session.scalars(select(Offer).where(Offer.id.in_(wanted[start : start + _CHUNK]))).unique()
                out.update({row.id: offer_to_dict(row) for row in rows})
        return out

    def versions(self, offer_ids: Iterable[str]) -> dict[str, int]:
        """Current version of each offer: a cheap check before trusting a cached copy."""
        wanted = list(dict.fromkeys(offer_ids))
        out: dict[str, int] = {}
        with self.read() as session:
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                out.update(dict(session.execute(select(Offer.id, Offer.version).where(Offer.id.in_(chunk))).all()))
        return out

    def get_organisation(self, org_id: str) -> OrganisationRecord:
        """One organisation with its audit fields; raises NotFound."""
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
        text: str | None = None,
        audience: str | None = None,
        for_everyone: bool = False,
        verified_before: date | None = None,
        oldest_verified_first: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> tuple[list[OfferRecord], int]:
        """One page of offers, ordered by id, and the total that match.

        ``text`` matches the title or the organisation's name as a substring of their folded keys
        (:func:`catalogue.rows.search_key`: case, æ=ae, ø=oe, å=aa, accents and punctuation do not
        matter, the same on SQLite and PostgreSQL; a text with no letter or digit filters nothing);
        ``audience`` (a :mod:`catalogue.audience` code, e.g. ``"seniors"``, ``"condition:dementia"``)
        keeps offers whose audience includes it; ``for_everyone`` keeps offers with no audience (for everyone);
        ``verified_before`` keeps offers whose ``last_verified`` is before that date or unknown;
        ``oldest_verified_first`` orders by ``last_verified`` (never verified first), then id."""
        stmt = select(Offer)
        key = search_key(text) if text else ""
        if key:
            like = f"%{_escape_like(key)}%"
            stmt = stmt.where(
                Offer.title_key.like(like, escape="\\")
                | Offer.organisation_id.in_(
                    select(Organisation.id).where(Organisation.name_key.like(like, escape="\\"))
                )
            )
        if audience:
            # The JSON list as text holds each code in double quotes; a code has no quote, % or
            # backslash (catalogue.audience.CODE_RE), so '"code"' matches that element only.
            stmt = stmt.where(sql_cast(Offer.audience, Text).like(f'%"{_escape_like(audience)}"%', escape="\\"))
        if for_everyone:
            stmt = stmt.where(sql_cast(Offer.audience, Text) == "[]")
        if verified_before is not None:
            stmt = stmt.where(Offer.last_verified.is_(None) | (Offer.last_verified < verified_before))
        if town:
            stmt = stmt.where(func.lower(Offer.town) == func.lower(town))  # SQLite lowers ASCII only: both sides alike
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
            order = (
                (Offer.last_verified.is_not(None), Offer.last_verified, Offer.id)
                if oldest_verified_first
                else (Offer.id,)
            )
            page = stmt.order_by(*order).offset(offset)
            if limit is not None:
                page = page.limit(limit)
            return [offer_to_dict(r) for r in session.scalars(page).unique()], total

    def iter_offers(self, batch: int = _CHUNK) -> Iterator[OfferRecord]:
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
        self,
        *,
        limit: int | None = None,
        offset: int = 0,
        modified_after: datetime | None = None,
        text: str | None = None,
    ) -> tuple[list[OrganisationRecord], int]:
        """One page of organisations (with audit fields), ordered by id, and the total that match;
        ``text`` matches the name as a substring of its folded key (as in :meth:`list_offers`)."""
        stmt = select(Organisation)
        key = search_key(text) if text else ""
        if key:
            stmt = stmt.where(Organisation.name_key.like(f"%{_escape_like(key)}%", escape="\\"))
        if modified_after is not None:
            stmt = stmt.where(Organisation.updated_at > modified_after)
        with self.read() as session:
            total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
            page = stmt.order_by(Organisation.id).offset(offset)
            if limit is not None:
                page = page.limit(limit)
            return [organisation_to_dict(r, meta=True) for r in session.scalars(page)], total

    def history(self, entity_type: str, entity_id: str) -> list[AuditRecord]:
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
        """``{"organisations": n, "offers": n, "by_status": {...}, "by_kind": {...}, "by_town": {...}}``;
        ``by_town`` is largest first, offers without a town count as ``"(online)"``."""
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

    def capacity_events(self) -> list[CapacityEventRecord]:
        """Every capacity event, oldest first (see ``catalogue.capacity``)."""
        with self.read() as session:
            rows = session.scalars(select(CapacityEvent).order_by(CapacityEvent.at, CapacityEvent.id))
            return [cast(CapacityEventRecord, {f: getattr(r, f) for f in _CAPACITY_EVENT_FIELDS}) for r in rows]

    def organisation_created_dates(self) -> dict[str, datetime]:
        """``{organisation id: created_at}`` for every organisation."""
        with self.read() as session:
            return dict(session.execute(select(Organisation.id, Organisation.created_at)).all())

    # -- validation -------------------------------------------------------------

    def offer_schema(self, extra_categories: Iterable[str] | Mapping[str, str] = ()) -> OfferSchema:
        """The offer schema against the live taxonomy plus ``extra_categories`` (codes, or code -> label)."""
        extra = dict(extra_categories) if isinstance(extra_categories, Mapping) else {c: c for c in extra_categories}
        return OfferSchema(
            known_categories={**self.categories(), **extra},
            gazetteer=self.gazetteer,
            audiences=self.audiences(),
        )

    def validate_offer(self, data: Mapping[str, Any], extra_categories: Iterable[str] = ()) -> OfferDraft:
        """The canonical offer; raises InvalidRecord with every field error."""
        try:
            loaded: OfferDraft = self.offer_schema(extra_categories).load(dict(data))
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
        warnings: Sequence[str] = (),
    ) -> ImportReport:
        """See :func:`catalogue.importer.import_offers`."""
        return import_offers(
            self,
            records,
            actor=actor,
            source=source,
            categories=categories,
            skip_invalid=skip_invalid,
            dry_run=dry_run,
            warnings=warnings,
        )

    def create_offer(self, data: Mapping[str, Any], *, actor: str) -> OfferRecord:
        """Create one offer (a free id is made from the title when none is given).
        Its organisation must exist or be described in full. Raises InvalidRecord."""
        offer = self.validate_offer(data)
        with self.write() as session:
            offer_id = offer["id"] or free_id(session, Offer, "offer-" + slugify(offer["title"])[:60])
            if offer["id"] is not None and session.get(Offer, offer_id) is not None:
                raise InvalidRecord({"id": [f"An offer with id {offer_id!r} already exists."]})
            offer["id"] = offer_id
            org_row, _ = upsert_organisation(session, offer["organisation"], provided_org_fields(data), actor)
            upsert_offer(session, offer, org_row, actor)
        return self.get_offer(offer_id)

    def update_offer(
        self, offer_id: str, changes: Mapping[str, Any], *, expected_version: int | None, actor: str
    ) -> OfferRecord:
        """Apply a partial update. ``expected_version`` is the version the
        editor started from; if someone saved in between, VersionConflict.
        Raises NotFound and InvalidRecord (the merged offer is validated in full)."""
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
                    raise VersionConflict(offer_id, expected_version, dict(offer_to_dict(row)))
                merged = {**editable_offer(row), **{k: v for k, v in changes.items() if k not in META_FIELDS}}
                offer = self.validate_offer(jsonable(merged))
                org_row, _ = upsert_organisation(session, offer["organisation"], provided_org_fields(changes), actor)
                upsert_offer(session, offer, org_row, actor, row=row)
        except StaleDataError:
            raise VersionConflict(offer_id, expected_version, dict(self.get_offer(offer_id))) from None
        except OperationalError as exc:  # SQLite: the other writer held the lock too long
            if "locked" in str(exc):
                current = self.get_offer(offer_id)
                if expected_version is not None and current.get("version") != expected_version:
                    raise VersionConflict(offer_id, expected_version, dict(current)) from None
            raise  # a lock held by another kind of write: the store's "locked" fault (503, try again)
        return self.get_offer(offer_id)

    def retire_offer(self, offer_id: str, *, expected_version: int | None, actor: str) -> OfferRecord:
        """Mark an offer as ended. It stays in the store for history and statistics."""
        return self.update_offer(offer_id, {"status": "ended"}, expected_version=expected_version, actor=actor)

    def update_capacity(
        self, offer_id: str, values: Mapping[str, int | None], *, expected_version: int | None, actor: str
    ) -> OfferRecord:
        """Change only capacity fields (``catalogue.capacity.CAPACITY_FIELDS``); others raise InvalidRecord."""
        unknown = set(values) - set(CAPACITY_FIELDS)
        if unknown:
            raise InvalidRecord({name: ["Not a capacity field."] for name in sorted(unknown)})
        return self.update_offer(offer_id, dict(values), expected_version=expected_version, actor=actor)

    def update_organisation(
        self, org_id: str, changes: Mapping[str, Any], *, expected_version: int | None, actor: str
    ) -> OrganisationRecord:
        """Apply a partial update to an organisation; raises NotFound, InvalidRecord, VersionConflict."""
        try:
            with self.write() as session:
                row = session.get(Organisation, org_id)
                if row is None:
                    raise NotFound("organisation", org_id)
                if expected_version is not None and row.version != expected_version:
                    raise VersionConflict(org_id, expected_version, dict(organisation_to_dict(row, meta=True)))
                merged = {**organisation_to_dict(row), **{k: v for k, v in changes.items() if k in ORG_FIELDS}}
                try:
                    org: OrganisationDraft = OrganisationSchema().load(jsonable(merged))
                except ValidationError as exc:
                    raise InvalidRecord(flatten_errors(exc.messages)) from None
                upsert_organisation(session, org, set(changes) & set(ORG_FIELDS), actor)
        except StaleDataError:
            raise VersionConflict(org_id, expected_version, dict(self.get_organisation(org_id))) from None
        return self.get_organisation(org_id)

    def create_organisation(self, data: Mapping[str, Any], *, actor: str) -> OrganisationRecord:
        """Create an organisation (a free id is made from the name when none is given); raises InvalidRecord."""
        try:
            org: OrganisationDraft = OrganisationSchema().load(dict(data))
        except ValidationError as exc:
            raise InvalidRecord(flatten_errors(exc.messages)) from None
        with self.write() as session:
            if org["id"] and session.get(Organisation, org["id"]) is not None:
                raise InvalidRecord({"id": [f"An organisation with id {org['id']!r} already exists."]})
            row, _ = upsert_organisation(session, org, set(data) & set(ORG_FIELDS), actor)
            org_id = row.id
        return self.get_organisation(org_id)
