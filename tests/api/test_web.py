"""Sessions, CSRF, security headers and the brake on failed sign-ins (api.web, api.failures)."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

import migrations
from api import create_app
from api.auth import create_key
from api.extensions import get_store
from api.failures import wait_seconds
from api.models import AuthFailure, WebSession
from api.web import whole_number
from catalogue.models import utcnow
from catalogue.store import Store
from tests.api.pages import csrf, sign_in, sign_out


@pytest.fixture
def web_app(tmp_path: Path, store: Store) -> Flask:
    """An app on an empty store, on SQLite and on PostgreSQL (the ``store`` fixture), with a key per role."""
    app = create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(tmp_path),
            "DATABASE_URL": store.engine.url.render_as_string(hide_password=False),
            "EMBEDDING_MODEL": "fake",
        }
    )
    store = get_store(app)
    migrations.upgrade(store)
    app.config["KEYS"] = {
        role: create_key(store, name=f"w-{role}", role=role, created_by="tests")
        for role in ("navigator", "volunteer_centre", "referral_system", "admin")
    }
    return app


def _cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("fm_session")
    assert cookie is not None
    return cookie.value


def test_the_cookie_holds_no_key_and_is_httponly_and_samesite(web_app: Flask) -> None:
    client = web_app.test_client()
    key = web_app.config["KEYS"]["navigator"]
    token = csrf(client.get("/log-ind").get_data(as_text=True))
    res = client.post("/log-ind", data={"key": key, "csrf": token})
    assert res.status_code == 302 and res.headers["Location"] == "/navigator/"
    header = res.headers["Set-Cookie"]
    assert header.startswith("fm_session=") and "HttpOnly" in header and "SameSite=Lax" in header
    assert "Secure" not in header  # plain http and SECURE_COOKIES unset
    value = _cookie(client)
    assert key not in value and key[3:11] not in value  # not the key, not its public prefix
    decoded = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    assert key.encode() not in decoded and b"fm_" not in decoded
    assert len(value) >= 43  # 256 random bits
    with get_store(web_app).read() as db:
        row = db.execute(select(WebSession)).scalars().one()
        assert row.key_id is not None and key not in str(row.data)
    # The cookie is no API key, and the API ignores the session.
    assert client.get("/api/v1/offers", headers={"Authorization": f"Bearer {value}"}).status_code == 401
    assert client.get("/api/v1/offers").status_code == 401


def test_signing_in_issues_a_new_session_id(web_app: Flask) -> None:
    client = web_app.test_client()
    client.get("/log-ind")
    before = _cookie(client)
    assert sign_in(client, web_app.config["KEYS"]["navigator"]) == 302
    assert _cookie(client) != before  # no session fixation


def test_logout_ends_the_session_and_the_old_cookie_no_longer_works(web_app: Flask) -> None:
    client = web_app.test_client()
    sign_in(client, web_app.config["KEYS"]["navigator"])
    old = _cookie(client)
    assert client.get("/navigator/").status_code == 200
    assert sign_out(client) == 302
    other = web_app.test_client()
    other.set_cookie("fm_session", old)  # a copy of the old cookie, replayed
    res = other.get("/navigator/")
    assert res.status_code == 302 and res.headers["Location"].startswith("/log-ind")
    with get_store(web_app).read() as db:
        assert db.scalar(select(func.count()).select_from(WebSession).where(WebSession.key_id.is_not(None))) == 0


def test_a_revoked_key_ends_its_sessions(web_app: Flask) -> None:
    from api.auth import revoke_key

    client = web_app.test_client()
    sign_in(client, web_app.config["KEYS"]["navigator"])
    assert client.get("/navigator/").status_code == 200
    assert revoke_key(get_store(web_app), "w-navigator")
    assert client.get("/navigator/").status_code == 302


def test_the_session_ends_when_idle(web_app: Flask) -> None:
    web_app.config["SESSION_IDLE_MINUTES"] = 30
    client = web_app.test_client()
    with time_machine.travel(utcnow(), tick=False) as traveller:
        sign_in(client, web_app.config["KEYS"]["navigator"])
        traveller.shift(timedelta(minutes=29))
        assert client.get("/navigator/").status_code == 200  # and the expiry moves on
        traveller.shift(timedelta(minutes=29))
        assert client.get("/navigator/").status_code == 200
        traveller.shift(timedelta(minutes=31))
        assert client.get("/navigator/").status_code == 302


def test_secure_cookie_behind_tls(web_app: Flask) -> None:
    web_app.config["SECURE_COOKIES"] = True
    client = web_app.test_client()
    res = client.get("/log-ind")
    assert "Secure" in res.headers["Set-Cookie"]
    web_app.config["SECURE_COOKIES"] = False
    res = web_app.test_client().get("/log-ind", base_url="https://localhost")
    assert "Secure" in res.headers["Set-Cookie"]  # a request over https gets it anyway


def test_every_form_needs_the_csrf_token(web_app: Flask) -> None:
    client = web_app.test_client()
    client.get("/log-ind")
    res = client.post("/log-ind", data={"key": web_app.config["KEYS"]["navigator"]})
    assert res.status_code == 400 and "Formularen er udløbet" in res.get_data(as_text=True)
    sign_in(client, web_app.config["KEYS"]["navigator"])
    assert client.post("/log-ud", data={"csrf": "forged"}).status_code == 400
    assert client.get("/navigator/").status_code == 200  # still signed in
    assert client.post("/navigator/plan", data={"offer": "x"}).status_code == 400
    # The API is not a form: bearer keys, no cookie, no token.
    assert client.post("/api/v1/offers", json={}).status_code == 401


@pytest.mark.parametrize(
    ("method", "path", "data", "named"),
    [
        ("GET", "/navigator/?henvisning=a%00b", None, "Feltet »henvisning«"),
        ("GET", "/frivillig/?by=%00", None, "Feltet »by«"),
        ("GET", "/frivillig/?kategori=sang%00", None, "Feltet »kategori«"),
        ("GET", "/frivillig/tilbud/a%00b", None, "Adressen"),
        ("GET", "/frivillig/foreninger/%00", None, "Adressen"),
        ("POST", "/navigator/henvisning/a%00b/status", {"version": "1", "to": "contacted"}, "Adressen"),
        ("POST", "/navigator/henvisning/r-1/forslag", {"version": "1", "result": "a\x00", "score": "1"}, "»result«"),
        ("POST", "/frivillig/foreninger/ny", {"name": "Kor\x00", "type": "association"}, "Feltet »name«"),
    ],
    ids=["query", "filter", "category", "offer path", "organisation path", "referral path", "form", "new record"],
)
def test_a_nul_byte_anywhere_in_a_page_request_is_a_400_naming_the_field(
    web_app: Flask, method: str, path: str, data: dict[str, str] | None, named: str
) -> None:
    """PostgreSQL refuses NUL in a text parameter: the pages refuse it first, on both databases (no 500)."""
    role = "navigator" if path.startswith("/navigator") else "volunteer_centre"
    client = web_app.test_client()
    assert sign_in(client, web_app.config["KEYS"][role]) == 302
    token = csrf(client.get("/").get_data(as_text=True))
    res = client.open(path, method=method, data={**data, "csrf": token} if data is not None else None)
    html = res.get_data(as_text=True)
    assert res.status_code == 400, html[:500]
    assert named in html and "må kun indeholde almindelig tekst" in html
    assert get_store(web_app).list_organisations()[1] == 0  # nothing written


def test_whole_numbers_are_ascii_digits_that_fit() -> None:
    assert [whole_number(t) for t in ("0", " 42 ", "007")] == [0, 42, 7]
    assert [whole_number(t) for t in ("", "-1", "1.5", "²", "١", "1e3", "+1")] == [None] * 7
    assert whole_number("9" * 18) == 10**18 - 1 and whole_number("9" * 19) is None
    assert whole_number("1234", max_digits=3) is None


def test_security_headers_on_pages(web_app: Flask) -> None:
    client = web_app.test_client()
    sign_in(client, web_app.config["KEYS"]["navigator"])
    for path in ("/", "/log-ind", "/navigator/"):
        res = client.get(path)
        csp = res.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, path
        scripts = re.search(r"script-src ([^;]+)", csp)
        assert scripts and "'unsafe-inline'" not in scripts.group(1) and "'nonce-" in scripts.group(1)
        assert "'unsafe-inline'" not in re.search(r"style-src ([^;]+)", csp).group(1)  # type: ignore[union-attr]
        assert res.headers["X-Frame-Options"] == "DENY"
        assert res.headers["X-Content-Type-Options"] == "nosniff"
        assert res.headers["Referrer-Policy"] == "same-origin"
        html = res.get_data(as_text=True)
        assert "<style" not in html and " style=" not in html  # the CSP would block them
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline script
    assert client.get("/navigator/").headers["Cache-Control"] == "no-store"
    # Nonces differ per response.
    a = client.get("/").headers["Content-Security-Policy"]
    assert a != client.get("/").headers["Content-Security-Policy"]


def test_failed_sign_ins_are_recorded_and_slowed_down(web_app: Flask) -> None:
    client = web_app.test_client()
    bad = "fm_" + "x" * 43
    with time_machine.travel(utcnow(), tick=False) as traveller:
        for _ in range(5):
            assert sign_in(client, bad) == 401
        token = csrf(client.get("/log-ind").get_data(as_text=True))
        res = client.post("/log-ind", data={"key": web_app.config["KEYS"]["navigator"], "csrf": token})
        assert res.status_code == 429 and res.headers["Retry-After"] == "30"  # even the right key must wait
        assert "For mange forsøg" in res.get_data(as_text=True)
        traveller.shift(timedelta(seconds=31))
        assert sign_in(client, bad) == 401  # the sixth failure: now 60 s
        res = client.post("/log-ind", data={"key": bad, "csrf": token})
        assert res.status_code == 429 and res.headers["Retry-After"] == "60"
        traveller.shift(timedelta(seconds=61))
        assert sign_in(client, web_app.config["KEYS"]["navigator"]) == 302
    with get_store(web_app).read() as db:
        rows = db.execute(select(AuthFailure.kind, AuthFailure.client)).all()
    assert [k for k, _ in rows] == ["sign_in"] * 6
    assert all(len(c) == 64 and "127.0.0.1" not in c for _, c in rows)  # a keyed hash, not the address
    assert bad not in str(rows)


def test_rejected_api_keys_are_recorded_and_slowed_down(web_app: Flask) -> None:
    client = web_app.test_client()
    with time_machine.travel(utcnow(), tick=False):
        for _ in range(5):
            assert (
                client.get("/api/v1/offers", headers={"Authorization": "Bearer fm_wrong00000000000000"}).status_code
                == 401
            )
        res = client.get("/api/v1/offers", headers={"Authorization": f"Bearer {web_app.config['KEYS']['navigator']}"})
        assert res.status_code == 429 and res.json["code"] == "too_many_requests" and res.headers["Retry-After"] == "30"
        other = web_app.test_client()  # another address is not held up
        headers = {"Authorization": f"Bearer {web_app.config['KEYS']['navigator']}"}
        assert other.get("/api/v1/offers", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 200
    with get_store(web_app).read() as db:
        assert db.scalars(select(AuthFailure.kind)).all() == ["api_key"] * 5


def test_the_wait_doubles_and_is_capped() -> None:
    assert [wait_seconds(n, 5) for n in (0, 4, 5, 6, 7, 12, 40)] == [0, 0, 30, 60, 120, 3600, 3600]


def test_next_after_sign_in_stays_on_this_host(web_app: Flask) -> None:
    client = web_app.test_client()
    res = client.get("/admin/kapacitet")
    assert res.status_code == 302 and res.headers["Location"] == "/log-ind?next=/admin/kapacitet"
    for target, expected in (
        ("/admin/kapacitet", "/admin/kapacitet"),
        ("//evil.example/x", "/"),
        ("https://evil.example", "/"),
    ):
        token = csrf(client.get("/log-ind").get_data(as_text=True))
        res = client.post("/log-ind", data={"key": web_app.config["KEYS"]["admin"], "csrf": token, "next": target})
        assert res.headers["Location"] == expected, target
