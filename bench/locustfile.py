"""The load mix for ``bench_load.py``: what a busy health centre and a volunteer centre send.

Run by ``bench_load.py`` (headless, bounded in time, 127.0.0.1 only); it can also be run by
hand against a local instance::

    BENCH_NAVIGATOR_KEY=fm_… BENCH_VOLUNTEER_KEY=fm_… \\
      .venv/bin/locust -f bench/locustfile.py --headless -u 8 -r 8 -t 30s --host http://127.0.0.1:8000

The mix (issue 15): 80 % matches (the vignettes' texts with their barriers, ages and towns),
15 % offer reads, 5 % capacity updates (read the version, then ``PUT …/capacity`` with
``If-Match``; a 412 from a concurrent update is retried once with the new version and is not
an error). Every other status except 429 and 503 counts as an error; 429 and 503 are counted
apart as "shed" (``bench_load.py`` reports them), because shedding is the intended answer
under overload.

``BENCH_TIMEOUT`` (seconds, default 30) is the client's timeout: a request that takes longer is
a failure, as it would be for a navigator who gives up.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task

REPO = Path(__file__).resolve().parents[1]
VIGNETTES = json.loads((REPO / "matcher" / "data" / "vignettes.json").read_text(encoding="utf-8"))["vignettes"]
OFFER_IDS = [
    offer["id"]
    for offer in json.loads((REPO / "catalogue" / "data" / "demo_catalogue.json").read_text(encoding="utf-8"))["offers"]
]
SHED = {"429": 0, "503": 0}
#: How long each shed answer (429 or 503) took, in ms: shedding must be quick, not only happen.
SHED_MS: list[float] = []


@events.request.add_listener
def _count_shed(response: Any = None, response_time: float | None = None, **_: Any) -> None:
    status = getattr(response, "status_code", None)
    if status in (429, 503):
        SHED[str(status)] += 1
        if response_time is not None:
            SHED_MS.append(float(response_time))


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


@events.quitting.add_listener
def _write_shed(environment: Any, **_: Any) -> None:
    out = os.environ.get("BENCH_SHED_OUT")
    if out:
        latency = {"p50": _quantile(SHED_MS, 0.5), "p95": _quantile(SHED_MS, 0.95), "max": _quantile(SHED_MS, 1.0)}
        Path(out).write_text(json.dumps({**SHED, "latency_ms": latency}), encoding="utf-8")


class Navigator(HttpUser):
    """One navigator's or coordinator's client; tasks weighted 16 : 3 : 1 = 80 % : 15 % : 5 %."""

    wait_time = between(0.05, 0.2)
    #: Passed to every request: HttpUser (requests) has no default timeout of its own.
    timeout = float(os.environ.get("BENCH_TIMEOUT", "30"))

    def on_start(self) -> None:
        self.navigator = {"Authorization": f"Bearer {os.environ['BENCH_NAVIGATOR_KEY']}"}
        self.volunteer = {"Authorization": f"Bearer {os.environ['BENCH_VOLUNTEER_KEY']}"}
        self.rng = random.Random()

    def _ok(self, response: Any, *allowed: int) -> None:
        if response.status_code in (200, 201, *allowed):
            response.success()
        elif response.status_code in (429, 503):
            response.failure(f"shed {response.status_code}")
        elif not response.status_code:  # no answer at all: the client's timeout or a refused connection
            response.failure(f"no answer (timeout or connection error): {response.error!r}")
        else:
            response.failure(f"{response.status_code}: {response.text[:200]}")

    @task(16)
    def match(self) -> None:
        vignette = self.rng.choice(VIGNETTES)
        with self.client.post(
            "/api/v1/match",
            json=vignette["request"],
            headers=self.navigator,
            name="match",
            catch_response=True,
            timeout=self.timeout,
        ) as response:
            self._ok(response)

    @task(3)
    def read_offer(self) -> None:
        offer_id = self.rng.choice(OFFER_IDS)
        with self.client.get(
            f"/api/v1/offers/{offer_id}",
            headers=self.navigator,
            name="offer read",
            catch_response=True,
            timeout=self.timeout,
        ) as response:
            self._ok(response)

    @task(1)
    def update_capacity(self) -> None:
        offer_id = self.rng.choice(OFFER_IDS)
        for _ in range(2):
            current = self.client.get(
                f"/api/v1/offers/{offer_id}", headers=self.volunteer, name="capacity: read", timeout=self.timeout
            )
            if current.status_code != 200:
                return
            total = current.json().get("places_total")
            # Free places never above the total (the store refuses that with 422, rightly).
            free = self.rng.randint(0, total if total is not None else 20)
            body = {"places_available": free, "waitlist": 0 if free else self.rng.randint(0, 5)}
            headers = {**self.volunteer, "If-Match": current.headers["ETag"]}
            with self.client.put(
                f"/api/v1/offers/{offer_id}/capacity",
                json=body,
                headers=headers,
                name="capacity update",
                catch_response=True,
                timeout=self.timeout,
            ) as response:
                if response.status_code == 412:
                    response.success()  # someone else updated it first: read again
                    continue
                self._ok(response)
                return
