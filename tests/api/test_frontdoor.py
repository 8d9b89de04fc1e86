"""The front door, the one sign-in page, the docs without internet, and every page walked with every role."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from api.auth import access_of
from tests.api.pages import csrf, sign_in

ROLES = ("navigator", "volunteer_centre", "referral_system", "admin")
#: Page → the API operation whose role rule it shares (the same roles must get in).
PAGES = {"/navigator/": ("POST", "/api/v1/match"), "/admin/kapacitet": ("GET", "/api/v1/reports/capacity")}
PUBLIC = ("/", "/log-ind", "/api/docs")


def test_the_front_door_says_what_it_is_and_leads_each_role(demo_app: Flask) -> None:
    client = demo_app.test_client()
    res = client.get("/")
    html = res.get_data(as_text=True)
    assert res.status_code == 200 and "<h1>Fællesskabsmatch</h1>" in html
    assert "lokale fællesskaber" in html
    links = dict(re.findall(r'<section class="card" id="(for-[a-z]+)".*?<a class="button" href="([^"]+)"', html, re.S))
    assert links == {
        "for-navigator": "/navigator/",
        "for-volunteer": "/frivillig/",
        "for-admin": "/admin/kapacitet",
        "for-referral": "/api/docs",
    }
    assert 'href="/log-ind"' in html  # signed out: the way in


@pytest.mark.parametrize(
    ("role", "landing"),
    [("navigator", "/navigator/"), ("volunteer_centre", "/frivillig/"), ("referral_system", "/"), ("admin", "/")],
)
def test_one_sign_in_page_for_every_role(demo_app: Flask, role: str, landing: str) -> None:
    client = demo_app.test_client()
    token = csrf(client.get("/log-ind").get_data(as_text=True))
    res = client.post("/log-ind", data={"key": demo_app.config["KEYS"][role], "csrf": token})
    assert res.status_code == 302 and res.headers["Location"] == landing
    html = client.get("/").get_data(as_text=True)
    assert f"Du er logget ind som test-{role}" in html
    menu = re.search(r'<nav aria-label="Hovedmenu">(.*?)</nav>', html, re.S).group(1)  # type: ignore[union-attr]
    assert ('href="/navigator/"' in menu) == (role in ("navigator", "admin"))
    assert ('href="/frivillig/"' in menu) == (role in ("volunteer_centre", "admin"))
    assert ('href="/admin/kapacitet"' in menu) == (role == "admin")


def test_the_old_sign_in_address_leads_to_the_new_one(demo_app: Flask) -> None:
    res = demo_app.test_client().get("/navigator/login")
    assert res.status_code == 302 and res.headers["Location"] == "/log-ind?next=/navigator/"


def test_a_wrong_key_is_refused_in_danish(demo_app: Flask) -> None:
    client = demo_app.test_client()
    assert sign_in(client, "fm_not-a-key-00000000000000") == 401
    token = csrf(client.get("/log-ind").get_data(as_text=True))
    html = client.post("/log-ind", data={"key": "nope", "csrf": token}).get_data(as_text=True)
    assert "Nøglen virker ikke" in html and "nope" not in html


@pytest.mark.parametrize("role", [*ROLES, None])
def test_every_page_with_every_role_follows_the_api_rules(demo_app: Flask, role: str | None) -> None:
    client = demo_app.test_client()
    if role:
        assert sign_in(client, demo_app.config["KEYS"][role]) == 302
    for path in PUBLIC:
        assert client.get(path).status_code == 200, (role, path)
    api = demo_app.test_client()
    for path, (method, api_path) in PAGES.items():
        status = client.get(path).status_code
        if role is None:
            assert status == 302, path
            continue
        headers = {"Authorization": f"Bearer {demo_app.config['KEYS'][role]}"}
        api_status = api.open(api_path, method=method, headers=headers, json={"interests": "sang og kor"}).status_code
        assert (status == 200) == (api_status != 403), (role, path, status, api_status)
        assert status in (200, 403), (role, path)
    # The plan is a navigator's page, too.
    token = csrf(client.get("/log-ind").get_data(as_text=True))
    plan = client.post("/navigator/plan", data={"csrf": token, "offer": "no-such-offer"}).status_code
    assert plan == {None: 302, "navigator": 422, "admin": 422}.get(role, 403)
    # Working a referral from the search page: the roles of POST /api/v1/referrals/<id>/transitions.
    ref = {"Authorization": f"Bearer {demo_app.config['KEYS']['referral_system']}"}
    body = {"citizen_ref": "lp-7f3a91", "external_ref": "walk-1", "consent": True}
    referral_id = api.post("/api/v1/referrals", json=body, headers=ref).get_json()["id"]  # the same one each time
    opened = client.get(f"/navigator/?henvisning={referral_id}").status_code
    posts = [
        client.post(f"/navigator/henvisning/no-such-referral/{path}", data={"csrf": token, "version": "1"}).status_code
        for path in ("status", "forslag")
    ]
    if role is None:
        assert (opened, posts) == (302, [302, 302])
    else:
        headers = {"Authorization": f"Bearer {demo_app.config['KEYS'][role]}", "If-Match": '"999"'}
        move = api.post(f"/api/v1/referrals/{referral_id}/transitions", headers=headers, json={"to": "contacted"})
        allowed = move.status_code != 403  # a stale If-Match: an allowed role gets 412 and nothing moves
        assert (opened, posts) == ((200, [404, 404]) if allowed else (403, [403, 403])), role


def test_the_page_rules_are_the_api_rules() -> None:
    from api import match, navigator, navigator_referral, referrals

    access = access_of(match.MatchView.post)
    assert access is not None
    assert navigator.search.__fm_page_roles__ == access.roles == ("admin", "navigator")  # type: ignore[attr-defined]
    assert navigator.plan.__fm_page_roles__ == access.roles  # type: ignore[attr-defined]
    move = access_of(referrals.ReferralTransitions.post)
    assert move is not None
    for view in (navigator_referral.propose, navigator_referral.move_status, navigator.search):
        assert view.__fm_page_roles__ == move.roles, view  # type: ignore[attr-defined]


def test_a_forbidden_page_says_so_in_danish(demo_app: Flask) -> None:
    client = demo_app.test_client()
    sign_in(client, demo_app.config["KEYS"]["referral_system"])
    res = client.get("/navigator/")
    assert res.status_code == 403 and res.mimetype == "text/html"
    assert "Din rolle giver ikke adgang til denne side." in res.get_data(as_text=True)


def test_the_api_docs_need_no_internet(demo_app: Flask) -> None:
    client = demo_app.test_client()
    res = client.get("/api/docs")
    html = res.get_data(as_text=True)
    assert res.status_code == 200 and "SwaggerUIBundle" in html
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(urls) == 3 and all(u.startswith("/api/docs/static/") for u in urls), urls
    assert "http://" not in html and "https://" not in html and "//cdn" not in html  # no other host
    for url in urls:
        asset = client.get(url)
        assert asset.status_code == 200 and len(asset.data) > 10_000, url
    assert client.get("/api/docs/static/../../../etc/passwd").status_code == 404
    nonce = re.search(r"'nonce-([^']+)'", res.headers["Content-Security-Policy"]).group(1)  # type: ignore[union-attr]
    assert f'<script nonce="{nonce}">' in html  # the start-up script runs under the CSP
