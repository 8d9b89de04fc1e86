"""The volunteer centre's pages (/frivillig/) through the test client: roles, lists, forms,
conflicts, capacity, volunteer counts, review list, import and escaping."""

from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api.extensions import get_store
from capacity.volunteers import list_reports
from catalogue.fileformats import write_any
from tests.api.pages import csrf, sign_in
from tests.conftest import make_offer


@pytest.fixture
def coordinator(client: FlaskClient, demo_app: Flask) -> FlaskClient:
    assert sign_in(client, demo_app.config["KEYS"]["volunteer_centre"]) == 302
    return client


def _token(client: FlaskClient, url: str = "/frivillig/") -> str:
    return csrf(client.get(url).get_data(as_text=True))


def _offer(demo_app: Flask, offer_id: str, **overrides: object) -> dict[str, object]:
    store = get_store(demo_app)
    report = store.import_offers([make_offer(offer_id, **overrides)], actor="test")
    assert report.committed, report.summary()
    return dict(store.get_offer(offer_id))


PAGES = [
    "/frivillig/",
    "/frivillig/foreninger",
    "/frivillig/kontrol",
    "/frivillig/import",
    "/frivillig/tilbud/ny",
    "/frivillig/foreninger/ny",
    "/frivillig/tilbud/demo-0001",
    "/frivillig/tilbud/demo-0001/ret",
]


def test_signed_out_goes_to_sign_in(client: FlaskClient) -> None:
    for url in PAGES:
        res = client.get(url)
        assert res.status_code == 302 and "/log-ind" in res.location


@pytest.mark.parametrize("role", ["navigator", "referral_system"])
def test_other_roles_get_403(client: FlaskClient, demo_app: Flask, role: str) -> None:
    assert sign_in(client, demo_app.config["KEYS"][role]) == 302
    for url in [*PAGES, "/frivillig/rapport"]:
        assert client.get(url).status_code == 403, url  # the API lets navigators read offers, never write
    token = csrf(client.get("/").get_data(as_text=True))
    res = client.post("/frivillig/tilbud/demo-0001/kontrolleret", data={"csrf": token, "version": "1"})
    assert res.status_code == 403


@pytest.mark.parametrize("role", ["volunteer_centre", "admin"])
def test_every_page_opens_for_the_centre_and_admins(client: FlaskClient, demo_app: Flask, role: str) -> None:
    assert sign_in(client, demo_app.config["KEYS"][role]) == 302
    for url in PAGES:
        res = client.get(url)
        assert res.status_code == 200, url
        assert res.headers["Cache-Control"] == "no-store"
        assert demo_app.config["KEYS"][role] not in res.get_data(as_text=True)


def test_post_without_csrf_token_is_refused(coordinator: FlaskClient) -> None:
    assert coordinator.post("/frivillig/tilbud/demo-0001/kontrolleret", data={"version": "1"}).status_code == 400


def test_list_filters_and_pages(coordinator: FlaskClient, demo_app: Flask) -> None:
    _offer(demo_app, "vol-list-1", title="Strikkecafé Ørsted", location={"postcode": "8950", "town": "Ørsted"})
    html = coordinator.get("/frivillig/?q=strikkecaf").get_data(as_text=True)
    assert "Strikkecafé Ørsted" in html
    html = coordinator.get("/frivillig/?by=Ørsted&q=strikke").get_data(as_text=True)
    assert "Strikkecafé Ørsted" in html
    html = coordinator.get("/frivillig/?by=Grenaa&q=Strikkecafé Ø").get_data(as_text=True)
    assert "Strikkecafé Ørsted" not in html and "Ingen tilbud passer" in html
    total = get_store(demo_app).counts()["offers"]
    html = coordinator.get("/frivillig/?side=2").get_data(as_text=True)
    assert f"Side 2 af {-(-total // 25)} ({total} i alt)" in html
    assert coordinator.get("/frivillig/?status=nonsense").status_code == 422


def test_review_list_is_oldest_first_and_quotes_the_matcher(coordinator: FlaskClient, demo_app: Flask) -> None:
    old = (date.today() - timedelta(days=800)).isoformat()
    older = (date.today() - timedelta(days=900)).isoformat()
    _offer(demo_app, "vol-rev-a", title="Revisionstest A", last_verified=old)
    _offer(demo_app, "vol-rev-b", title="Revisionstest B", last_verified=older)
    recent = _offer(demo_app, "vol-rev-c", title="Revisionstest C", last_verified=date.today().isoformat())
    items, _ = get_store(demo_app).list_offers(
        verified_before=date.today() - timedelta(days=364), oldest_verified_first=True, status="active"
    )
    dated = [o["last_verified"] for o in items if o["last_verified"] is not None]
    assert dated == sorted(dated) and recent["id"] not in [o["id"] for o in items]
    html = coordinator.get("/frivillig/kontrol?side=1").get_data(as_text=True)
    assert "op til 15 % lavere efter 24 måneder" in html and "mere end\n6 måneder" in html
    assert "omkring 5 % lavere" in html  # 0.15 * (12 - 6) / (24 - 6)


def test_mark_as_verified_sets_today(coordinator: FlaskClient, demo_app: Flask) -> None:
    offer = _offer(demo_app, "vol-verify", last_verified="2020-01-01")
    res = coordinator.post(
        "/frivillig/tilbud/vol-verify/kontrolleret", data={"csrf": _token(coordinator), "version": offer["version"]}
    )
    assert res.status_code == 302
    assert get_store(demo_app).get_offer("vol-verify")["last_verified"] == date.today()
    stale = coordinator.post(
        "/frivillig/tilbud/vol-verify/kontrolleret", data={"csrf": _token(coordinator), "version": offer["version"]}
    )
    assert stale.status_code == 409  # the version moved on: nothing is written blindly


def _edit_data(client: FlaskClient, url: str) -> dict[str, object]:
    """The edit form's fields as the browser would send them."""
    html = client.get(url).get_data(as_text=True)
    data: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input[^>]*?name="([^"]+)"[^>]*?value="([^"]*)"', html):
        tag = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*value="{re.escape(value)}"[^>]*>', html)
        if tag and 'type="checkbox"' in tag.group(0) and "checked" not in tag.group(0):
            continue
        data.setdefault(name, []).append(value.replace("&#34;", '"').replace("&amp;", "&"))
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = [body]
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', options)
        data[name] = [chosen.group(1) if chosen else ""]
    return {k: v if len(v) > 1 else v[0] for k, v in data.items()}


def test_edit_saves_changed_fields_with_a_danish_schedule(coordinator: FlaskClient, demo_app: Flask) -> None:
    _offer(demo_app, "vol-edit")
    data = _edit_data(coordinator, "/frivillig/tilbud/vol-edit/ret")
    data.update(
        {
            "schedule": "første tirsdag i måneden 19-21",
            "cost.options.0.amount": "25,50",
            "cost.options.0.per": "gang",
            "cost.options.0.text": "kaffe",
        }
    )
    res = coordinator.post("/frivillig/tilbud/vol-edit/ret", data=data)
    assert res.status_code == 302, res.get_data(as_text=True)[:2000]
    offer = get_store(demo_app).get_offer("vol-edit")
    assert offer["schedule"]["slots"] == [{"weekday": 2, "start": "19:00", "end": "21:00", "freq": "MONTHLY", "nth": 1}]
    assert offer["cost"]["options"] == [{"amount": 25.5, "currency": "DKK", "per": "gang", "text": "kaffe"}]
    assert offer["title"] == "Seniorkor i Grenaa" and offer["version"] == 2


def test_validation_messages_are_danish_next_to_the_field(coordinator: FlaskClient, demo_app: Flask) -> None:
    _offer(demo_app, "vol-bad")
    data = _edit_data(coordinator, "/frivillig/tilbud/vol-bad/ret")
    data.update({"schedule": "når det passer os", "age_min": "tres", "location.postcode": "12", "contact.email": "x"})
    res = coordinator.post("/frivillig/tilbud/vol-bad/ret", data=data)
    html = res.get_data(as_text=True)
    assert res.status_code == 422
    # The schema's Danish age reader names the text and shows what works (catalogue.danish).
    assert re.search(r'id="err-age_min">Alderen &#39;tres&#39; kan ikke læses\. Skriv en alder i hele år, fx 60', html)
    assert re.search(r'aria-describedby="err-age_min"', html)
    assert re.search(r'id="err-location-postcode">Et postnummer har 4 cifre\.</p>', html)
    assert 'id="err-schedule">' in html and "når det passer os" in html  # the parser's Danish message and the text
    assert get_store(demo_app).get_offer("vol-bad")["version"] == 1  # nothing half-written


def test_edit_conflict_shows_both_versions_and_saves_the_choice(coordinator: FlaskClient, demo_app: Flask) -> None:
    _offer(demo_app, "vol-conflict", description="Første tekst")
    data = _edit_data(coordinator, "/frivillig/tilbud/vol-conflict/ret")
    store = get_store(demo_app)
    store.update_offer("vol-conflict", {"title": "Deres titel", "waitlist": 4}, expected_version=1, actor="a colleague")
    data.update({"title": "Min titel", "description": "Min beskrivelse"})
    res = coordinator.post("/frivillig/tilbud/vol-conflict/ret", data=data)
    html = res.get_data(as_text=True)
    assert res.status_code == 409 and "Nogen gemte før dig" in html
    assert "Min titel" in html and "Deres titel" in html and 'name="choose.title"' in html
    assert 'name="choose.description"' not in html  # only I changed it: no choice needed
    assert store.get_offer("vol-conflict")["title"] == "Deres titel"  # nothing overwritten
    resolved = _edit_data_from(html)
    resolved["choose.title"] = "theirs"
    assert coordinator.post("/frivillig/tilbud/vol-conflict/ret", data=resolved).status_code == 302
    offer = store.get_offer("vol-conflict")
    assert (offer["title"], offer["description"], offer["waitlist"]) == ("Deres titel", "Min beskrivelse", 4)


def _edit_data_from(html: str) -> dict[str, object]:
    data: dict[str, list[str]] = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if not name or not value or (('type="checkbox"' in tag or 'type="radio"' in tag) and "checked" not in tag):
            continue
        data.setdefault(name.group(1), []).append(value.group(1).replace("&#34;", '"').replace("&amp;", "&"))
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = [body]
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', options)
        data[name] = [chosen.group(1) if chosen else ""]
    return {k: v if len(v) > 1 else v[0] for k, v in data.items()}


def test_create_offer_and_organisation(coordinator: FlaskClient, demo_app: Flask) -> None:
    token = _token(coordinator)
    res = coordinator.post(
        "/frivillig/foreninger/ny",
        data={"csrf": token, "name": "Gåklubben Glesborg", "type": "association", "cvr": "1234"},
    )
    assert res.status_code == 422 and "Et CVR-nummer har præcis 8 cifre." in res.get_data(as_text=True)
    res = coordinator.post(
        "/frivillig/foreninger/ny", data={"csrf": token, "name": "Gåklubben Glesborg", "type": "association"}
    )
    assert res.status_code == 302
    org_id = res.location.split("/foreninger/")[1].split("?")[0]
    form = {
        "csrf": token,
        "organisation": org_id,
        "title": "Gåtur ved stranden",
        "kind": "activity",
        "categories": ["motion"],
        "location.town": "Glesborg",
        "schedule": "hver anden onsdag 14-16",
        "status": "active",
        "languages": "da",
    }
    res = coordinator.post("/frivillig/tilbud/ny", data={**form, "organisation": ""})
    assert res.status_code == 422 and "Vælg foreningen bag tilbuddet." in res.get_data(as_text=True)
    res = coordinator.post("/frivillig/tilbud/ny", data=form)
    assert res.status_code == 302, res.get_data(as_text=True)[:3000]
    offer = get_store(demo_app).get_offer(res.location.split("/tilbud/")[1].split("?")[0])
    assert offer["organisation"]["id"] == org_id and offer["schedule"]["slots"][0]["interval"] == 2


def test_capacity_quick_update_and_conflict(coordinator: FlaskClient, demo_app: Flask) -> None:
    offer = _offer(demo_app, "vol-cap")
    token = _token(coordinator)
    url = "/frivillig/tilbud/vol-cap/kapacitet"
    data = {"csrf": token, "version": offer["version"], "places_total": "30", "places_available": "0", "waitlist": "7"}
    assert coordinator.post(url, data={**data, "waitlist": "mange"}).status_code == 422
    assert coordinator.post(url, data=data).status_code == 302
    saved = get_store(demo_app).get_offer("vol-cap")
    assert (saved["places_available"], saved["waitlist"]) == (0, 7)
    again = coordinator.post(url, data={**data, "waitlist": "9"})  # the old version
    assert again.status_code == 409 and get_store(demo_app).get_offer("vol-cap")["waitlist"] == 7


def test_volunteer_counts_are_dated_reports(coordinator: FlaskClient, demo_app: Flask) -> None:
    org = get_store(demo_app).create_organisation({"name": "Besøgsvennerne"}, actor="test")
    url = f"/frivillig/foreninger/{org['id']}/frivillige"
    token = _token(coordinator)
    day = date.today().isoformat()
    bad = coordinator.post(url, data={"csrf": token, "reported_on": "i går", "volunteers": "-1", "companions": "2"})
    assert bad.status_code == 422 and "Skriv datoen som ÅÅÅÅ-MM-DD." in bad.get_data(as_text=True)
    res = coordinator.post(url, data={"csrf": token, "reported_on": day, "volunteers": "12", "companions": "3"})
    assert res.status_code == 302
    reports = list_reports(get_store(demo_app), org["id"])
    assert [(r["volunteers"], r["companions"], r["reported_on"]) for r in reports] == [(12, 3, date.today())]
    assert "12 frivillige og 3 ledsagere" in coordinator.get(f"/frivillig/foreninger/{org['id']}").get_data(
        as_text=True
    )


@pytest.mark.parametrize("side", ["²", "١", "-3", "9" * 30, "1000001"])
def test_an_unreadable_page_number_shows_the_first_page(coordinator: FlaskClient, side: str) -> None:
    """``str.isdigit`` takes "²" (no int) and a huge number overflowed the database's offset: both were 500s."""
    for url in ("/frivillig/", "/frivillig/foreninger", "/frivillig/kontrol"):
        res = coordinator.get(url, query_string={"side": side})
        assert res.status_code == 200, url


@pytest.mark.parametrize("number", ["²", "١٢", "½"])
def test_numbers_not_written_with_digits_0_9_are_danish_field_errors(
    coordinator: FlaskClient, demo_app: Flask, number: str
) -> None:
    offer = _offer(demo_app, "vol-digits")
    org = get_store(demo_app).create_organisation({"name": f"Cifferforeningen {number}"}, actor="test")
    token = _token(coordinator)
    data = {"csrf": token, "version": offer["version"], "places_total": number}
    res = coordinator.post("/frivillig/tilbud/vol-digits/kapacitet", data=data)
    assert res.status_code == 422 and "Skal være et helt tal (0 eller mere)." in res.get_data(as_text=True)
    counts = {"csrf": token, "reported_on": date.today().isoformat(), "volunteers": number, "companions": "1"}
    res = coordinator.post(f"/frivillig/foreninger/{org['id']}/frivillige", data=counts)
    assert res.status_code == 422 and "Skal være et helt tal (0 eller mere)." in res.get_data(as_text=True)
    assert list_reports(get_store(demo_app), org["id"]) == []
    assert get_store(demo_app).get_offer("vol-digits")["version"] == offer["version"]


@pytest.mark.parametrize("version", [None, "", "²", "abc", "9" * 30])
def test_a_form_without_a_readable_version_writes_nothing(
    coordinator: FlaskClient, demo_app: Flask, version: str | None
) -> None:
    """Without the version the store would not check for a newer one: the page refuses (400), never overwrites."""
    offer = _offer(demo_app, "vol-noversion", places_total=30, waitlist=2)
    token = _token(coordinator)
    extra = {} if version is None else {"version": version}
    for path, fields in (
        ("kontrolleret", {}),
        ("kapacitet", {"places_total": "31", "places_available": "1", "waitlist": "0"}),
        ("ret", _edit_data(coordinator, "/frivillig/tilbud/vol-noversion/ret") | {"title": "Overskrevet"}),
    ):
        data = {**fields, **extra, "csrf": token}
        if version is None:
            data.pop("version", None)
        res = coordinator.post(f"/frivillig/tilbud/vol-noversion/{path}", data=data)
        assert res.status_code == 400, path
        assert "Formularen mangler versionen." in res.get_data(as_text=True)
    after = get_store(demo_app).get_offer("vol-noversion")
    assert (after["version"], after["waitlist"], after["title"]) == (offer["version"], 2, offer["title"])


CSV_HEADER = "id,kind,title,organisation.name,categories,location.town,schedule,status\n"


def test_import_dry_run_lists_bad_rows_in_danish_then_imports(coordinator: FlaskClient, demo_app: Flask) -> None:
    csv = (
        CSV_HEADER
        + "imp-ok,activity,Brætspil i Auning,Spilleklubben,spil,Auning,hver torsdag 19-22,active\n"
        + "imp-bad,activity,,Spilleklubben,spil,Auning,hver torsdag 19-22,active\n"
        + "imp-bad2,activity,Skak,Spilleklubben,spil,Auning,når vi har lyst,active\n"
    )
    token = _token(coordinator, "/frivillig/import")
    res = coordinator.post(
        "/frivillig/import",
        data={"csrf": token, "format": "", "step": "check", "file": (io.BytesIO(csv.encode()), "spil.csv")},
        content_type="multipart/form-data",
    )
    html = res.get_data(as_text=True)
    assert res.status_code == 422 and "intet er gemt" in html
    assert "2 poster med fejl" in html and "imp-bad" in html and "Skal udfyldes." in html
    store = get_store(demo_app)
    assert store.list_offers(text="Brætspil i Auning")[1] == 0  # a dry run writes nothing
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))
    assert form["step"] == "import" and form["skip_invalid"] == "on"
    res = coordinator.post("/frivillig/import", data=form)
    assert res.status_code == 200 and "er importeret" in res.get_data(as_text=True)
    assert store.get_offer("imp-ok")["title"] == "Brætspil i Auning"


def test_an_unreadable_file_is_a_field_error(coordinator: FlaskClient) -> None:
    token = _token(coordinator, "/frivillig/import")
    res = coordinator.post(
        "/frivillig/import",
        data={"csrf": token, "format": "json", "step": "check", "file": (io.BytesIO(b"{nope"), "x.json")},
        content_type="multipart/form-data",
    )
    assert res.status_code == 422 and "Filen kan ikke læses" in res.get_data(as_text=True)


PAYLOAD = '<script>alert(1)</script>" onmouseover="alert(2)'


def test_typed_and_imported_text_renders_as_text(coordinator: FlaskClient, demo_app: Flask) -> None:
    _offer(demo_app, "vol-xss", title=PAYLOAD, description=PAYLOAD)
    for url in ("/frivillig/tilbud/vol-xss", "/frivillig/tilbud/vol-xss/ret", "/frivillig/?q=alert"):
        html = coordinator.get(url).get_data(as_text=True)
        assert "<script>alert(1)" not in html and '" onmouseover="alert(2)' not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_capacity_and_gap_report_opens_for_the_centre(coordinator: FlaskClient) -> None:
    res = coordinator.get("/frivillig/rapport")
    assert res.status_code == 200 and "<html" in res.get_data(as_text=True).lower()


def test_a_cpr_number_is_refused_and_not_shown_again(coordinator: FlaskClient, demo_app: Flask) -> None:
    _offer(demo_app, "vol-cpr")
    data = _edit_data(coordinator, "/frivillig/tilbud/vol-cpr/ret")
    data["description"] = "Ring til Hans, 010203-1234"
    res = coordinator.post("/frivillig/tilbud/vol-cpr/ret", data=data)
    html = res.get_data(as_text=True)
    assert res.status_code == 422 and "010203-1234" not in html
    assert get_store(demo_app).get_offer("vol-cpr")["description"] != data["description"]


def test_an_imported_payload_in_the_error_report_is_text(coordinator: FlaskClient) -> None:
    csv = CSV_HEADER + '"<script>alert(1)</script>",activity,,X,spil,Auning,hver torsdag 19-22,active\n'
    res = coordinator.post(
        "/frivillig/import",
        data={
            "csrf": _token(coordinator),
            "format": "csv",
            "step": "check",
            "file": (io.BytesIO(csv.encode()), "x.csv"),
        },
        content_type="multipart/form-data",
    )
    html = res.get_data(as_text=True)
    assert res.status_code == 422 and "<script>alert(1)" not in html


def test_an_hsds_page_shows_the_readers_warning_then_imports(coordinator: FlaskClient, demo_app: Flask) -> None:
    store = get_store(demo_app)
    _offer(demo_app, "vol-hsds", title="HSDS-koret")
    out = io.StringIO()
    write_any([store.get_offer("vol-hsds")], "hsds", out, categories=store.categories())
    services = json.loads(out.getvalue())
    services = services if isinstance(services, list) else services.get("contents", [services])
    page = {"contents": services, "total_pages": 2, "page_number": 1, "total_items": 2}
    res = coordinator.post(
        "/frivillig/import",
        data={
            "csrf": _token(coordinator),
            "format": "hsds",
            "step": "check",
            "file": (io.BytesIO(json.dumps(page).encode()), "side1.json"),
        },
        content_type="multipart/form-data",
    )
    html = res.get_data(as_text=True)
    assert res.status_code == 200 and "Advarsler fra indlæsningen" in html
    assert "Side 1 af 2: kun tilbuddene på denne side er læst" in html  # the reader's warning, in Danish
    assert "0 poster med fejl" in html and "0 tilbud ville blive opdateret, 1 uændrede" in html  # same offer
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))
    assert form["step"] == "import" and "skip_invalid" not in form
    assert coordinator.post("/frivillig/import", data=form).status_code == 200
