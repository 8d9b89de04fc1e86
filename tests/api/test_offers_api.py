"""The volunteer centre's offers and organisations API."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

import migrations
from api import create_app
from api.auth import create_key
from api.extensions import get_backend, get_store
from tests.conftest import make_offer


@pytest.fixture
def small_app(tmp_path: Path) -> Flask:
    app = create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(tmp_path),
            "EMBEDDING_MODEL": "fake",
            "RATE_WRITE": "1000/1",
            "RATE_MATCH": "1000/1",
        }
    )
    store = get_store(app)
    migrations.upgrade(store)
    store.import_offers(
        [make_offer("a"), make_offer("b", title="Gåtur i Auning", location={"town": "Auning"})], actor="t"
    )
    app.extensions["indexer"].rebuild()
    app.config["VC"] = {
        "Authorization": "Bearer " + create_key(store, name="vc", role="volunteer_centre", created_by="t")
    }
    app.config["NAV"] = {"Authorization": "Bearer " + create_key(store, name="nav", role="navigator", created_by="t")}
    return app


@pytest.fixture
def c(small_app: Flask) -> FlaskClient:
    return small_app.test_client()


def test_read_has_etag_and_304(c: FlaskClient, small_app: Flask) -> None:
    res = c.get("/api/v1/offers/a", headers=small_app.config["NAV"])
    assert res.status_code == 200 and res.headers["ETag"] == '"1"' and res.json["version"] == 1
    again = c.get("/api/v1/offers/a", headers={**small_app.config["NAV"], "If-None-Match": '"1"'})
    assert again.status_code == 304
    missing = c.get("/api/v1/offers/zzz", headers=small_app.config["NAV"])
    assert missing.status_code == 404 and missing.json["code"] == "not_found"


def test_list_filters_and_pages(c: FlaskClient, small_app: Flask) -> None:
    res = c.get("/api/v1/offers?town=Auning&per_page=1", headers=small_app.config["NAV"])
    assert res.json["total"] == 1 and res.json["items"][0]["id"] == "b" and res.json["pages"] == 1
    bad = c.get("/api/v1/offers?per_page=1000&kind=course", headers=small_app.config["NAV"])
    assert bad.status_code == 422 and {"per_page", "kind"} <= set(bad.json["errors"])


def test_patch_needs_if_match_and_refuses_stale(c: FlaskClient, small_app: Flask) -> None:
    vc = small_app.config["VC"]
    assert c.patch("/api/v1/offers/a", json={"title": "X"}, headers=vc).status_code == 428
    ok = c.patch("/api/v1/offers/a", json={"title": "Seniorkoret synger"}, headers={**vc, "If-Match": '"1"'})
    assert ok.status_code == 200 and ok.headers["ETag"] == '"2"' and ok.json["title"] == "Seniorkoret synger"
    stale = c.patch("/api/v1/offers/a", json={"title": "Gammel"}, headers={**vc, "If-Match": '"1"'})
    assert stale.status_code == 412 and stale.json["code"] == "precondition_failed"
    assert stale.json["current"]["title"] == "Seniorkoret synger" and stale.headers["ETag"] == '"2"'
    bad = c.patch(
        "/api/v1/offers/a", json={"places_available": 999, "categories": ["yoga"]}, headers={**vc, "If-Match": '"2"'}
    )
    assert bad.status_code == 422 and {"places_available", "categories"} <= set(bad.json["errors"])
    assert c.get("/api/v1/offers/a", headers=vc).json["version"] == 2


def test_concurrent_conflicting_edits_one_wins_one_412(small_app: Flask) -> None:
    vc = small_app.config["VC"]
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def edit(places: int) -> None:
        client = small_app.test_client()
        barrier.wait()
        res = client.patch("/api/v1/offers/a", json={"places_available": places}, headers={**vc, "If-Match": '"1"'})
        codes.append(res.status_code)

    threads = [threading.Thread(target=edit, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200, 412]
    history = small_app.test_client().get("/api/v1/offers/a/history", headers=vc).json["events"]
    assert [e["action"] for e in history] == ["create", "update"]


def test_a_change_is_searchable_at_once(c: FlaskClient, small_app: Flask) -> None:
    res = c.patch(
        "/api/v1/offers/b", json={"title": "Petanque i byparken"}, headers={**small_app.config["VC"], "If-Match": '"1"'}
    )
    assert res.headers["X-Index-Status"] == "done"
    assert [x.id for x in get_backend(small_app).lexical_candidates("petanque")] == ["b"]


def test_audience_is_read_as_labels_shown_as_codes_and_refused_by_name(c: FlaskClient, small_app: Flask) -> None:
    vc = small_app.config["VC"]
    body = make_offer("aud-1", audience=["Pårørende", "Demens"])
    res = c.post("/api/v1/offers", json=body, headers=vc)
    assert res.status_code == 201, res.json
    assert res.json["audience"] == ["condition:dementia", "people_with_condition", "relatives"]
    assert c.get("/api/v1/offers/a", headers=small_app.config["NAV"]).json["audience"] == []  # for everyone
    bad = c.post("/api/v1/offers", json=make_offer("aud-2", audience=["seniors", "marsboere"]), headers=vc)
    assert bad.status_code == 422 and "audience" in bad.json["errors"], bad.json
    assert "marsboere" in str(bad.json["errors"]["audience"])


def test_create_retire_capacity_history(c: FlaskClient, small_app: Flask) -> None:
    vc = small_app.config["VC"]
    body = make_offer("new-1", organisation={"name": "Ny Forening", "type": "association"})
    res = c.post("/api/v1/offers", json=body, headers=vc)
    assert res.status_code == 201 and res.headers["Location"] == "/api/v1/offers/new-1"
    assert c.post("/api/v1/offers", json=body, headers=vc).status_code == 422  # the id exists
    cap = c.put(
        "/api/v1/offers/new-1/capacity", json={"places_available": 0, "waitlist": 3}, headers={**vc, "If-Match": '"1"'}
    )
    assert cap.status_code == 200 and cap.json["waitlist"] == 3
    assert (
        c.put("/api/v1/offers/new-1/capacity", json={"title": "x"}, headers={**vc, "If-Match": '"2"'}).status_code
        == 422
    )
    retired = c.post("/api/v1/offers/new-1/retire", headers={**vc, "If-Match": '"2"'})
    assert retired.status_code == 200 and retired.json["status"] == "ended"
    events = c.get("/api/v1/offers/new-1/history", headers=vc).json["events"]
    assert [e["action"] for e in events] == ["create", "update", "retire"]
    assert all(e["actor"] == "key:vc" for e in events)


def test_bulk_import_json_and_csv(c: FlaskClient, small_app: Flask) -> None:
    vc = small_app.config["VC"]
    bad = c.post("/api/v1/offers/import", json={"offers": [make_offer("i1"), make_offer("i2", title="")]}, headers=vc)
    assert bad.status_code == 422 and bad.json["code"] == "unprocessable_entity"
    assert list(bad.json["errors"]) == ["offers.2.title"]
    assert bad.json["report"]["committed"] is False and bad.json["report"]["rejected"][0]["errors"]["title"]
    assert c.get("/api/v1/offers/i1", headers=vc).status_code == 404
    csv_text = "id;kind;title;organisation.name;categories;location.town;schedule\nc1;activity;Skak;Skakklubben;spil;Grenaa;onsdag 19-21\n"
    res = c.post(
        "/api/v1/offers/import",
        data={"file": (io.BytesIO(csv_text.encode()), "tilbud.csv")},
        headers=vc,
        content_type="multipart/form-data",
    )
    assert res.status_code == 200 and res.json["created"] == 1 and res.json["index"] == "done"
    dry = c.post(
        "/api/v1/offers/import?dry_run=true",
        data=json.dumps({"offers": [make_offer("d1")]}),
        content_type="application/json",
        headers=vc,
    )
    assert (
        dry.status_code == 200
        and dry.json["created"] == 1
        and c.get("/api/v1/offers/d1", headers=vc).status_code == 404
    )


def test_organisations(c: FlaskClient, small_app: Flask) -> None:
    vc = small_app.config["VC"]
    res = c.post("/api/v1/organisations", json={"name": "Auning Skakklub", "type": "association"}, headers=vc)
    assert res.status_code == 201 and res.json["id"] == "org-auning-skakklub"
    assert c.post("/api/v1/organisations", json={"name": "X", "type": "club"}, headers=vc).json["errors"]["type"]
    res = c.patch(
        "/api/v1/organisations/org-test-kor", json={"name": "Djurslands Sangfugle"}, headers={**vc, "If-Match": '"1"'}
    )
    assert res.status_code == 200 and res.headers["X-Index-Status"] == "done" and res.headers["ETag"] == '"2"'
    assert {x.id for x in get_backend(small_app).lexical_candidates("sangfugle")} == {"a", "b"}
    assert c.get("/api/v1/organisations?per_page=10", headers=vc).json["total"] == 2


def test_a_long_list_of_rejections_ends_in_a_count(
    c: FlaskClient, small_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("catalogue.importer.MAX_REJECTIONS_LISTED", 2)
    offers = {"offers": [make_offer(f"o{n}", title="") for n in range(5)]}
    for query in ("?dry_run=true", ""):
        res = c.post(f"/api/v1/offers/import{query}", json=offers, headers=small_app.config["VC"])
        assert res.status_code == 422
        assert res.json["report"]["rejected_total"] == 5 and len(res.json["report"]["rejected"]) == 2
        assert list(res.json["errors"]) == ["offers.1.title", "offers.2.title"]
        assert res.json["message"].startswith("5 of 5 records are invalid")


def test_refused_category_extensions_are_named_in_the_errors(c: FlaskClient, small_app: Flask) -> None:
    body = {"offers": [make_offer("n1", categories=["strik"])], "categories": {"strik": "<i>Strik</i>"}}
    for query in ("?dry_run=true", ""):
        res = c.post(f"/api/v1/offers/import{query}", json=body, headers=small_app.config["VC"])
        assert res.status_code == 422
        assert res.json["errors"]["categories.strik.label_da"] == ["Must not contain < or > (no markup)."]
        assert res.json["errors"]["offers.1.categories"][0].startswith("Unknown category: strik")


def test_non_text_and_huge_numbers_get_422_naming_the_field(c: FlaskClient, small_app: Flask) -> None:
    vc, nav = small_app.config["VC"], small_app.config["NAV"]
    res = c.get("/api/v1/offers?town=Gren%00aa", headers=nav)
    assert res.status_code == 422 and list(res.json["errors"]) == ["town"]
    res = c.get(f"/api/v1/offers?page={2**63}", headers=nav)
    assert res.status_code == 422 and list(res.json["errors"]) == ["page"]
    res = c.post("/api/v1/offers", json=make_offer("z", title="\ud800"), headers=vc)
    assert res.status_code == 422 and list(res.json["errors"]) == ["title"]
    body = {"offers": [make_offer("z", waitlist=2**31)]}
    for query in ("?dry_run=true", ""):
        res = c.post(f"/api/v1/offers/import{query}", json=body, headers=vc)
        assert res.status_code == 422 and list(res.json["errors"]) == ["offers.1.waitlist"]
