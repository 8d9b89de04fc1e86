"""Tables of the capacity domain: volunteer reports and the grant ledger.

Amounts are whole øre (``BigInteger``), never floats: 1,500,000 kr. is
``150_000_000``. Every row records who wrote it and when; nothing here is
overwritten, so the history is the record.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from catalogue.base import Base, UTCDateTime, utcnow


class VolunteerReport(Base):
    """An organisation's count of registered volunteers and companions
    (*ledsagere/brobyggere*) on a date. A new report adds a row; the count at a
    date is the latest report on or before it."""

    __tablename__ = "volunteer_report"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"), index=True)
    reported_on: Mapped[date] = mapped_column(Date, index=True)
    volunteers: Mapped[int] = mapped_column(Integer)
    companions: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(200))


class CapacityFund(Base):
    """The capacity fund (one per deployment, id 1): name, total and period.
    Changes are new versions of the row's fields; the audit is ``updated_*``."""

    __tablename__ = "capacity_fund"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    total_ore: Mapped[int] = mapped_column(BigInteger)
    period_start: Mapped[date | None] = mapped_column(Date, nullable=True)
    period_end: Mapped[date | None] = mapped_column(Date, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200))


class Grant(Base):
    """A grant from the fund to an organisation, with the outputs it should buy
    and the offers it created or expanded (``offer_ids``)."""

    __tablename__ = "capacity_grant"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"), index=True)
    amount_ore: Mapped[int] = mapped_column(BigInteger)
    committed_on: Mapped[date] = mapped_column(Date)
    purpose: Mapped[str] = mapped_column(Text, default="")
    expected_offers: Mapped[int] = mapped_column(Integer, default=0)
    expected_places: Mapped[int] = mapped_column(Integer, default=0)
    expected_volunteers: Mapped[int] = mapped_column(Integer, default=0)
    expected_companions: Mapped[int] = mapped_column(Integer, default=0)
    offer_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))


class GrantPayment(Base):
    """One payment of a grant."""

    __tablename__ = "capacity_grant_payment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    grant_id: Mapped[str] = mapped_column(ForeignKey("capacity_grant.id", ondelete="CASCADE"), index=True)
    paid_on: Mapped[date] = mapped_column(Date)
    amount_ore: Mapped[int] = mapped_column(BigInteger)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(200))
