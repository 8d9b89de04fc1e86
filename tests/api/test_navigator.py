"""The navigator's Danish web page, through the test client."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from catalogue.privacy import CPR_MESSAGE
from tests.api.pages import csrf, sign_in


def login(client: FlaskClient, key: str) -> int:
    return sign_in(client, key)


def test_needs_login_and_the_right_role(client: FlaskClient, demo_app: Flask) -> None:
    assert client.get("/navigator/").status_code == 302
    assert login(client, "fm_wrong-key-000000000000000") == 401
    assert login(client, demo_app.config["KEYS"]["volunteer_centre"]) == 302  # one sign-in page for every role
    assert client.get("/navigator/").status_code == 403  # but this page is not the volunteer centre's
    assert login(client, demo_app.config["KEYS"]["navigator"]) == 302
    page = client.get("/navigator/").get_data(as_text=True)
    assert "Find fællesskaber sammen med borgeren" in page and "Bruger kørestol" in page
    assert demo_app.config["KEYS"]["navigator"] not in page  # the key never goes into the page


def test_search_shows_explained_results(client: FlaskClient, demo_app: Flask) -> None:
    login(client, demo_app.config["KEYS"]["navigator"])
    token = csrf(client.get("/navigator/").get_data(as_text=True))
    res = client.post(
        "/navigator/",
        data={
            "csrf": token,
            "interests": "Vil gerne synge i kor og drikke kaffe bagefter",
            "age": "74",
            "place": "Grenaa",
            "max_distance_km": "15",
            "language": "da",
            "barriers": ["wheelchair_user", "low_income"],
        },
    )
    html = res.get_data(as_text=True)
    assert res.status_code == 200 and 'id="results"' in html
    assert "forslag" in html and "Kørestolsegnet" in html  # the wheelchair accommodation is shown
    assert 'value="wheelchair_user" checked' in html  # the form keeps what was entered


def test_barriers_in_the_text_are_suggested_in_danish(client: FlaskClient, demo_app: Flask) -> None:
    login(client, demo_app.config["KEYS"]["navigator"])
    token = csrf(client.get("/navigator/").get_data(as_text=True))
    data = {"csrf": token, "interests": "Vil gerne synge. Har ingen bil.", "place": "Grenaa", "language": "da"}
    html = client.post("/navigator/", data=data).get_data(as_text=True)
    assert 'id="suggested-barriers"' in html and "Har ikke bil (noten siger: “Har ingen bil”)" in html
    assert 'value="no_car" checked' not in html  # suggested, never ticked for the navigator
    html = client.post("/navigator/", data={**data, "barriers": ["no_car"]}).get_data(as_text=True)
    assert 'id="suggested-barriers"' not in html
    html = client.post("/navigator/", data={**data, "interests": " ... "}).get_data(as_text=True)
    assert "Skriv mindst et ord – kun mellemrum og tegn siger ingenting." in html


def test_errors_are_shown_in_danish_next_to_the_field(client: FlaskClient, demo_app: Flask) -> None:
    login(client, demo_app.config["KEYS"]["navigator"])
    token = csrf(client.get("/navigator/").get_data(as_text=True))
    res = client.post(
        "/navigator/", data={"csrf": token, "interests": "x", "age": "7", "place": "Atlantis", "language": "da"}
    )
    html = res.get_data(as_text=True)
    assert res.status_code == 422
    assert "Skriv mindst et par ord" in html and "Alder skal være mellem 16 og 120." in html
    assert "Kender ikke den by" in html


def test_a_village_known_by_name_only_asks_for_the_postcode_in_danish(client: FlaskClient, demo_app: Flask) -> None:
    login(client, demo_app.config["KEYS"]["navigator"])
    page = client.get("/navigator/").get_data(as_text=True)
    assert (
        '<option value="Grenaa">' in page and '<option value="Homå">' not in page
    )  # the list offers towns with a point
    res = client.post(
        "/navigator/", data={"csrf": csrf(page), "interests": "Vil gerne synge", "place": "Homå", "language": "da"}
    )
    assert res.status_code == 422
    assert "Landsbyen kendes, men ikke hvor den ligger: skriv borgerens postnummer i stedet." in res.get_data(
        as_text=True
    )


@pytest.mark.parametrize("age", ["²", "7²", "9" * 40])
def test_an_age_not_written_with_digits_is_a_danish_field_error(client: FlaskClient, demo_app: Flask, age: str) -> None:
    """ "²" passes ``str.isdigit`` but is no int: the page crashed (500) before the schema could say so."""
    login(client, demo_app.config["KEYS"]["navigator"])
    token = csrf(client.get("/navigator/").get_data(as_text=True))
    res = client.post("/navigator/", data={"csrf": token, "interests": "Vil gerne synge i kor", "age": age})
    assert res.status_code == 422
    assert re.search(r"Skal være et helt tal\.|Alder skal være mellem 16 og 120\.", res.get_data(as_text=True))


def test_forms_need_the_csrf_token(client: FlaskClient, demo_app: Flask) -> None:
    login(client, demo_app.config["KEYS"]["navigator"])
    res = client.post("/navigator/", data={"interests": "sang"})
    assert res.status_code == 400
    token = csrf(client.get("/navigator/").get_data(as_text=True))
    assert client.post("/log-ud", data={"csrf": token}).status_code == 302
    assert client.get("/navigator/").status_code == 302


def test_a_cpr_number_is_refused_and_not_shown_again(client: FlaskClient, demo_app: Flask) -> None:
    login(client, demo_app.config["KEYS"]["navigator"])
    token = csrf(client.get("/navigator/").get_data(as_text=True))
    res = client.post(
        "/navigator/",
        data={"csrf": token, "interests": "Borgeren 070362-4417 vil synge", "place": "Grenaa", "language": "da"},
    )
    html = res.get_data(as_text=True)
    assert res.status_code == 422 and CPR_MESSAGE in html
    assert "4417" not in html and 'value="Grenaa"' in html  # only the field with the number is emptied
