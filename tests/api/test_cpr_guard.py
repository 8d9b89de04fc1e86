"""The CPR guard (``catalogue.privacy``) at every entry point of text, over HTTP.

Each request carries a CPR number, spelt one of the ways people write it, in
one field. The answer must be a 422 naming that field, with the value in no
response body and no log line, and the database must hold exactly what it
held before (the access log aside, which must not hold the value either).
"""

from __future__ import annotations

import io
import logging
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from api.extensions import get_store
from catalogue.privacy import CPR_MESSAGE
from migrations.metadata import metadata
from tests.api.conftest import auth
from tests.conftest import make_offer

SERIAL = "4417"  # every CPR number below ends with it; it is nowhere in the demo data's answers

REFERRAL = {"citizen_ref": "lp-9a9a9a", "external_ref": "gp-ref-9a9a", "consent": True}
CSV_HEADER = "id;kind;title;organisation.name;categories;location.town\n"

#: (name, method, path, role, JSON body or CSV text, the field the error must name)
CASES: list[tuple[str, str, str, str, Any, str]] = [
    ("match interests", "POST", "/api/v1/match", "navigator", {"interests": "Ring 070362.4417 om kor"}, "interests"),
    (
        "match town",
        "POST",
        "/api/v1/match",
        "navigator",
        {"interests": "kor", "location": {"town": "070362_4417"}},
        "location.town",
    ),
    (
        "match category",
        "POST",
        "/api/v1/match",
        "navigator",
        {"interests": "kor", "categories": ["sang", "0703624417"]},
        "categories.1",
    ),
    (
        "offer description",
        "POST",
        "/api/v1/offers",
        "volunteer_centre",
        make_offer("cpr-1", description="Spørg efter 070362:4417"),
        "description",
    ),
    (
        "offer contact name",
        "POST",
        "/api/v1/offers",
        "volunteer_centre",
        make_offer("cpr-2", contact={"name": "07.03.62-4417"}),
        "contact.name",
    ),
    (
        "offer id",
        "POST",
        "/api/v1/offers",
        "volunteer_centre",
        make_offer("070362-4417"),
        "id",
    ),
    ("offer patch", "PATCH", "/api/v1/offers/{offer}", "volunteer_centre", {"title": "Kor 070362 4417"}, "title"),
    (
        "organisation name",
        "POST",
        "/api/v1/organisations",
        "volunteer_centre",
        {"name": "Klub 0703624417"},
        "name",
    ),
    (
        "organisation patch",
        "PATCH",
        "/api/v1/organisations/{organisation}",
        "volunteer_centre",
        {"description": "CPR 07 03 62 4417"},
        "description",
    ),
    (
        "json import",
        "POST",
        "/api/v1/offers/import",
        "volunteer_centre",
        {"offers": [make_offer("cpr-3", title="Kor 070362\u20134417")]},
        "offers.1.title",
    ),
    (
        "json import id",
        "POST",
        "/api/v1/offers/import",
        "volunteer_centre",
        {"offers": [make_offer("id-070362-4417")]},
        "offers.1.id",
    ),
    (
        "csv import",
        "POST",
        "/api/v1/offers/import",
        "volunteer_centre",
        CSV_HEADER + "cpr-4;activity;Skak;Klub 070362-4417;spil;Grenaa\n",
        "offers.1.organisation.name",
    ),
    (
        "referral citizen_ref",
        "POST",
        "/api/v1/referrals",
        "referral_system",
        {**REFERRAL, "citizen_ref": "x-0703624417"},
        "citizen_ref",
    ),
    (
        "referral external_ref",
        "POST",
        "/api/v1/referrals",
        "referral_system",
        {**REFERRAL, "external_ref": "ref-070362_4417"},
        "external_ref",
    ),
    (
        "referral gp_practice",
        "POST",
        "/api/v1/referrals",
        "referral_system",
        {**REFERRAL, "gp_practice": "0703624417"},
        "gp_practice",
    ),
    ("referral town", "POST", "/api/v1/referrals", "referral_system", {**REFERRAL, "town": "070362 4417"}, "town"),
    ("api key name", "POST", "/api/v1/apikeys", "admin", {"name": "070362-4417", "role": "navigator"}, "name"),
]


def _dump(app: Flask) -> dict[str, list[Any]]:
    """Every row of every table, the bookkeeping (access log, rate-limit counts, keys' last use) aside."""
    with get_store(app).read() as session:
        return {
            table.name: [
                tuple(row)
                for row in session.execute(select(*(c for c in table.columns if c.name != "last_used_at"))).all()
            ]
            for table in metadata.sorted_tables
            if table.name not in ("access_event", "rate_window")
        }


def _path(client: FlaskClient, app: Flask, template: str) -> str:
    headers = auth(app, "volunteer_centre")
    offer = client.get("/api/v1/offers?per_page=1", headers=headers).json["items"][0]["id"]
    organisation = client.get("/api/v1/organisations?per_page=1", headers=headers).json["items"][0]["id"]
    return template.format(offer=offer, organisation=organisation)


@pytest.mark.parametrize(
    ("method", "template", "role", "body", "field"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_cpr_number_is_refused_and_kept_nowhere(
    client: FlaskClient,
    demo_app: Flask,
    caplog: pytest.LogCaptureFixture,
    method: str,
    template: str,
    role: str,
    body: Any,
    field: str,
) -> None:
    path = _path(client, demo_app, template)
    headers = auth(demo_app, role)
    if method == "PATCH":
        headers["If-Match"] = client.get(path, headers=headers).headers["ETag"]
    before = _dump(demo_app)
    with caplog.at_level(logging.DEBUG):
        if isinstance(body, str):  # a file upload
            data = {"file": (io.BytesIO(body.encode()), "tilbud.csv")}
            res = client.post(path, data=data, headers=headers, content_type="multipart/form-data")
        else:
            res = client.open(path, method=method, json=body, headers=headers)
    assert res.status_code == 422, res.get_data(as_text=True)
    assert res.json["errors"][field] == [CPR_MESSAGE]
    assert SERIAL not in res.get_data(as_text=True)
    assert SERIAL not in caplog.text
    assert "CPR" in caplog.text and field.split(".")[-1] in caplog.text  # the refusal is logged, by field name
    assert _dump(demo_app) == before
    with get_store(demo_app).read() as session:
        access = session.execute(select(metadata.tables["access_event"])).all()
    assert SERIAL not in repr(access)


def test_a_cpr_number_in_a_url_is_not_kept(
    client: FlaskClient, demo_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        res = client.get("/api/v1/referrals/070362-4417/status", headers=auth(demo_app, "navigator"))
    assert res.status_code == 404 and SERIAL not in res.get_data(as_text=True)
    assert SERIAL not in caplog.text and "/api/v1/referrals/(CPR)/status" in caplog.text
    with get_store(demo_app).read() as session:
        assert SERIAL not in repr(session.execute(select(metadata.tables["access_event"])).all())
