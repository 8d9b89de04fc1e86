"""API keys, roles and throttling.

A request sends ``Authorization: Bearer <key>``. Keys are made by
``faellesskab apikey create``, shown once and stored only as a SHA-256
hash; the lookup goes by a short public prefix and the hash is compared in
constant time. Each role gets the least it needs:

- ``navigator``: match, read offers, manage referrals;
- ``volunteer_centre``: create, update and retire offers and organisations, record capacity;
- ``referral_system``: create referrals and read their status;
- ``admin``: everything, including keys and reports.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Final, TypeVar

from flask import current_app, g, request
from sqlalchemy import case, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Forbidden, TooManyRequests, Unauthorized

from catalogue.db import store_fault
from catalogue.models import utcnow
from catalogue.privacy import CPR_MESSAGE, contains_cpr
from catalogue.store import Store

from . import failures
from .models import ApiKey, RateWindow

ROLES: Final[dict[str, str]] = {
    "navigator": "Social navigator: match, read offers, manage referrals",
    "volunteer_centre": "Volunteer centre: offers, organisations, capacity",
    "referral_system": "Referral system: create referrals, read their status",
    "admin": "Administrator: everything, incl. keys and reports",
}
KEY_PREFIX = "fm_"
PREFIX_LEN = 8  # characters after "fm_" that identify a key in lists and logs

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Caller:
    key_id: int
    name: str
    role: str

    @property
    def actor(self) -> str:
        return f"key:{self.name}"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(store: Store, *, name: str, role: str, created_by: str) -> str:
    """Create a key and return it; this is the only time it is seen.

    Raises ValueError for an unknown role, a bad name (also one holding a CPR
    number, :mod:`catalogue.privacy`), or a name in use."""
    if role not in ROLES:
        raise ValueError(f"Unknown role {role!r}; use one of {', '.join(ROLES)}.")
    if not name.strip() or len(name) > 100:
        raise ValueError("Give the key a name of 1-100 characters (who or what uses it).")
    if contains_cpr(name):
        raise ValueError(CPR_MESSAGE)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with store.write() as session:
        if session.execute(select(ApiKey.id).where(ApiKey.name == name)).first():
            raise ValueError(f"A key named {name!r} exists; revoke it or pick another name.")
        session.execute(
            insert(ApiKey).values(
                name=name,
                role=role,
                prefix=key[len(KEY_PREFIX) : len(KEY_PREFIX) + PREFIX_LEN],
                key_hash=_hash(key),
                created_by=created_by,
                created_at=utcnow(),
            )
        )
    return key


def list_keys(store: Store) -> list[dict[str, Any]]:
    """Every key by name: ``name, role, prefix, created_at, created_by, revoked_at, last_used_at``."""
    with store.read() as session:
        rows = session.execute(
            select(
                ApiKey.name,
                ApiKey.role,
                ApiKey.prefix,
                ApiKey.created_at,
                ApiKey.created_by,
                ApiKey.revoked_at,
                ApiKey.last_used_at,
            ).order_by(ApiKey.name)
        )
        return [dict(r._mapping) for r in rows]


def revoke_key(store: Store, name: str) -> bool:
    """Revoke the active key of that name; False if there is none."""
    with store.write() as session:
        result = session.execute(
            update(ApiKey).where(ApiKey.name == name, ApiKey.revoked_at.is_(None)).values(revoked_at=utcnow())
        )
        return bool(getattr(result, "rowcount", 0))


def authenticate(store: Store, key: str) -> Caller | None:
    """The caller a key belongs to, or None. Constant-time on the hash."""
    if not key.startswith(KEY_PREFIX) or len(key) < len(KEY_PREFIX) + PREFIX_LEN + 8:
        return None
    prefix = key[len(KEY_PREFIX) : len(KEY_PREFIX) + PREFIX_LEN]
    digest = _hash(key)
    with store.read() as session:
        rows = session.execute(
            select(ApiKey.id, ApiKey.name, ApiKey.role, ApiKey.key_hash).where(
                ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None)
            )
        ).all()
    for key_id, name, role, stored in rows:
        if hmac.compare_digest(stored, digest):
            return Caller(key_id, name, role)
    return None


def current_caller() -> Caller | None:
    caller: Caller | None = g.get("caller")
    return caller


@dataclass(frozen=True)
class Access:
    """What :func:`requires` asks of a view, kept on it for the OpenAPI document (``api.openapi``)."""

    roles: tuple[str, ...]  # sorted, admin included
    throttle: str | None  # the rate limit counted against ("match", "write"), or None


ACCESS_ATTR: Final = "__fm_access__"


def access_of(view: Callable[..., Any]) -> Access | None:
    """The :class:`Access` a view was decorated with, or None for a public view."""
    access: Access | None = getattr(view, ACCESS_ATTR, None)
    return access


def requires(*roles: str, throttle: str | None = None) -> Callable[[F], F]:
    """Allow only these roles (admin always); optionally count against a rate limit.

    401 without a valid key, 403 for another role, 429 (with Retry-After) over the limit."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"Unknown roles: {', '.join(sorted(unknown))}")
    access = Access(tuple(sorted(set(roles) | {"admin"})), throttle)

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            caller = _caller_from_request()
            if caller.role not in access.roles:
                raise Forbidden(
                    f"The role {caller.role!r} may not do this; it needs one of: {', '.join(access.roles)}."
                )
            if throttle:
                current_app.extensions["throttle"].hit(caller.name, throttle)
            return view(*args, **kwargs)

        setattr(wrapper, ACCESS_ATTR, access)
        return wrapper  # type: ignore[return-value]

    return decorator


def _caller_from_request() -> Caller:
    cached: Caller | None = g.get("caller")
    if cached is not None:
        return cached
    credentials = request.authorization  # Werkzeug parses "Bearer <token>" into type and token
    if credentials is None or credentials.type != "bearer" or not credentials.token:
        raise Unauthorized("Send an API key: 'Authorization: Bearer <key>'.", www_authenticate=_CHALLENGE)
    failures.check("Too many rejected keys from this address")
    caller = authenticate(current_app.extensions["store"], credentials.token)
    if caller is None:
        failures.record("api_key")
        raise Unauthorized("The API key is unknown or revoked.", www_authenticate=_CHALLENGE)
    g.caller = caller
    _touch(caller)
    return caller


_CHALLENGE = WWWAuthenticate("bearer", {"realm": "faellesskabsmatch"})
_last_touch: dict[int, float] = {}


def _touch(caller: Caller) -> None:
    """Record last use, at most once a minute per key, to keep reads cheap; bookkeeping
    (``Store.bookkeeping``: a short lock wait), skipped when the store is busy."""
    now = time.monotonic()
    if now - _last_touch.get(caller.key_id, -1e9) < 60:
        return
    _last_touch[caller.key_id] = now
    store: Store = current_app.extensions["store"]
    try:
        with store.bookkeeping() as session:
            session.execute(update(ApiKey).where(ApiKey.id == caller.key_id).values(last_used_at=utcnow()))
    except Exception as exc:  # bookkeeping: a read must not fail because it could not be noted
        logging.getLogger("faellesskab.api").warning(
            "key last use not noted (%s)", store_fault(exc) or type(exc).__name__
        )


class Throttle:
    """Per-key rate limits shared by every worker and process: a fixed-window
    counter per (kind, key name) in the store's ``rate_window`` table.

    ``limits`` maps a kind (``match``, ``write``) to ``(burst, seconds)``: at
    most ``burst`` requests per window of ``seconds``, windows aligned on the
    epoch. One upsert per request counts and reads the window in one statement
    (``INSERT .. ON CONFLICT DO UPDATE .. RETURNING`` on SQLite and
    PostgreSQL), so gunicorn's workers share one count instead of each
    allowing ``burst``. A fixed window can let ``2 x burst`` through across a
    window boundary; the limit is a guard against runaway clients, not a
    quota.

    The count is bookkeeping (``Store.bookkeeping``): it waits at most
    ``catalogue.db.BOOKKEEPING_LOCK_S`` for the store's write lock, never the
    15 s a user write may wait. When it cannot count (the lock is busy, or any
    other store fault) the request is counted in this worker instead (the same
    window and burst, per process) and a warning logged: fail open to the
    per-worker limit, not closed. Failing closed (503) would turn every match
    into an error while an import or a burst of edits holds the lock, which is
    bookkeeping failing a match; overload itself is shed before the count
    (``api.overload``), and a runaway key still meets ``burst`` per worker.
    """

    def __init__(self, store: Store, limits: dict[str, tuple[int, float]], clock: Callable[[], float] = time.time):
        self.store, self.limits, self.clock = store, limits, clock
        self._here: dict[str, tuple[int, int]] = {}  # bucket -> (window, hits) counted in this worker
        self._here_lock = threading.Lock()

    def hit(self, who: str, kind: str) -> None:
        """Count one request, or raise 429 TooManyRequests with Retry-After in whole seconds."""
        burst, seconds = self.limits[kind]
        now = self.clock()
        window = int(now // seconds)
        bucket = f"{kind}:{who}"[:140]
        try:
            hits = self._count(bucket, window)
        except Exception as exc:
            hits = self._count_here(bucket, window)
            logging.getLogger("faellesskab.api").warning(
                "rate limit counted in this worker only (%s)", store_fault(exc) or type(exc).__name__
            )
        if hits > burst:
            wait = max(1, math.ceil((window + 1) * seconds - now))
            raise TooManyRequests(f"Too many {kind} requests; try again in {wait} s.", retry_after=wait)

    def _count_here(self, bucket: str, window: int) -> int:
        """Count one hit in this process's window (the fallback when the store cannot count)."""
        with self._here_lock:
            seen, hits = self._here.get(bucket, (window, 0))
            hits = hits + 1 if seen == window else 1
            self._here[bucket] = (window, hits)
            return hits

    def _count(self, bucket: str, window: int) -> int:
        insert_ = sqlite_insert if self.store.dialect == "sqlite" else pg_insert
        upsert = (
            insert_(RateWindow)
            .values(bucket=bucket, window_index=window, hits=1)
            .on_conflict_do_update(
                index_elements=[RateWindow.bucket],
                set_={
                    "hits": case((RateWindow.window_index == window, RateWindow.hits + 1), else_=1),
                    "window_index": window,
                },
            )
        )
        stmt = upsert.returning(RateWindow.hits)
        with self.store.bookkeeping() as session:
            return int(session.execute(stmt).scalar_one())
