"""The volunteer centre's pages and target groups (målgruppe) and age limits, and the folded search:
the list filters by target group, the offer form shows and edits target groups and ages with Danish
messages next to the fields, and an edit conflict offers the target groups side by side."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api.extensions import get_store
from catalogue.rows import slugify
from tests.api.pages import sign_in
from tests.api.test_volunteer import _edit_data, _edit_data_from, _offer


@pytest.fixture
def coordinator(client: FlaskClient, demo_app: Flask) -> FlaskClient:
    assert sign_in(client, demo_app.config["KEYS"]["volunteer_centre"]) == 302
    return client


def _listed(client: FlaskClient, query: str) -> list[str]:
    """The ids of the offers the list page shows for ``query``."""
    res = client.get(f"/frivillig/?{query}")
    assert res.status_code == 200, res.get_data(as_text=True)[:2000]
    return re.findall(r'<td><a href="/frivillig/tilbud/([^"/?]+)">', res.get_data(as_text=True))


def test_the_list_filters_by_target_group(coordinator: FlaskClient, demo_app: Flask) -> None:
    _offer(demo_app, "aud-seniors", title="Målgruppetest dans", audience=["seniors"])
    _offer(demo_app, "aud-dementia", title="Målgruppetest café", audience=["relatives", "condition:dementia"])
    _offer(demo_app, "aud-all", title="Målgruppetest spisning", audience=[])
    assert sorted(_listed(coordinator, "q=målgruppetest")) == ["aud-all", "aud-dementia", "aud-seniors"]
    assert _listed(coordinator, "q=målgruppetest&malgruppe=seniors") == ["aud-seniors"]
    assert _listed(coordinator, "q=målgruppetest&malgruppe=condition:dementia") == ["aud-dementia"]
    assert _listed(coordinator, "q=målgruppetest&malgruppe=people_with_condition") == ["aud-dementia"]
    assert _listed(coordinator, "q=målgruppetest&malgruppe=alle") == ["aud-all"]
    assert _listed(coordinator, "q=målgruppetest&malgruppe=men") == []
    html = coordinator.get("/frivillig/?q=målgruppetest&malgruppe=relatives").get_data(as_text=True)
    assert '<option value="relatives" selected>Pårørende</option>' in html
    assert "<td>Demens, Mennesker med en sygdom, Pårørende</td>" in html  # the Danish labels
    assert "<td>Alle</td>" not in html  # the offer for everyone is filtered out


def test_an_unknown_target_group_in_the_filter_is_a_422_next_to_the_field(coordinator: FlaskClient) -> None:
    res = coordinator.get("/frivillig/?malgruppe=aliens")
    html = res.get_data(as_text=True)
    assert res.status_code == 422
    assert re.search(r'id="err-malgruppe">Vælg en af mulighederne\.</p>\s*<select id="f-malgruppe"', html)


def test_a_refused_filter_keeps_the_others_as_sent(coordinator: FlaskClient) -> None:
    """Fixing one filter must not cost the others: the town list was empty on a 422, so the town was lost."""
    res = coordinator.get("/frivillig/?malgruppe=aliens&by=Grenaa&kontrolleret=12&q=kor")
    html = res.get_data(as_text=True)
    assert res.status_code == 422
    assert '<option value="Grenaa" selected>Grenaa</option>' in html
    assert '<option value="12" selected>Ikke i 12 måneder</option>' in html and 'value="kor"' in html


@pytest.mark.parametrize("months", ["13", "abc", "²"])
def test_an_unknown_verified_age_is_a_422_next_to_the_field(coordinator: FlaskClient, months: str) -> None:
    """It was ignored silently (every offer listed as if no filter were set), unlike the other filters."""
    res = coordinator.get("/frivillig/", query_string={"kontrolleret": months})
    assert res.status_code == 422
    assert re.search(r'id="err-kontrolleret">Vælg en af mulighederne\.</p>', res.get_data(as_text=True))


def test_the_list_columns_and_the_offer_page_show_target_group_and_ages(
    coordinator: FlaskClient, demo_app: Flask
) -> None:
    _offer(demo_app, "aud-show", title="Målgruppevisning", audience=["bereaved"], age_min=18, age_max=30)
    html = coordinator.get("/frivillig/?q=målgruppevisning").get_data(as_text=True)
    assert "<td>Efterladte</td>" in html
    html = coordinator.get("/frivillig/tilbud/aud-show").get_data(as_text=True)
    assert "<dt>Målgruppe</dt><dd>Efterladte</dd>" in html and "<dt>Alder</dt><dd>18–30 år</dd>" in html


@pytest.mark.parametrize(
    ("title", "query"),
    [
        ("Æblehave-lauget plukker", "ÆBLEHAVE"),  # SQLite's lower() left Æ as it was
        ("Gåtur rundt om ørum sø", "Ørum sø"),
        ("Grenaa Roklubs motionsroning", "grenå roklub"),  # å and aa are one letter
        ("Kaffe på Café Søndagsro", "cafe søndagsro"),  # an accent is not a different letter
    ],
)
def test_search_folds_danish_letters(coordinator: FlaskClient, demo_app: Flask, title: str, query: str) -> None:
    offer_id = "fold-" + slugify(title)
    _offer(demo_app, offer_id, title=title)
    assert offer_id in _listed(coordinator, f"q={query}")


def test_organisations_are_searched_folded(coordinator: FlaskClient, demo_app: Flask) -> None:
    get_store(demo_app).create_organisation({"name": "Ældresagen Ørsted-Fold"}, actor="test")
    html = coordinator.get("/frivillig/foreninger?q=ÆLDRESAGEN ØRSTED fold").get_data(as_text=True)
    assert "Ældresagen Ørsted-Fold" in html


def test_the_form_shows_and_saves_target_groups_and_ages(coordinator: FlaskClient, demo_app: Flask) -> None:
    _offer(demo_app, "aud-edit", audience=["seniors"], age_min=60)
    html = coordinator.get("/frivillig/tilbud/aud-edit/ret").get_data(as_text=True)
    assert '<input type="checkbox" name="audience" value="seniors" checked> Seniorer</label>' in html
    assert '<input type="checkbox" name="audience" value="condition:dementia"> Demens</label>' in html
    assert '<fieldset aria-describedby="hint-audience"><legend>Målgruppe (hvem tilbuddet er for)</legend>' in html
    data = _edit_data(coordinator, "/frivillig/tilbud/aud-edit/ret")
    data.update({"audience": ["relatives", "condition:dementia"], "age_min": "", "age_max": "80"})
    res = coordinator.post("/frivillig/tilbud/aud-edit/ret", data=data)
    assert res.status_code == 302, res.get_data(as_text=True)[:2000]
    offer = get_store(demo_app).get_offer("aud-edit")
    assert offer["audience"] == ["condition:dementia", "people_with_condition", "relatives"]
    assert (offer["age_min"], offer["age_max"], offer["version"]) == (None, 80, 2)
    data = _edit_data(coordinator, "/frivillig/tilbud/aud-edit/ret")
    del data["audience"]  # every box unticked: for everyone
    assert coordinator.post("/frivillig/tilbud/aud-edit/ret", data=data).status_code == 302
    assert get_store(demo_app).get_offer("aud-edit")["audience"] == []


def test_a_new_offer_gets_its_target_groups(coordinator: FlaskClient, demo_app: Flask) -> None:
    org = get_store(demo_app).create_organisation({"name": "Målgruppeforeningen"}, actor="test")
    html = coordinator.get(f"/frivillig/tilbud/ny?forening={org['id']}").get_data(as_text=True)
    token = re.search(r'name="csrf" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    form = {
        "csrf": token,
        "organisation": org["id"],
        "title": "Mandehørm",
        "kind": "activity",
        "categories": ["motion"],
        "audience": ["men", "seniors"],
        "age_min": "65",
        "location.town": "Auning",
        "schedule": "hver torsdag 10-12",
        "status": "active",
        "languages": "da",
    }
    res = coordinator.post("/frivillig/tilbud/ny", data=form)
    assert res.status_code == 302, res.get_data(as_text=True)[:3000]
    offer = get_store(demo_app).get_offer(res.location.split("/tilbud/")[1].split("?")[0])
    assert (offer["audience"], offer["age_min"]) == (["men", "seniors"], 65)


def test_bad_target_groups_and_ages_get_danish_messages_next_to_the_fields(
    coordinator: FlaskClient, demo_app: Flask
) -> None:
    _offer(demo_app, "aud-bad", audience=["seniors"])
    data = _edit_data(coordinator, "/frivillig/tilbud/aud-bad/ret")
    data.update({"audience": ["seniors", "martians"], "age_min": "70", "age_max": "60"})
    res = coordinator.post("/frivillig/tilbud/aud-bad/ret", data=data)
    html = res.get_data(as_text=True)
    assert res.status_code == 422
    assert re.search(r'id="err-audience">Ukendt målgruppe: martians\. Vælg blandt mulighederne\.</p>', html)
    assert 'aria-describedby="hint-audience err-audience"' in html
    assert re.search(r'id="err-age_max">Til-alderen er lavere end fra-alderen\.</p>', html)
    assert get_store(demo_app).get_offer("aud-bad")["version"] == 1  # nothing half-written


def test_an_edit_conflict_on_target_groups_is_chosen_side_by_side(coordinator: FlaskClient, demo_app: Flask) -> None:
    _offer(demo_app, "aud-conflict", audience=["seniors"])
    data = _edit_data(coordinator, "/frivillig/tilbud/aud-conflict/ret")
    store = get_store(demo_app)
    store.update_offer("aud-conflict", {"audience": ["relatives"]}, expected_version=1, actor="a colleague")
    data["audience"] = ["seniors", "men"]
    res = coordinator.post("/frivillig/tilbud/aud-conflict/ret", data=data)
    html = res.get_data(as_text=True)
    assert res.status_code == 409 and 'name="choose.audience"' in html
    assert "<legend>Målgruppe</legend>" in html
    assert "<strong>Din version:</strong> Seniorer, Mænd</label>" in html  # Danish labels, not codes
    assert "<strong>Den gemte version:</strong> Pårørende</label>" in html
    assert store.get_offer("aud-conflict")["audience"] == ["relatives"]  # nothing overwritten
    resolved = _edit_data_from(html)
    resolved["choose.audience"] = "theirs"
    assert coordinator.post("/frivillig/tilbud/aud-conflict/ret", data=resolved).status_code == 302
    assert store.get_offer("aud-conflict")["audience"] == ["relatives"]
    assert store.get_offer("aud-conflict")["version"] == 2  # their version was kept, not rewritten


def test_choosing_mine_in_a_target_group_conflict_saves_mine(coordinator: FlaskClient, demo_app: Flask) -> None:
    _offer(demo_app, "aud-mine", audience=["seniors"])
    data = _edit_data(coordinator, "/frivillig/tilbud/aud-mine/ret")
    store = get_store(demo_app)
    store.update_offer("aud-mine", {"audience": ["women"]}, expected_version=1, actor="a colleague")
    data["audience"] = ["men"]
    html = coordinator.post("/frivillig/tilbud/aud-mine/ret", data=data).get_data(as_text=True)
    resolved = _edit_data_from(html)
    assert resolved["choose.audience"] == "mine"
    assert coordinator.post("/frivillig/tilbud/aud-mine/ret", data=resolved).status_code == 302
    assert store.get_offer("aud-mine")["audience"] == ["men"]


def test_added_target_group_labels_render_as_text_in_every_place_they_appear(
    coordinator: FlaskClient, demo_app: Flask
) -> None:
    """An added label and a title may hold quotes (a label refuses only < and >): in the filter, the form,
    the conflict view and the review list's button label (an attribute) they stay text."""
    store = get_store(demo_app)
    store.add_audience("quotegroup", 'Citat" autofocus onfocus="alert(1)', actor="test")
    store.add_audience("condition:quotecond", "Citat' onfocus='alert(2)", actor="test")
    title = 'Citat" onmouseover="alert(3)'
    _offer(demo_app, "aud-quote", title=title, audience=["quotegroup"], last_verified=None)
    pages = ["/frivillig/?malgruppe=quotegroup", "/frivillig/tilbud/aud-quote", "/frivillig/tilbud/aud-quote/ret"]
    review = coordinator.get("/frivillig/kontrol").get_data(as_text=True)
    assert 'aria-label="Markér Citat&#34; onmouseover=&#34;alert(3) som kontrolleret"' in review  # an attribute
    htmls = [coordinator.get(url).get_data(as_text=True) for url in pages]
    data = _edit_data(coordinator, "/frivillig/tilbud/aud-quote/ret")
    store.update_offer("aud-quote", {"audience": ["seniors"]}, expected_version=None, actor="someone-else")
    conflict = coordinator.post("/frivillig/tilbud/aud-quote/ret", data={**data, "audience": ["condition:quotecond"]})
    assert conflict.status_code == 409
    htmls.append(conflict.get_data(as_text=True))
    for url, html in zip([*pages, "conflict"], htmls, strict=True):
        assert not re.search(r"""["'] (autofocus|onfocus|onmouseover)=""", html), url
    assert "Citat&#34; autofocus onfocus=&#34;alert(1)" in htmls[0]
    assert "Citat&#39; onfocus=&#39;alert(2)" in htmls[3]
