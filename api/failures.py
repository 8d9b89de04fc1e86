"""Failed sign-ins and rejected API keys: recorded, and repeated failures slowed down.

Each failure is a row in ``auth_failure``: the time, the kind (``sign_in``
or ``api_key``) and an HMAC-SHA256 of the client's address under the app's
``SECRET_KEY`` (the address itself is not kept, nor anything of the key).

The brake is per client address and counted in the database, so it holds
across gunicorn workers: with ``n`` failures in the last
``AUTH_FAILURE_WINDOW`` (10 minutes) and ``n ≥ AUTH_FAILURE_LIMIT`` (5), the
client must wait ``30 s × 2^(n − limit)`` (at most an hour) after its latest
failure; until then every sign-in and every keyed API request from it gets
429 with ``Retry-After`` in whole seconds, before any key is checked.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Final

from flask import current_app, request
from sqlalchemy import delete, func, select
from werkzeug.exceptions import TooManyRequests

from catalogue.models import utcnow
from catalogue.store import Store

from .models import AuthFailure

WINDOW: Final = timedelta(minutes=10)
BASE_WAIT_SECONDS: Final = 30
MAX_WAIT_SECONDS: Final = 3600
KEEP: Final = timedelta(days=90)  # rows older than this are dropped when a new one is written


def client_hash() -> str:
    """HMAC-SHA256 (hex) of the request's client address under the app's secret key."""
    address = (request.remote_addr or "unknown").encode("utf-8")
    secret = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    return hmac.new(secret, address, hashlib.sha256).hexdigest()


def wait_seconds(failures: int, limit: int) -> int:
    """Seconds to wait after the latest of ``failures`` failures (0 below ``limit``)."""
    if failures < limit:
        return 0
    return int(min(MAX_WAIT_SECONDS, BASE_WAIT_SECONDS * 2 ** (failures - limit)))


def _store() -> Store:
    store: Store = current_app.extensions["store"]
    return store


def check(kind_message: str = "Too many failed attempts") -> None:
    """Raise 429 TooManyRequests with Retry-After while this client must wait."""
    limit = int(current_app.config.get("AUTH_FAILURE_LIMIT", 5))
    now = utcnow()
    with _store().read() as db:
        count, last = db.execute(
            select(func.count(AuthFailure.id), func.max(AuthFailure.at)).where(
                AuthFailure.client == client_hash(), AuthFailure.at > now - WINDOW
            )
        ).one()
    wait = wait_seconds(int(count), limit)
    if wait and last is not None:
        remaining = int(wait - (now - _as_datetime(last, now)).total_seconds() + 0.999)
        if remaining > 0:
            raise TooManyRequests(f"{kind_message}; try again in {remaining} s.", retry_after=remaining)


def _as_datetime(value: object, now: datetime) -> datetime:
    """``max(at)`` as an aware datetime: SQLite gives it back as naive (or as text), PostgreSQL as aware."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=now.tzinfo)
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=now.tzinfo)


def record(kind: str) -> None:
    """Record one failure of ``kind`` (``sign_in`` or ``api_key``) for this client."""
    now = utcnow()
    with _store().write() as db:
        db.add(AuthFailure(at=now, kind=kind, client=client_hash()))
        db.execute(delete(AuthFailure).where(AuthFailure.at < now - KEEP))


def counts(store: Store, since: datetime) -> dict[str, int]:
    """Failures per kind since ``since`` (for reports and tests): ``{"sign_in": n, "api_key": m}``."""
    with store.read() as db:
        rows = db.execute(
            select(AuthFailure.kind, func.count(AuthFailure.id))
            .where(AuthFailure.at >= since)
            .group_by(AuthFailure.kind)
        ).all()
    return {kind: int(n) for kind, n in rows}
