"""The per-key rate limit is counted in the store, so it holds across workers.

The issue's probe: 107 of 200 burst requests got 429, but each gunicorn
worker kept its own buckets, so N workers allowed N times the limit.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sqlalchemy import text
from werkzeug.exceptions import TooManyRequests

import migrations
from api.auth import Throttle
from catalogue.store import Store
from tests.api.conftest import gunicorn_store
from tests.conftest import make_offer
from tests.test_deploy import free_port, gunicorn, gunicorn_env


def test_a_fixed_window_per_key_and_kind(store: Store) -> None:
    migrations.upgrade(store)
    with store.write() as session:
        session.execute(text("DELETE FROM rate_window"))
    now = [1000.0]
    throttle = Throttle(store, {"match": (3, 60.0), "write": (1, 60.0)}, clock=lambda: now[0])
    for _ in range(3):
        throttle.hit("nav", "match")
    with pytest.raises(TooManyRequests) as refused:
        throttle.hit("nav", "match")
    assert refused.value.retry_after == 20  # the window 960-1020 ends in 20 s
    throttle.hit("other", "match")  # another key counts apart
    throttle.hit("nav", "write")  # and another kind
    now[0] = 1020.0  # the next window
    throttle.hit("nav", "match")


def test_a_store_that_cannot_count_lets_the_request_through(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'none.sqlite'}")  # no tables: every count fails
    Throttle(store, {"match": (1, 60.0)}).hit("nav", "match")
    Throttle(store, {"match": (1, 60.0)}).hit("nav", "match")


def test_the_limit_holds_across_gunicorn_workers(tmp_path: Path) -> None:
    key = gunicorn_store(tmp_path, [make_offer("a")])
    env = gunicorn_env(
        tmp_path,
        GUNICORN_BIND=f"127.0.0.1:{free_port()}",
        GUNICORN_WORKERS="2",
        GUNICORN_THREADS="4",
        FAELLESSKAB_RATE_MATCH="6/600",
    )
    err = tmp_path / "stderr.log"
    with gunicorn(env, err, ready="/readyz") as base:

        def match(_: int) -> int:
            # A new connection each time, so the kernel hands them to either worker.
            res = requests.post(
                f"{base}/api/v1/match",
                json={"interests": "strikning"},
                headers={"Authorization": f"Bearer {key}", "Connection": "close"},
                timeout=30,
            )
            return res.status_code

        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(match, range(40)))
    served_by = set(re.findall(r"\[(\d+)\] faellesskab\.access: POST /api/v1/match", err.read_text()))
    assert len(served_by) == 2, "both workers must have answered, or the test proves nothing"
    assert sorted(codes) == [200] * 6 + [429] * 34, codes
