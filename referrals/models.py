"""Tables of the referral lifecycle: the referral and its status history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from catalogue.base import Base, UTCDateTime, utcnow


class Referral(Base):
    """A referral from a GP, pseudonymous: no name, CPR number or diagnosis.

    ``citizen_ref`` is the referring system's own pseudonym for the citizen,
    ``external_ref`` its own id for the referral: unique per ``source``, so a
    re-sent referral is found, not stored twice. Every referral stored since
    revision 0005 came with the citizen's explicit consent; the intake fields
    (``external_ref``, ``received``, ``age_band``, ``postcode``, ``town``) are
    empty on older ones.
    """

    __tablename__ = "referral"
    __table_args__ = (Index("ix_referral_source_external_ref", "source", "external_ref", unique=True),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    citizen_ref: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(100))  # the API key name that created it
    gp_practice: Mapped[str | None] = mapped_column(String(20), nullable=True)
    external_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)
    received: Mapped[date | None] = mapped_column(Date, nullable=True)
    age_band: Mapped[str | None] = mapped_column(String(10), nullable=True)
    postcode: Mapped[str | None] = mapped_column(String(4), nullable=True)
    town: Mapped[str | None] = mapped_column(String(100), nullable=True)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), index=True)
    offer_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    wellbeing: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ReferralEvent(Base):
    """Status history of a referral: who moved it, when, to what."""

    __tablename__ = "referral_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
