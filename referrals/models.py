"""Tables of the referral lifecycle: the referral, its status history, the
offers proposed, companion requests and questionnaires."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from catalogue.base import Base, UTCDateTime, utcnow


class Referral(Base):
    """A referral from a GP, pseudonymous: no name, CPR number or diagnosis.

    ``citizen_ref`` is the referring system's own pseudonym for the citizen,
    ``external_ref`` its own id for the referral: unique per ``source``, so a
    re-sent referral is found, not stored twice. Every referral stored since
    revision 0005 came with the citizen's explicit consent; the intake fields
    (``external_ref``, ``received``, ``age_band``, ``postcode``, ``town``) are
    empty on older ones. ``previous_id`` links a re-referral to the closed
    referral before it; ``anonymised_at`` is set by the retention purge, which
    empties the pseudonyms and links.
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
    close_reason: Mapped[str | None] = mapped_column(String(30), nullable=True)
    interests: Mapped[list[str] | None] = mapped_column(JSON, nullable=True, default=list)
    barriers: Mapped[list[str] | None] = mapped_column(JSON, nullable=True, default=list)
    previous_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    offer_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    wellbeing: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ReferralEvent(Base):
    """Status history of a referral: who moved it (key id and role, never a name), when, to what."""

    __tablename__ = "referral_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ReferralOffer(Base):
    """An offer proposed to a referred citizen, as a match ranked it: the
    offer id, its ``rank`` (1 = first) and ``score`` in the match ``query_id``;
    ``started_on`` when the citizen began attending it. No offer text is copied."""

    __tablename__ = "referral_offer"
    __table_args__ = (UniqueConstraint("referral_id", "offer_id", name="uq_referral_offer"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id", ondelete="CASCADE"), index=True)
    offer_id: Mapped[str] = mapped_column(String(64))
    query_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class CompanionRequest(Base):
    """A companion (ledsager/brobygger) asked for, for one proposed or started
    offer: ``requested`` -> ``found`` -> ``went_along``, or ``cancelled``."""

    __tablename__ = "companion_request"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id", ondelete="CASCADE"), index=True)
    offer_id: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200))


class Questionnaire(Base):
    """One well-being questionnaire of a referral: ``instrument`` (``who5``,
    ``life_satisfaction``, ``tils``) at a ``timepoint`` (``baseline``,
    ``follow_up``) on ``taken_on``: the item answers and the total ``score``
    (WHO-5 raw 0-25, life satisfaction 0-10, T-ILS 3-9). One per instrument
    and timepoint; recording it again replaces it."""

    __tablename__ = "questionnaire"
    __table_args__ = (
        UniqueConstraint("referral_id", "instrument", "timepoint", name="uq_questionnaire_referral_instrument"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id", ondelete="CASCADE"), index=True)
    instrument: Mapped[str] = mapped_column(String(20))
    timepoint: Mapped[str] = mapped_column(String(10))
    taken_on: Mapped[date] = mapped_column(Date)
    items: Mapped[list[int]] = mapped_column(JSON)
    score: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(200))
