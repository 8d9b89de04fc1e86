"""The app on the production configuration: PostgreSQL and Elasticsearch.

CI runs it against the local PostgreSQL and noida-db (or ELASTICSEARCH_URL /
TEST_ELASTICSEARCH_URL); the embedder is the fake one, since this checks the
wiring, not the ranking.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from api import create_app
from api.auth import create_key
from api.cli import main
from api.extensions import get_backend
from tests.conftest import make_offer, temporary_pg_database
from tests.indexer.es_server import delete_indices

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture(scope="module")
def stack_app(
    elasticsearch_url: str, es_index_prefix: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    with temporary_pg_database("fm_stack") as db_url:
        yield from _stack(db_url, elasticsearch_url, es_index_prefix, tmp_path_factory)


def _stack(
    db_url: str, elasticsearch_url: str, es_index_prefix: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    prefix = f"{es_index_prefix}-stack"
    app = create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(tmp_path_factory.mktemp("stack")),
            "DATABASE_URL": db_url,
            "ELASTICSEARCH_URL": elasticsearch_url,
            "ELASTICSEARCH_PREFIX": prefix,
            "EMBEDDING_MODEL": "fake",
            "RATE_MATCH": "1000/1",
            "RATE_WRITE": "1000/1",
        }
    )
    runner = app.test_cli_runner()
    for args in (["db", "upgrade"], ["catalogue", "demo"], ["index", "rebuild"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
    yield app
    app.extensions["store"].close()
    delete_indices(elasticsearch_url, f"{prefix}-*")


def test_ready_match_edit_search(stack_app: Flask) -> None:
    assert get_backend(stack_app).name == "elasticsearch"
    store = stack_app.extensions["store"]
    assert store.dialect == "postgresql"
    client = stack_app.test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.json
    nav = {"Authorization": "Bearer " + create_key(store, name="nav", role="navigator", created_by="t")}
    vc = {"Authorization": "Bearer " + create_key(store, name="vc", role="volunteer_centre", created_by="t")}
    res = client.post(
        "/api/v1/match", json={"interests": "synge i kor", "age": 70, "location": {"town": "Grenaa"}}, headers=nav
    )
    assert res.status_code == 200 and (res.json or {})["results"]
    offer = client.get("/api/v1/offers/demo-0090", headers=vc)
    res = client.patch(
        "/api/v1/offers/demo-0090",
        json={"title": "Petanque-sang i Grenaa"},
        headers={**vc, "If-Match": offer.headers["ETag"]},
    )
    assert res.status_code == 200 and res.headers["X-Index-Status"] == "done"
    assert "demo-0090" in [c.id for c in get_backend(stack_app).lexical_candidates("petanque-sang")]
    stale = client.patch(
        "/api/v1/offers/demo-0090", json={"title": "X"}, headers={**vc, "If-Match": offer.headers["ETag"]}
    )
    assert stale.status_code == 412
    hsds = client.get("/hsds/services?per_page=5")
    assert hsds.status_code == 200 and (hsds.json or {})["total_items"] > 100


def test_a_fresh_stack_prepares_itself_on_first_use(
    elasticsearch_url: str, es_index_prefix: str, tmp_path: Path
) -> None:
    """No `db upgrade`, no `index rebuild`: the first request migrates PostgreSQL and builds
    the empty Elasticsearch index, and the first offer written over the API is searchable."""
    prefix = f"{es_index_prefix}-fresh"
    with temporary_pg_database("fm_fresh") as db_url:
        app = create_app(
            {
                "TESTING": True,
                "DATA_DIR": str(tmp_path),
                "DATABASE_URL": db_url,
                "ELASTICSEARCH_URL": elasticsearch_url,
                "ELASTICSEARCH_PREFIX": prefix,
                "EMBEDDING_MODEL": "fake",
            }
        )
        try:
            client = app.test_client()
            ready = client.get("/readyz")
            assert ready.status_code == 200, ready.json
            assert (ready.json or {})["checks"]["search"] == "ok (elasticsearch, 0 documents)"
            store = app.extensions["store"]
            vc = {"Authorization": "Bearer " + create_key(store, name="vc", role="volunteer_centre", created_by="t")}
            res = client.post("/api/v1/offers", json=make_offer("fresh-1"), headers=vc)
            assert res.status_code == 201 and res.headers["X-Index-Status"] == "done"
            assert [c.id for c in get_backend(app).lexical_candidates("seniorkor")] == ["fresh-1"]
        finally:
            app.extensions["store"].close()
            delete_indices(elasticsearch_url, f"{prefix}-*")
