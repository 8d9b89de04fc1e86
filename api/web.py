"""What every web page shares: server-side sessions, who is signed in, CSRF and security headers.

- **Sessions** (:class:`StoreSessionInterface`): the cookie ``fm_session``
  holds only a random 256-bit token; the ``web_session`` row found by the
  token's SHA-256 holds the session dict (the CSRF token, the signed-in key's
  id and role). No key material is in the cookie. The cookie is HttpOnly,
  SameSite=Lax, and Secure when ``SECURE_COOKIES`` is set or the request came
  over TLS. A session ends after ``SESSION_IDLE_MINUTES`` without a request,
  and at logout its row is deleted, so the old cookie no longer works.
  Signing in issues a new token (no session fixation).
- **Who is signed in**: :func:`signed_in` returns the :class:`~api.auth.Caller`
  of the session's key while that key is not revoked; :func:`page_for`
  guards a page with the same role rules as the API's
  :func:`~api.auth.requires` (admin always): signed out → redirect to the
  sign-in page, another role → 403.
- **CSRF**: every POST/PUT/PATCH/DELETE outside the API (``/api/``,
  ``/hsds``) must carry the form field ``csrf`` equal to the session's token
  (``{{ csrf_field() }}`` in a form), else 400.
- **Plain text only** (:func:`refuse_non_text_input`): a page request whose
  query or form holds a NUL byte or a lone surrogate (PostgreSQL refuses NUL;
  neither is text anyone types) is a 400 naming the field, before any view
  reads the store; the address is checked for every request by
  :func:`api.errors.refuse_non_text_path`, and the API's parser does the same.
- **Headers** on every HTML page: Content-Security-Policy (scripts only from
  this host or with the request's nonce ``csp_nonce``), frame-ancestors
  'none' and X-Frame-Options DENY, X-Content-Type-Options nosniff,
  Referrer-Policy same-origin; a view that shows results calls
  :func:`no_store` (``Cache-Control: no-store``).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, Final, TypeVar
from urllib.parse import urlsplit

from flask import Flask, Request, abort, current_app, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSession, SessionInterface
from markupsafe import Markup
from sqlalchemy import delete, select
from werkzeug.wrappers import Response

from catalogue.models import utcnow
from catalogue.schemas import text_errors
from catalogue.store import Store

from .auth import ROLES, Caller
from .models import ApiKey, WebSession

F = TypeVar("F", bound=Callable[..., Any])
COOKIE: Final = "fm_session"
#: Role names as a user reads them.
ROLE_LABELS: Final[dict[str, str]] = {
    "navigator": "navigatør",
    "volunteer_centre": "frivilligcenter",
    "referral_system": "henvisningssystem",
    "admin": "administrator",
}
#: Paths whose unsafe requests are API calls (bearer keys, no cookie): no CSRF token there.
API_PATHS: Final = ("/api/", "/hsds")
#: Paths that never use a web session (no lookup, no write): the API takes bearer keys only.
_SESSIONLESS: Final = (*API_PATHS, "/static/", "/healthz", "/readyz")
_TOUCH_SECONDS: Final = 60  # a session's expiry is pushed on at most once a minute


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class StoreSession(SecureCookieSession):
    """The session dict, plus its token (None until first saved) and whether to issue a new one."""

    def __init__(self, initial: Any = None, token: str | None = None, refresh: bool = False) -> None:
        super().__init__(initial)
        self.token = token
        self.regenerate = False
        self.refresh = refresh  # the expiry is due to be pushed on


class StoreSessionInterface(SessionInterface):
    """Flask's session kept in the ``web_session`` table; the cookie holds a random token only."""

    def _store(self, app: Flask) -> Store:
        store: Store = app.extensions["store"]
        return store

    def open_session(self, app: Flask, request: Request) -> StoreSession:
        token = request.cookies.get(COOKIE, "")
        if not token or len(token) > 100 or request.path.startswith(_SESSIONLESS):
            return StoreSession()  # the API and static files never read or write a session
        now = utcnow()
        with self._store(app).read() as db:
            row = db.execute(
                select(WebSession.data, WebSession.last_seen_at).where(
                    WebSession.id == _digest(token), WebSession.expires_at > now
                )
            ).first()
        if row is None:
            return StoreSession()
        refresh = (now - row.last_seen_at).total_seconds() > _TOUCH_SECONDS
        return StoreSession(dict(row.data or {}), token=token, refresh=refresh)

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        assert isinstance(session, StoreSession)
        store = self._store(app)
        secure = bool(app.config.get("SECURE_COOKIES")) or request.is_secure
        if not session:  # empty or cleared: forget it, server-side too
            if session.token:
                with store.write() as db:
                    db.execute(delete(WebSession).where(WebSession.id == _digest(session.token)))
                response.delete_cookie(COOKIE, path="/", secure=secure, httponly=True, samesite="Lax")
            return
        if not (session.modified or session.refresh or session.regenerate or session.token is None):
            return
        now = utcnow()
        idle = timedelta(minutes=float(app.config.get("SESSION_IDLE_MINUTES", 30)))
        with store.write() as db:
            if session.token and session.regenerate:
                db.execute(delete(WebSession).where(WebSession.id == _digest(session.token)))
            if session.token is None or session.regenerate:
                session.token = secrets.token_urlsafe(32)
                db.add(
                    WebSession(
                        id=_digest(session.token),
                        data=dict(session),
                        key_id=session.get("key_id"),
                        created_at=now,
                        last_seen_at=now,
                        expires_at=now + idle,
                    )
                )
                db.execute(delete(WebSession).where(WebSession.expires_at < now))  # tidy up the expired ones
            else:
                row = db.get(WebSession, _digest(session.token))
                if row is None:  # ended meanwhile (logout elsewhere): do not bring it back
                    return
                row.data = dict(session)
                row.key_id = session.get("key_id")
                row.last_seen_at = now
                row.expires_at = now + idle
        response.set_cookie(COOKIE, session.token, path="/", secure=secure, httponly=True, samesite="Lax")


def sign_in(caller: Caller) -> None:
    """Start a fresh session for ``caller`` (a new token; the old one is dropped)."""
    session.clear()
    if isinstance(session, StoreSession):
        session.regenerate = True
    session["key_id"] = caller.key_id
    session["role"] = caller.role
    session["csrf"] = secrets.token_urlsafe(24)
    g.caller = caller


def sign_out() -> None:
    """End the session: its row is deleted and the cookie removed."""
    session.clear()
    g.pop("caller", None)


def signed_in() -> Caller | None:
    """The caller of the session's key, or None when signed out, expired or the key was revoked."""
    cached: Caller | None = g.get("caller")
    if cached is not None:
        return cached
    key_id = session.get("key_id")
    if key_id is None:
        return None
    store: Store = current_app.extensions["store"]
    with store.read() as db:
        row = db.execute(
            select(ApiKey.id, ApiKey.name, ApiKey.role).where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
        ).first()
    if row is None:
        session.clear()
        return None
    g.caller = Caller(row.id, row.name, row.role)
    return g.caller


def page_for(*roles: str) -> Callable[[F], F]:
    """Guard a page: these roles and admin. Signed out: redirect to the sign-in
    page (coming back afterwards); another role: 403 with a Danish message."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"Unknown roles: {', '.join(sorted(unknown))}")
    allowed = tuple(sorted(set(roles) | {"admin"}))

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            caller = signed_in()
            if caller is None:
                return redirect(url_for("frontdoor.login_form", next=request.full_path.rstrip("?")))
            if caller.role not in allowed:
                abort(403, description="Din rolle giver ikke adgang til denne side.")
            return view(*args, **kwargs)

        wrapper.__fm_page_roles__ = allowed  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


def safe_next(target: str | None, default: str) -> str:
    """A local path to go on to after signing in; anything else (another host, ``//x``) gives ``default``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    return default if parts.scheme or parts.netloc else target


def csrf_token() -> str:
    """This session's CSRF token (made on first use)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return str(session["csrf"])


def csrf_field() -> Markup:
    """The hidden form field every form carries: ``<input type="hidden" name="csrf" ...>``."""
    return Markup('<input type="hidden" name="csrf" value="{}">').format(csrf_token())


def refuse_non_text_input() -> None:
    """400 (a Danish page naming the field) when the query or the form of a page request holds
    a NUL byte or a lone surrogate (:func:`catalogue.schemas.text_errors`); the first such field
    is named by its own name."""
    for values in (request.args.to_dict(flat=False), request.form.to_dict(flat=False)):
        errors = text_errors(values)
        if errors:
            name = sorted(errors)[0].split(".")[0]
            abort(400, description=f"Feltet »{name}« må kun indeholde almindelig tekst (ingen NUL-tegn).")


def whole_number(text: str, *, max_digits: int = 18) -> int | None:
    """``text`` (trimmed) as a whole number 0 or more written with the ASCII digits 0-9 and at
    most ``max_digits`` of them, else None: "²" and "١" pass ``str.isdigit`` but are no number a
    form sends, and a longer one would not fit the database's integers (8 bytes)."""
    text = text.strip()
    if not text or len(text) > max_digits or not text.isascii() or not text.isdigit():
        return None
    return int(text)


def check_csrf() -> None:
    """400 unless the form's ``csrf`` equals the session's token."""
    sent = request.form.get("csrf", "")
    expected = session.get("csrf", "")
    if not sent or not expected or not secrets.compare_digest(sent, expected):
        abort(400, description="Formularen er udløbet. Genindlæs siden og prøv igen.")


R = TypeVar("R", bound=Response)


def no_store(response: R) -> R:
    """Mark a page with results as not to be kept by the browser or a proxy."""
    response.headers["Cache-Control"] = "no-store"
    return response


def csp_nonce() -> str:
    """The nonce of this response's Content-Security-Policy, for an inline ``<script nonce=...>``."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return str(g.csp_nonce)


def _csp() -> str:
    # Swagger UI (/api/docs) sets inline styles from its script; no page of ours does.
    styles = "'self' 'unsafe-inline'" if request.path.startswith("/api/docs") else "'self'"
    return (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{csp_nonce()}'; "
        f"style-src {styles}; img-src 'self' data:; font-src 'self'; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )


def init_app(app: Flask) -> None:
    """Install the session interface, the CSRF check, the template helpers and the headers."""
    app.session_interface = StoreSessionInterface()
    app.config["SESSION_COOKIE_NAME"] = COOKIE
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"

    @app.before_request
    def _csrf() -> None:
        if request.path.startswith(API_PATHS):
            return
        refuse_non_text_input()
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            check_csrf()

    @app.context_processor
    def _helpers() -> dict[str, Any]:
        return {
            "caller": signed_in(),
            "csrf_token": csrf_token,
            "csrf_field": csrf_field,
            "csp_nonce": csp_nonce,
            "ROLE_LABELS": ROLE_LABELS,
        }

    @app.after_request
    def _headers(response: Response) -> Response:
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", _csp())
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response
