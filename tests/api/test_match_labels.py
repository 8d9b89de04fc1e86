"""POST /api/v1/match reads the taxonomy once per request: a relabelled category shows at once."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from api.extensions import get_store
from tests.api.conftest import auth

# No word of it meets an offer's, so every reason names the offer's topics by their labels.
REQUEST = {"interests": "xyzzy plugh", "age": 40, "limit": 5}


def _topic_sentences(client: FlaskClient, app: Flask) -> list[str]:
    res = client.post("/api/v1/match", json=REQUEST, headers=auth(app, "navigator"))
    assert res.status_code == 200, res.json
    return [r for result in res.json["results"] for r in result["reasons"] if "handler om" in r]


def test_a_relabelled_category_is_explained_with_its_new_label_at_once(client: FlaskClient, demo_app: Flask) -> None:
    store = get_store(demo_app)
    before = _topic_sentences(client, demo_app)
    assert before
    labels = store.categories()
    # Every category gets a new label, written as another worker (or the admin page) would:
    # the next match of this worker must use it, with no cache to wait out.
    for code in labels:
        store.add_category(code, f"Nyt emne {code}", actor="tests")
    try:
        after = _topic_sentences(client, demo_app)
        assert after and all("nyt emne" in sentence for sentence in after)
        assert not any(label.lower() in " ".join(after) for label in labels.values() if len(label) > 6)
    finally:
        for code, label in labels.items():
            store.add_category(code, label, actor="tests")
    assert _topic_sentences(client, demo_app) == before


def test_an_unknown_category_is_still_refused(client: FlaskClient, demo_app: Flask) -> None:
    res = client.post("/api/v1/match", json={**REQUEST, "categories": ["ukendt"]}, headers=auth(demo_app, "navigator"))
    assert res.status_code == 422
    assert "categories" in str(res.json)
