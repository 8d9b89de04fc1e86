"""A hung Elasticsearch: health and catalogue reads unharmed, a match 503 within the deadline.

The issue's probe: ``/readyz``, a match and a PATCH each took 90.1 s, a plain
offer read 197 s and ``/healthz`` 100 s. The node here is a real socket that
accepts connections and never answers.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

import migrations
from api import create_app
from api.auth import create_key
from api.extensions import get_store
from tests.conftest import make_offer
from tests.indexer.faulty_proxy import FaultyProxy

TIMEOUT = 0.5


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    hung = FaultyProxy(None, mode="hung")
    app = create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(tmp_path),
            "EMBEDDING_MODEL": "fake",
            "ELASTICSEARCH_URL": hung.url,
            "ELASTICSEARCH_TIMEOUT_S": TIMEOUT,
            "RATE_MATCH": "1000/1",
            "RATE_WRITE": "1000/1",
        }
    )
    store = get_store(app)
    migrations.upgrade(store)
    store.import_offers([make_offer("a")], actor="t")
    app.extensions["startup"]["done"] = True
    for role in ("navigator", "volunteer_centre"):
        app.config[role] = {"Authorization": "Bearer " + create_key(store, name=role, role=role, created_by="t")}
    yield app
    app.extensions["indexer"].stop_retrying()
    hung.close()


def timed(call: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    res = call()
    return time.perf_counter() - t0, res


def test_a_hung_node_stalls_nothing_but_search(app: Flask) -> None:
    client, nav = app.test_client(), app.config["navigator"]
    match = {"interests": "strikning"}
    with ThreadPoolExecutor(8) as pool:  # 8 matches waiting on the node meanwhile
        waiting = [pool.submit(client.post, "/api/v1/match", json=match, headers=nav) for _ in range(8)]
        seconds, res = timed(lambda: client.get("/healthz"))
        assert res.status_code == 200 and seconds < 0.5, seconds
        seconds, res = timed(lambda: client.get("/api/v1/offers/a", headers=nav))
        assert res.status_code == 200 and seconds < 1, seconds
        answers = [f.result(timeout=10) for f in waiting]
    assert [r.status_code for r in answers] == [503] * 8
    assert "Elasticsearch" in answers[0].json["message"]
    # The breaker is open now: everything that needs the node answers at once.
    seconds, res = timed(lambda: client.post("/api/v1/match", json=match, headers=nav))
    assert res.status_code == 503 and seconds < 0.3, seconds
    seconds, res = timed(lambda: client.get("/readyz"))
    assert res.status_code == 503 and res.json["checks"]["search"].startswith("unavailable") and seconds < 1, seconds
    vc = {**app.config["volunteer_centre"], "If-Match": '"1"'}
    seconds, res = timed(lambda: client.patch("/api/v1/offers/a", json={"title": "Strikkecafé"}, headers=vc))
    assert res.status_code == 200 and res.headers["X-Index-Status"] == "deferred" and seconds < 1, seconds
    assert app.extensions["indexer"].deferred == {"a"}


def test_the_first_match_on_a_hung_node_answers_503_within_the_deadline(app: Flask) -> None:
    seconds, res = timed(
        lambda: app.test_client().post(
            "/api/v1/match", json={"interests": "strikning"}, headers=app.config["navigator"]
        )
    )
    assert res.status_code == 503 and seconds < TIMEOUT * 2 + 0.5, seconds
