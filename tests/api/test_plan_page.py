"""The citizen's plan and escaping on the navigator's pages (through the test client)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api.extensions import get_indexer, get_store
from catalogue.privacy import CPR_MESSAGE
from tests.api.pages import csrf, sign_in
from tests.conftest import make_offer

SCRIPT_TITLE = "<script>alert('x')</script> Kor for alle"
ATTR_TITLE = '" onmouseover="alert(1)" data-x=" Strikkeklub'


@pytest.fixture(scope="module")
def nav(demo_app: Flask) -> Iterator[FlaskClient]:
    store = get_store(demo_app)
    hostile = [
        make_offer("evil-script", title=SCRIPT_TITLE, description="Vi synger kor <img src=x onerror=alert(2)>."),
        make_offer(
            "evil-attr",
            title=ATTR_TITLE,
            description="Strik og hækling i hyggeligt selskab.",
            categories=["kreativ"],
            contact={
                "name": '"><script>alert(3)</script>',
                "email": "strik@klub.example",
                "phone": None,
                "website": None,
            },
        ),
    ]
    assert store.import_offers(hostile, actor="tests").committed
    get_indexer(demo_app).index_offers(["evil-script", "evil-attr"])
    client = demo_app.test_client()
    assert sign_in(client, demo_app.config["KEYS"]["navigator"]) == 302
    yield client


def _search(client: FlaskClient, interests: str) -> str:
    token = csrf(client.get("/navigator/").get_data(as_text=True))
    data = {
        "csrf": token,
        "interests": interests,
        "place": "Grenaa",
        "max_distance_km": "30",
        "language": "da",
        "limit": "20",
    }
    res = client.post("/navigator/", data=data)
    assert res.status_code == 200 and res.headers["Cache-Control"] == "no-store"
    return res.get_data(as_text=True)


def _plan(client: FlaskClient, ids: list[str], note: str = "") -> tuple[int, str]:
    token = csrf(client.get("/navigator/").get_data(as_text=True))
    res = client.post("/navigator/plan", data={"csrf": token, "offer": ids, "note": note})
    assert res.headers["Cache-Control"] == "no-store"
    return res.status_code, res.get_data(as_text=True)


def test_results_can_be_picked_for_the_plan(nav: FlaskClient) -> None:
    html = _search(nav, "Vil gerne synge i kor")
    picks = re.findall(r'<input type="checkbox" name="offer" value="([^"]+)" form="plan-form"', html)
    assert len(picks) == html.count('<article class="result">') > 0
    assert 'id="plan-form"' in html and 'for="note"' in html


def test_the_plan_holds_what_where_when_price_contact_companion_and_the_way(nav: FlaskClient, demo_app: Flask) -> None:
    offers = get_store(demo_app).get_offers(["evil-script"])
    assert offers
    status, html = _plan(nav, ["evil-script"], note="Husk kaffe")
    assert status == 200
    item = re.search(r'<article class="card plan-item" id="plan-1">(.*?)</article>', html, re.S).group(1)  # type: ignore[union-attr]
    terms = re.findall(r"<dt>([^<]+)</dt>", item)
    assert terms == ["Hvad", "Hvor", "Hvornår", "Pris", "Kontakt", "Ledsager", "Sådan kommer du derhen"]
    assert "Torvet 1, 8500 Grenaa" in item
    assert "Hver tirsdag formiddag (kl. 10.00–12.00)" in item and "Næste gang: tirsdag" in item
    assert "150 kr. pr. år" in item
    assert "Husk kaffe" in html and 'id="plan-note"' in html
    assert "Spørg foreningen, om du må tage en ledsager med." in item


def test_several_offers_keep_their_order_and_unknown_ones_are_left_out(nav: FlaskClient) -> None:
    status, html = _plan(nav, ["evil-attr", "no-such-offer", "evil-script"])
    assert status == 200
    assert html.count('class="card plan-item"') == 2
    assert html.index("Strikkeklub") < html.index("Kor for alle")


def test_an_empty_plan_and_a_cpr_number_are_refused(nav: FlaskClient) -> None:
    status, html = _plan(nav, [])
    assert status == 422 and "Vælg mindst ét forslag til planen." in html
    status, html = _plan(nav, ["evil-script"], note="Borger 070362-4417")
    assert status == 422 and CPR_MESSAGE in html and "4417" not in html


def test_offer_text_is_escaped_in_the_results(nav: FlaskClient) -> None:
    html = _search(nav, "kor synge strik hækling strikkeklub")
    assert "Kor for alle" in html and "Strikkeklub" in html
    _assert_inert(html)


def test_offer_text_is_escaped_in_the_plan(nav: FlaskClient) -> None:
    status, html = _plan(nav, ["evil-script", "evil-attr"])
    assert status == 200
    _assert_inert(html)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Kor for alle" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "&#34; onmouseover=&#34;alert(1)&#34;" in html


def _assert_inert(html: str) -> None:
    assert "<script>alert" not in html and "<img src=x" not in html
    assert ' onmouseover="alert(1)"' not in html and "onerror=alert(2)>" not in html.replace("&gt;", "")
    assert not re.search(r"<[a-z][^>]*\son[a-z]+=", html)  # no element carries an event handler
