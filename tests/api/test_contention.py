"""Concurrent writers and readers on one SQLite file, through a real threaded server.

The issue's probe: with 4 clients reading, 57% of non-conflicting referral
PATCHes answered 500 ("database is locked"). Here 8 writers, each moving its
own referrals on, race 4 readers (offers, referrals, the HSDS feed), every
request keyed, so every one also writes bookkeeping (access log, key last use).
Every answer must be the one expected: 0 errors, and no write lost.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from flask import Flask
from werkzeug.serving import make_server

import migrations
from api import create_app
from api.auth import create_key
from api.extensions import get_store
from tests.conftest import make_offer
from tests.test_deploy import free_port, gunicorn, gunicorn_env

WRITERS, READERS, REFERRALS_EACH, ROUNDS = 8, 4, 2, 6
#: This test is about the lock itself (every write gets it: no 500, no lost update), not the
#: deadline on waiting for it (``tests/api/test_write_deadline.py``). On an idle machine the slowest
#: PATCH here waited about 1 s; on a loaded CI machine it may pass the default 3 s, so the deadline
#: is the store's own 15 s wait, as before the deadline existed.
WRITE_LOCK_S = 15


@pytest.fixture(params=["werkzeug-threaded", "gunicorn-3-workers"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Flask]]:
    app = create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(tmp_path),
            "EMBEDDING_MODEL": "fake",
            "RATE_WRITE": "100000/1",
            "RATE_MATCH": "100000/1",
            "WRITE_LOCK_S": WRITE_LOCK_S,
        }
    )
    store = get_store(app)
    migrations.upgrade(store)
    store.import_offers([make_offer(f"o-{i}") for i in range(5)], actor="t")
    app.extensions["indexer"].rebuild()
    app.extensions["startup"]["done"] = True
    keys = {}
    for i in range(WRITERS):
        keys[f"nav-{i}"] = create_key(store, name=f"nav-{i}", role="navigator", created_by="t")
    keys["gp"] = create_key(store, name="gp", role="referral_system", created_by="t")
    app.config["KEYS"] = keys
    if request.param.startswith("gunicorn"):
        store.close()
        env = gunicorn_env(
            tmp_path,
            GUNICORN_BIND=f"127.0.0.1:{free_port()}",
            GUNICORN_WORKERS="3",
            GUNICORN_THREADS="4",
            FAELLESSKAB_RATE_WRITE="100000/1",
            FAELLESSKAB_WRITE_LOCK_S=str(WRITE_LOCK_S),
            FAELLESSKAB_LOG_LEVEL="WARNING",
        )
        with gunicorn(env, tmp_path / "stderr.log", ready="/readyz") as base:
            yield base, app
        return
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{http.server_port}", app
    finally:
        http.shutdown()
        thread.join(5)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_concurrent_patches_and_reads_on_sqlite_all_succeed(server: tuple[str, Flask]) -> None:
    base, app = server
    keys = app.config["KEYS"]
    owned: dict[int, list[str]] = {}
    for w in range(WRITERS):
        owned[w] = []
        for r in range(REFERRALS_EACH):
            body = {"citizen_ref": f"lp-{w}x{r}", "external_ref": f"gp-{w}-{r}", "consent": True}
            res = requests.post(f"{base}/api/v1/referrals", json=body, headers=bearer(keys["gp"]), timeout=30)
            assert res.status_code == 201, res.text
            owned[w].append(res.json()["id"])
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    stop = threading.Event()

    def note(status: int) -> None:
        with lock:
            statuses[status] += 1

    def writer(w: int) -> list[str]:
        problems = []
        with requests.Session() as http:
            http.headers.update(bearer(keys[f"nav-{w}"]))
            for round_ in range(ROUNDS):
                for rid in owned[w]:
                    body = {"wellbeing": {"baseline": {"date": "2026-11-20", "who5": round_ + 1}}}
                    res = http.patch(
                        f"{base}/api/v1/referrals/{rid}", json=body, headers={"If-Match": f'"{round_ + 1}"'}, timeout=60
                    )
                    note(res.status_code)
                    if res.status_code != 200:
                        problems.append(f"PATCH {rid} round {round_}: {res.status_code} {res.text[:200]}")
        return problems

    def reader(r: int) -> list[str]:
        problems = []
        paths = ["/api/v1/offers", f"/api/v1/referrals/{owned[r][0]}", "/api/v1/offers/o-1", "/hsds/services"]
        with requests.Session() as http:
            http.headers.update(bearer(keys[f"nav-{r}"]))
            i = 0
            while not stop.is_set():
                res = http.get(base + paths[i % len(paths)], timeout=60)
                note(res.status_code)
                if res.status_code != 200:
                    problems.append(f"GET {paths[i % len(paths)]}: {res.status_code} {res.text[:200]}")
                i += 1
        return problems

    with ThreadPoolExecutor(WRITERS + READERS) as pool:
        readers = [pool.submit(reader, r) for r in range(READERS)]
        writers = [pool.submit(writer, w) for w in range(WRITERS)]
        problems = [p for f in writers for p in f.result()]
        stop.set()
        problems += [p for f in readers for p in f.result()]
    print(f"answers by status: {dict(statuses)}")
    assert not problems, f"{len(problems)} of {sum(statuses.values())} requests failed: {problems[:5]}"
    for w in range(WRITERS):  # no write lost: each referral is at its last version
        for rid in owned[w]:
            res = requests.get(f"{base}/api/v1/referrals/{rid}", headers=bearer(keys[f"nav-{w}"]), timeout=30)
            assert res.json()["wellbeing"]["baseline"]["who5"] == ROUNDS
