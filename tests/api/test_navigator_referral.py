"""Working an open referral from the navigator's search page (through the test client):
choosing it, proposing search results to it, and moving its status, with Danish messages."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from api import navigator_referral
from api.extensions import get_indexer, get_store
from catalogue.errors import InvalidRecord
from referrals import lifecycle, service
from referrals.models import Referral, ReferralEvent, ReferralOffer
from referrals.service import Requester
from referrals.vocab import MAX_OFFERS
from tests.api.conftest import auth
from tests.api.pages import csrf, sign_in
from tests.conftest import make_offer

NAV = Requester(name="someone-else", role="navigator", actor="navigator#999")
SCRIPT_TITLE = "<script>alert('ref')</script> Sangkor for alle"
_refs = itertools.count(1)


@pytest.fixture(scope="module")
def nav(demo_app: Flask) -> Iterator[FlaskClient]:
    store = get_store(demo_app)
    assert store.import_offers([make_offer("ref-evil", title=SCRIPT_TITLE)], actor="tests").committed
    get_indexer(demo_app).index_offers(["ref-evil"])
    client = demo_app.test_client()
    assert sign_in(client, demo_app.config["KEYS"]["navigator"]) == 302
    yield client


def _referral(demo_app: Flask, status: str = "received") -> str:
    """A referral sent by the referral system over the API, moved on to ``status`` by another navigator."""
    body = {"citizen_ref": "lp-7f3a91", "external_ref": f"nav-ref-{next(_refs)}", "consent": True}
    res = demo_app.test_client().post("/api/v1/referrals", json=body, headers=auth(demo_app, "referral_system"))
    assert res.status_code == 201, res.json
    referral_id: str = res.json["id"]
    store = get_store(demo_app)
    path = {"received": [], "contacted": ["contacted"], "assessed": ["contacted", "assessed"]}[status]
    for version, to in enumerate(path, start=1):
        step = lifecycle.Step(to, interests=["musik"], barriers=[]) if to == "assessed" else lifecycle.Step(to)
        lifecycle.move(store, referral_id, NAV, version, step)
    return referral_id


def _row(demo_app: Flask, referral_id: str) -> Referral:
    with get_store(demo_app).read() as session:
        return service.get(session, referral_id, None)


def _page(client: FlaskClient, referral_id: str | None = None) -> tuple[int, str]:
    res = client.get("/navigator/", query_string={"henvisning": referral_id} if referral_id else {})
    assert res.headers["Cache-Control"] == "no-store"
    return res.status_code, res.get_data(as_text=True)


def _errors(html: str) -> dict[str, str]:
    return dict(re.findall(r'id="ref-err-([a-z_]+)"[^>]*>([^<]*)<', html))


def _move(client: FlaskClient, referral_id: str, **fields: object) -> tuple[int, str, str]:
    _, html = _page(client, referral_id)
    version = re.search(r'id="move-form">.*?name="version" value="(\d+)"', html, re.S)
    data = {"csrf": csrf(html), "version": version.group(1) if version else "1", **fields}
    res = client.post(f"/navigator/henvisning/{referral_id}/status", data=data)
    return res.status_code, res.headers.get("Location", ""), res.get_data(as_text=True)


def _search(client: FlaskClient, referral_id: str, interests: str = "Vil gerne synge i kor") -> str:
    _, html = _page(client, referral_id)
    data = {"csrf": csrf(html), "interests": interests, "place": "Grenaa", "max_distance_km": "30", "limit": "10"}
    res = client.post("/navigator/", query_string={"henvisning": referral_id}, data=data)
    assert res.status_code == 200 and res.headers["Cache-Control"] == "no-store"
    return res.get_data(as_text=True)


def _propose_form(html: str) -> dict[str, object]:
    form = re.search(r'<form method="post" action="[^"]+/forslag" id="propose-form">(.*?)</form>', html, re.S)
    assert form, "no proposal form"
    body = form.group(1)
    return {
        "csrf": csrf(body),
        "version": re.search(r'name="version" value="(\d+)"', body).group(1),  # type: ignore[union-attr]
        "query_id": re.search(r'name="query_id" value="([^"]+)"', body).group(1),  # type: ignore[union-attr]
        "result": re.findall(r'name="result" value="([^"]+)"', body),
        "score": re.findall(r'name="score" value="([^"]+)"', body),
    }


def test_the_page_offers_the_open_referrals_without_personal_data(nav: FlaskClient, demo_app: Flask) -> None:
    open_id, closed_id = _referral(demo_app), _referral(demo_app)
    lifecycle.move(get_store(demo_app), closed_id, NAV, 1, lifecycle.Step("closed", close_reason="completed"))
    status, html = _page(nav)
    assert status == 200
    choices = re.findall(r'<option value="([^"]+)">([^<]*)</option>', html.split('id="choose-referral"')[1])
    ids = [i for i, _ in choices]
    assert open_id in ids and closed_id not in ids
    assert dict(choices)[open_id].startswith(f"{open_id} · Modtaget · modtaget ")
    assert "lp-7f3a91" not in html  # the citizen's pseudonym is not shown


def test_an_open_referral_shows_its_status_and_the_lifecycles_moves_in_danish(
    nav: FlaskClient, demo_app: Flask
) -> None:
    referral_id = _referral(demo_app)
    status, html = _page(nav, referral_id)
    assert status == 200
    assert f'<h2 id="henvisning-h">Henvisning {referral_id}</h2>' in html
    assert re.search(r'id="ref-status" data-status="received">Modtaget<', html)
    moves = re.findall(r'<option value="([a-z_]+)">', html.split('id="move-form"')[1].split("</select>")[0])
    assert tuple(moves) == lifecycle.allowed_moves("received")
    assert 'id="move-closed"' in html and 'id="move-started"' not in html
    assert f'action="/navigator/?henvisning={referral_id}" id="search"' in html  # the search keeps it
    assert "lp-7f3a91" not in html


@pytest.mark.parametrize("referral_id", ["no-such-referral", "x" * 400, "0101901234"])
def test_an_unknown_referral_is_a_danish_404(nav: FlaskClient, referral_id: str) -> None:
    status, html = _page(nav, referral_id)
    assert status == 404 and "Henvisningen findes ikke, eller du har ikke adgang til den." in html
    assert referral_id not in html
    token = csrf(html)
    res = nav.post(
        f"/navigator/henvisning/{referral_id[:36]}/status", data={"csrf": token, "version": "1", "to": "contacted"}
    )
    assert res.status_code == 404


def test_a_move_is_confirmed_in_danish_and_recorded(nav: FlaskClient, demo_app: Flask) -> None:
    referral_id = _referral(demo_app)
    status, location, _ = _move(nav, referral_id, to="contacted")
    assert status == 303 and location == f"/navigator/?henvisning={referral_id}&ok=status#henvisning"
    html = nav.get(location).get_data(as_text=True)
    assert "Status er gemt. Henvisningen har nu status »Borgeren er kontaktet«." in html
    row = _row(demo_app, referral_id)
    assert (row.status, row.version) == ("contacted", 2)
    with get_store(demo_app).read() as session:
        events = service.history(session, referral_id, None)
    assert events[-1].status == "contacted" and events[-1].actor.startswith("navigator#")


def test_an_invalid_move_shows_the_lifecycles_error_in_danish(nav: FlaskClient, demo_app: Flask) -> None:
    referral_id = _referral(demo_app)
    status, _, html = _move(nav, referral_id, to="matched")
    assert status == 409
    assert _errors(html)["to"] == (
        "Henvisningen kan ikke gå fra »Modtaget« til »Tilbud foreslået«. "
        "Mulige nu: Borgeren er kontaktet, Borgeren kunne ikke kontaktes, Afsluttet."
    )
    assert _row(demo_app, referral_id).version == 1


def test_a_closed_referral_cannot_move_and_says_so(nav: FlaskClient, demo_app: Flask) -> None:
    referral_id = _referral(demo_app)
    assert _move(nav, referral_id, to="closed", close_reason="completed")[0] == 303
    status, html = _page(nav, referral_id)
    assert status == 200 and 'id="move-form"' not in html
    assert "Afsluttet (Forløbet er gennemført)" in html and "dens status kan ikke ændres" in html
    token = csrf(html)
    res = nav.post(
        f"/navigator/henvisning/{referral_id}/status", data={"csrf": token, "version": "2", "to": "contacted"}
    )
    assert res.status_code == 409
    assert "Henvisningen kan ikke gå fra »Afsluttet« til »Borgeren er kontaktet«. Den er afsluttet." in res.get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("start", "fields", "errors"),
    [
        ("received", {"to": ""}, {"to": "Vælg den nye status."}),
        ("received", {"to": "bogus"}, {"to": "Vælg den nye status."}),
        ("received", {"to": "closed"}, {"close_reason": "Vælg, hvorfor henvisningen afsluttes."}),
        ("contacted", {"to": "assessed"}, {"interests": "Vælg mindst én interesse."}),
        (
            "contacted",
            {"to": "assessed", "interests": ["no-such-category"]},
            {"interests": "Ukendt interesse: vælg blandt dem på listen."},
        ),
        (
            "contacted",
            {"to": "assessed", "interests": ["musik"], "barriers": ["x"]},
            {"barriers": "Vælg barriererne på listen."},
        ),
        (
            "assessed",
            {"to": "started"},
            {
                "to": "Henvisningen kan ikke gå fra »Interesser og barrierer afklaret« til »Borgeren er startet«. "
                "Mulige nu: Tilbud foreslået, Afsluttet."
            },
        ),
    ],
    ids=[
        "no status",
        "unknown status",
        "no close reason",
        "no interests",
        "unknown interest",
        "unknown barrier",
        "not allowed",
    ],
)
def test_what_a_move_needs_is_asked_for_in_danish_by_the_field(
    nav: FlaskClient, demo_app: Flask, start: str, fields: dict[str, object], errors: dict[str, str]
) -> None:
    referral_id = _referral(demo_app, start)
    before = _row(demo_app, referral_id)
    status, _, html = _move(nav, referral_id, **fields)
    assert status in (409, 422)
    assert _errors(html) == errors
    assert "Intet er gemt. Se beskeden ved feltet." in html
    after = _row(demo_app, referral_id)
    assert (after.status, after.version) == (before.status, before.version)  # nothing half-written


def test_the_status_form_leaves_proposing_to_the_results(nav: FlaskClient, demo_app: Flask) -> None:
    """ "Tilbud foreslået" needs the search's results: offered in the status form it could only fail."""
    referral_id = _referral(demo_app, "assessed")
    _, html = _page(nav, referral_id)
    moves = re.findall(r'<option value="([a-z_]+)"', html.split('id="move-form"')[1].split("</select>")[0])
    assert moves == ["closed"] and 'id="move-matched"' in html
    status, _, html = _move(nav, referral_id, to="matched")  # a form made by hand: the lifecycle says why not
    assert status == 422 and _errors(html) == {"to": "Sæt flueben ved mindst ét tilbud at foreslå."}
    assert _row(demo_app, referral_id).version == 3


def test_a_stale_form_does_not_overwrite(nav: FlaskClient, demo_app: Flask) -> None:
    referral_id = _referral(demo_app)
    _, html = _page(nav, referral_id)  # read at version 1
    lifecycle.move(get_store(demo_app), referral_id, NAV, 1, lifecycle.Step("could_not_contact"))
    res = nav.post(
        f"/navigator/henvisning/{referral_id}/status",
        data={"csrf": csrf(html), "version": "1", "to": "closed", "close_reason": "completed"},
    )
    html = res.get_data(as_text=True)
    assert res.status_code == 409 and _errors(html) == {"to": navigator_referral.CONFLICT_DA}
    assert re.search(r'data-status="could_not_contact">Borgeren kunne ikke kontaktes<', html)  # where it stands now
    assert re.search(r'id="move-form">.*?name="version" value="2"', html, re.S)
    row = _row(demo_app, referral_id)
    assert (row.status, row.version, row.close_reason) == ("could_not_contact", 2, None)
    missing = nav.post(f"/navigator/henvisning/{referral_id}/status", data={"csrf": csrf(html), "to": "contacted"})
    assert missing.status_code == 409 and _row(demo_app, referral_id).version == 2  # no version: not written


@pytest.mark.parametrize("version", ["²", "١", "-1", "9" * 12, " "])
def test_an_unreadable_version_is_a_stale_form(nav: FlaskClient, demo_app: Flask, version: str) -> None:
    """ "²" passes ``str.isdigit`` but is no int: it was a 500; now the form is stale and nothing is written."""
    referral_id = _referral(demo_app)
    _, html = _page(nav, referral_id)
    res = nav.post(
        f"/navigator/henvisning/{referral_id}/status",
        data={"csrf": csrf(html), "version": version, "to": "closed", "close_reason": "completed"},
    )
    assert res.status_code == 409 and _errors(res.get_data(as_text=True)) == {"to": navigator_referral.CONFLICT_DA}
    assert _row(demo_app, referral_id).version == 1


def test_results_are_proposed_with_their_rank_and_the_query(nav: FlaskClient, demo_app: Flask) -> None:
    referral_id = _referral(demo_app, "assessed")
    html = _search(nav, referral_id)
    ticks = re.findall(r'<input type="checkbox" name="propose" value="([^"]+)">', html)
    form = _propose_form(html)
    assert ticks == form["result"] and len(ticks) >= 3
    picked = [ticks[2], ticks[0]]
    res = nav.post(f"/navigator/henvisning/{referral_id}/forslag", data={**form, "propose": picked})
    assert res.status_code == 303 and res.headers["Location"].endswith("ok=forslag#henvisning")
    page = nav.get(res.headers["Location"]).get_data(as_text=True)
    assert "Forslagene er knyttet til henvisningen. Henvisningen har nu status »Tilbud foreslået«." in page
    assert re.findall(r'<li data-offer="([^"]+)">', page) == [ticks[0], ticks[2]]  # best rank first
    with get_store(demo_app).read() as session:
        rows = session.scalars(select(ReferralOffer).where(ReferralOffer.referral_id == referral_id)).all()
        event = session.scalars(
            select(ReferralEvent).where(ReferralEvent.referral_id == referral_id).order_by(ReferralEvent.id.desc())
        ).first()
    scores = dict(zip(form["result"], form["score"], strict=True))  # type: ignore[call-overload]
    assert {(r.offer_id, r.rank, r.query_id, r.score) for r in rows} == {
        (ticks[2], 3, form["query_id"], float(scores[ticks[2]])),
        (ticks[0], 1, form["query_id"], float(scores[ticks[0]])),
    }
    assert event is not None and event.status == "matched" and event.changes["query_id"] == form["query_id"]
    assert _row(demo_app, referral_id).status == "matched"


def test_proposing_needs_a_tick_and_keeps_the_choice_on_the_page(nav: FlaskClient, demo_app: Flask) -> None:
    referral_id = _referral(demo_app, "assessed")
    form = _propose_form(_search(nav, referral_id, "synge kor for alle"))
    res = nav.post(f"/navigator/henvisning/{referral_id}/forslag", data=form)
    html = res.get_data(as_text=True)
    assert res.status_code == 422 and _errors(html) == {"propose": "Sæt flueben ved mindst ét tilbud at foreslå."}
    listed = re.findall(
        r'<input type="checkbox" name="propose" value="([^"]+)" aria-describedby="ref-err-propose">', html
    )
    assert listed == form["result"]  # the results are offered again, in order
    assert "ref-evil" in listed and "&lt;script&gt;alert(&#39;ref&#39;)&lt;/script&gt;" in html
    assert "<script>alert('ref')" not in html
    not_a_result = nav.post(f"/navigator/henvisning/{referral_id}/forslag", data={**form, "propose": ["demo-0001-x"]})
    assert not_a_result.status_code == 422
    assert _errors(not_a_result.get_data(as_text=True)) == {"propose": "Vælg blandt søgningens forslag. Søg igen."}
    assert _row(demo_app, referral_id).status == "assessed"
    chosen = nav.post(f"/navigator/henvisning/{referral_id}/forslag", data={**form, "propose": ["ref-evil"]})
    page = nav.get(chosen.headers["Location"]).get_data(as_text=True)
    assert page.count("&lt;script&gt;alert(&#39;ref&#39;)&lt;/script&gt; Sangkor for alle") == 2  # the list, the start
    assert "<script>alert('ref')" not in page


def test_proposing_before_the_assessment_is_refused_in_danish(nav: FlaskClient, demo_app: Flask) -> None:
    referral_id = _referral(demo_app, "contacted")
    html = _search(nav, referral_id)
    assert 'name="propose"' not in html and 'id="propose-later"' in html
    assert "når henvisningen har status »Interesser og barrierer afklaret«" in html
    ready = _referral(demo_app, "assessed")
    form = _propose_form(_search(nav, ready))
    one = form["result"][:1]  # type: ignore[index]
    res = nav.post(f"/navigator/henvisning/{referral_id}/forslag", data={**form, "version": "2", "propose": one})
    assert res.status_code == 409
    assert _errors(res.get_data(as_text=True))["propose"].startswith(
        "Henvisningen kan ikke gå fra »Borgeren er kontaktet« til »Tilbud foreslået«."
    )
    assert _row(demo_app, referral_id).version == 2


def test_a_start_needs_a_proposed_offer_and_a_past_date(nav: FlaskClient, demo_app: Flask) -> None:
    referral_id = _referral(demo_app, "assessed")
    form = _propose_form(_search(nav, referral_id))
    first = form["result"][0]  # type: ignore[index]
    assert (
        nav.post(f"/navigator/henvisning/{referral_id}/forslag", data={**form, "propose": [first]}).status_code == 303
    )
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    for fields, errors in (
        ({"offer_id": ""}, {"offer_id": "Vælg et af de tilbud, der er foreslået borgeren."}),
        ({"offer_id": first, "on": tomorrow}, {"on": "Datoen ligger i fremtiden."}),
        ({"offer_id": first, "on": "32-13-2026"}, {"on": "Skriv datoen som dd-mm-åååå."}),
    ):
        status, _, html = _move(nav, referral_id, to="started", **fields)
        assert status == 422 and _errors(html) == errors, fields
    today = date.today().strftime("%d-%m-%Y")
    assert _move(nav, referral_id, to="started", offer_id=first, on=today)[0] == 303
    with get_store(demo_app).read() as session:
        started = session.scalar(select(ReferralOffer.started_on).where(ReferralOffer.referral_id == referral_id))
    assert started == date.today() and _row(demo_app, referral_id).status == "started"


def test_forms_without_the_csrf_token_change_nothing(nav: FlaskClient, demo_app: Flask) -> None:
    referral_id = _referral(demo_app)
    res = nav.post(f"/navigator/henvisning/{referral_id}/status", data={"version": "1", "to": "contacted"})
    assert res.status_code == 400
    res = nav.post(f"/navigator/henvisning/{referral_id}/forslag", data={"version": "1", "propose": ["demo-0001"]})
    assert res.status_code == 400
    assert _row(demo_app, referral_id).version == 1


@pytest.mark.parametrize("role", ["volunteer_centre", "referral_system"])
def test_other_roles_may_not_work_a_referral_here(demo_app: Flask, role: str) -> None:
    referral_id = _referral(demo_app)
    client = demo_app.test_client()
    assert sign_in(client, demo_app.config["KEYS"][role]) == 302
    token = csrf(client.get("/").get_data(as_text=True))
    assert client.get("/navigator/", query_string={"henvisning": referral_id}).status_code == 403
    for path in ("status", "forslag"):
        res = client.post(
            f"/navigator/henvisning/{referral_id}/{path}", data={"csrf": token, "version": "1", "to": "closed"}
        )
        assert res.status_code == 403
    assert _row(demo_app, referral_id).version == 1


def test_every_refusal_of_the_lifecycle_has_danish_words(demo_app: Flask) -> None:
    """The messages come from running referrals.lifecycle itself (not copies of its text), so a message
    that changes there without a Danish translation here fails this test."""
    store = get_store(demo_app)
    offer_ids = [o["id"] for o in store.list_offers(limit=MAX_OFFERS + 1)[0]]
    categories = list(store.categories())
    future, long_ago = date.today() + timedelta(days=1), date(2000, 1, 1)
    one = [lifecycle.Proposal(offer_ids[0], 1, 0.5)]
    bad_steps = [
        ("received", lifecycle.Step("closed")),
        ("received", lifecycle.Step("contacted", close_reason="completed")),
        ("contacted", lifecycle.Step("assessed")),
        ("contacted", lifecycle.Step("assessed", interests=["no-such-category"])),
        ("contacted", lifecycle.Step("assessed", interests=categories[:1], barriers=[f"b{i}" for i in range(99)])),
        ("assessed", lifecycle.Step("matched", query_id="q")),
        ("assessed", lifecycle.Step("matched", query_id="q", proposals=[*one, *one])),
        ("assessed", lifecycle.Step("matched", query_id="q", proposals=[lifecycle.Proposal("no-such-offer", 1, 0)])),
        ("assessed", lifecycle.Step("matched", query_id="q", proposals=[lifecycle.Proposal(offer_ids[0], 0, 0)])),
        (
            "assessed",
            lifecycle.Step("matched", query_id="q", proposals=[lifecycle.Proposal(o, 1, 0) for o in offer_ids]),
        ),
        ("matched", lifecycle.Step("started", offer_id="not-proposed")),
        ("matched", lifecycle.Step("started", offer_id=offer_ids[0], on=future)),
        ("matched", lifecycle.Step("started", offer_id=offer_ids[0], on=long_ago)),
    ]
    seen: dict[str, list[str]] = {}
    for start, step in bad_steps:
        referral_id = _referral(demo_app, "assessed" if start == "matched" else start)
        version = _row(demo_app, referral_id).version
        if start == "matched":
            lifecycle.move(store, referral_id, NAV, version, lifecycle.Step("matched", query_id="q", proposals=one))
            version += 1
        with pytest.raises(InvalidRecord) as refused:
            lifecycle.move(store, referral_id, NAV, version, step)
        for key, messages in refused.value.errors.items():
            seen.setdefault(key, []).extend(messages)
    assert len(seen) >= 6 and sum(len(m) for m in seen.values()) >= len(bad_steps)
    for key, danish in navigator_referral.record_errors_da(seen, "propose").items():
        assert "Ret dette felt." not in danish, (key, seen)
    assert navigator_referral.record_errors_da({"proposals.0.rank": ["?"]}, "propose") == {"propose": "Ret dette felt."}
