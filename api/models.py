"""Tables of the HTTP layer itself: API keys, the access log, web sessions and failed sign-ins.

Referrals have their own room (``referrals.models``); every table shares
``catalogue.base.Base.metadata``, so one Alembic history (``migrations``)
migrates everything.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from catalogue.base import Base, UTCDateTime, utcnow


class ApiKey(Base):
    """A key is shown once; only its SHA-256 is kept (keys are 256 random
    bits, so a fast hash is as safe as a slow one and costs nothing per request)."""

    __tablename__ = "api_key"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(30))
    prefix: Mapped[str] = mapped_column(String(12), index=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class AccessEvent(Base):
    """Who read or changed what over the API (pseudonymous key names only)."""

    __tablename__ = "access_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    key_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    role: Mapped[str | None] = mapped_column(String(30), nullable=True)
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(300))
    status: Mapped[int] = mapped_column(Integer)
    __table_args__ = (Index("ix_access_event_key", "key_name", "at"),)


class WebSession(Base):
    """A signed-in (or form-filling) browser: the cookie holds only a random
    token; this row, found by the token's SHA-256, holds the rest (``api.web``).

    ``data`` is the session dict (CSRF token, the signed-in key's id and role):
    never a key, a name or anything a citizen said."""

    __tablename__ = "web_session"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 hex of the cookie's token
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    key_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class AuthFailure(Base):
    """A failed sign-in or a rejected API key: when, which kind, and a keyed
    hash of the client's address (never the key or the address itself)."""

    __tablename__ = "auth_failure"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "sign_in" or "api_key"
    client: Mapped[str] = mapped_column(String(64))
    __table_args__ = (Index("ix_auth_failure_client", "client", "at"),)
