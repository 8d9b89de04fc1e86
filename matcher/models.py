"""The matcher's own table: the match log (see ``matcher.log``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from catalogue.base import Base, UTCDateTime, utcnow


class MatchLog(Base):
    """One match request, for capacity and demand statistics.

    It keeps what the statistics need and nothing that identifies the
    citizen: no free text, no exact age or address; the inferred categories,
    barrier codes, town, an age band and the offers shown.
    """

    __tablename__ = "match_log"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    town: Mapped[str | None] = mapped_column(String(100), nullable=True)
    age_band: Mapped[str | None] = mapped_column(String(10), nullable=True)
    language: Mapped[str] = mapped_column(String(5))
    barriers: Mapped[list[str]] = mapped_column(JSON, default=list)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    result_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    excluded: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    no_good_match: Mapped[bool] = mapped_column(Boolean, default=False)
