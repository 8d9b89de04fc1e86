"""SQLAlchemy tables of the store of record.

Columns that lists and filters need (kind, status, town, organisation,
timestamps) are real columns; nested parts that are always read whole
(slots, contact) are JSON. ``version`` is SQLAlchemy's version counter, so a
stale UPDATE matches no row and fails instead of overwriting a colleague.

The shared base (``Base``, ``UTCDateTime``, ``utcnow``, ``NAMING``) lives in
``catalogue.base`` and is re-exported here. Other domains keep their own
tables: ``indexer.models`` (embedding cache), ``matcher.models`` (match log),
``referrals.models`` and ``api.models`` (keys, access log).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import NAMING, Base, UTCDateTime, utcnow

__all__ = [
    "NAMING",
    "AudienceGroup",
    "AuditEvent",
    "Base",
    "CapacityEvent",
    "Category",
    "Offer",
    "OfferCategory",
    "Organisation",
    "UTCDateTime",
    "utcnow",
]


class Category(Base):
    __tablename__ = "category"
    code: Mapped[str] = mapped_column(String(50), primary_key=True)
    label_da: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AudienceGroup(Base):
    """An audience code added to the built-in vocabulary (``catalogue.audience``) by data:
    ``code`` is a group code or ``"condition:<code>"``; ``synonyms`` the other names importers read."""

    __tablename__ = "audience_group"
    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    label_da: Mapped[str] = mapped_column(String(100))
    synonyms: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Organisation(Base):
    __tablename__ = "organisation"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    type: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    cvr: Mapped[str | None] = mapped_column(String(8), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    offers: Mapped[list[Offer]] = relationship(back_populates="organisation")
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Offer(Base):
    __tablename__ = "offer"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    title: Mapped[str] = mapped_column(String(200))
    # The title folded by catalogue.gazetteer.fold_name ("Æblehave" -> "aeblehave", "Grenå" -> "grenaa"),
    # kept by catalogue.rows.apply_offer, so that text search agrees on SQLite and PostgreSQL.
    title_key: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    postcode: Mapped[str | None] = mapped_column(String(4), nullable=True, index=True)
    town: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    other_locations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # records.PlaceRecord
    slots: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # catalogue.schedule.model slots
    # "slots", "by_arrangement" or "unknown"; NULL (rows from before 0006_w9s) is read from the slots.
    schedule_state: Mapped[str | None] = mapped_column(String(20), nullable=True)
    # {"months": [7], "periods": [{"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}]} or NULL for none.
    schedule_exceptions: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    cost: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # catalogue.records.CostRecord
    accessibility: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    audience: Mapped[list[str]] = mapped_column(JSON, default=list)  # catalogue.audience codes; [] = everyone
    age_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    age_max: Mapped[int | None] = mapped_column(Integer, nullable=True)
    group_size: Mapped[str | None] = mapped_column(String(10), nullable=True)
    newcomers_welcome: Mapped[bool] = mapped_column(Boolean, default=False)
    companion_available: Mapped[bool] = mapped_column(Boolean, default=False)
    transport_offered: Mapped[bool] = mapped_column(Boolean, default=False)
    places_total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    places_available: Mapped[int | None] = mapped_column(Integer, nullable=True)
    waitlist: Mapped[int | None] = mapped_column(Integer, nullable=True)
    volunteers: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(10), index=True)
    last_verified: Mapped[date | None] = mapped_column(Date, nullable=True)
    contact: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    organisation: Mapped[Organisation] = relationship(back_populates="offers", lazy="joined")
    category_links: Mapped[list[OfferCategory]] = relationship(
        cascade="all, delete-orphan", order_by="OfferCategory.position", lazy="selectin"
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class OfferCategory(Base):
    """Offer-to-category link, a table so that lists filter by category in SQL."""

    __tablename__ = "offer_category"
    offer_id: Mapped[str] = mapped_column(ForeignKey("offer.id", ondelete="CASCADE"), primary_key=True)
    category_code: Mapped[str] = mapped_column(ForeignKey("category.code"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class AuditEvent(Base):
    """Who changed what, when: one row per create, update or retire."""

    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity_type: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    __table_args__ = (Index("ix_audit_event_entity", "entity_type", "entity_id"),)


class CapacityEvent(Base):
    """Capacity of an offer at a moment; the civil-society build-up is read
    from this history (see ``catalogue.capacity``)."""

    __tablename__ = "capacity_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    offer_id: Mapped[str] = mapped_column(String(100), index=True)
    organisation_id: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    status: Mapped[str] = mapped_column(String(10))
    places_total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    places_available: Mapped[int | None] = mapped_column(Integer, nullable=True)
    waitlist: Mapped[int | None] = mapped_column(Integer, nullable=True)
    volunteers: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor: Mapped[str] = mapped_column(String(200))
