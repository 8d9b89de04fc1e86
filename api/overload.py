"""Load shedding: a bounded number of matches in flight per worker, and no
match computed for a client that has already hung up.

A match costs a model call and two searches (tens to hundreds of ms of CPU);
a catalogue read costs a millisecond. Without a bound, a burst of matches
takes every worker thread, reads queue behind them, and clients give up
while the server still computes their answers. So each worker runs at most
``MATCH_CONCURRENCY`` matches at once, and at most ``MATCH_WAITING`` more wait
for a slot, each for at most ``MATCH_QUEUE_S`` seconds; then it gets 503 with
``Retry-After``, and the threads stay free for everything else.

A match beyond those two bounds is refused first thing (``before_request``),
before its key is looked up, counted against the rate limit or its body
parsed (the API's ``POST /api/v1/match`` and the navigator page's search,
:data:`BOUNDED_ENDPOINTS`; a page gets the refusal as a Danish error page): under overload most requests are refused, and a refusal that wrote to
the store (the rate-limit count is an SQLite write, serialised across
workers) would itself queue, and the clients would time out waiting for their
503 (``tests/api/test_overload.py``: one gunicorn worker, 64 clients, 1 s
matches; with 16 threads but without this step, requests time out).

A request other than a match may wait for the store's write lock at most
``WRITE_LOCK_S`` seconds after it starts (:func:`catalogue.db.set_lock_deadline`):
under overload a capacity update queued behind other writers gets 503 with
``Retry-After`` (the store's "locked" fault) instead of a client's timeout.
Matches keep their own bound above; their bookkeeping already waits at most
``catalogue.db.BOOKKEEPING_LOCK_S``.

When a match is admitted, and again before it starts, the client's socket is peeked (gunicorn's
``gunicorn.socket``, werkzeug's ``werkzeug.socket``): a client that has
closed its connection (end of stream), for instance because it gave up while
its request waited in gunicorn's queue, gets nothing computed. A client that
only half-closes its sending side looks the same; HTTP clients do not do that.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, g, request
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from catalogue.db import reset_lock_deadline, set_lock_deadline

log = logging.getLogger("faellesskab.api")


class ClientGone(HTTPException):
    """The client closed its connection before its request was served (nginx's 499)."""

    code = 499
    description = "The client closed the connection; nothing was computed."


class InFlight:
    """At most ``limit`` holders at once; others wait up to ``wait_s`` seconds, then 503.

    ``waiting`` (None: no bound) caps how many requests may be admitted beyond
    ``limit`` (:meth:`admit`): a request that would be the ``waiting + 1``-th
    waiter is refused at once instead of waiting.
    """

    def __init__(self, limit: int, wait_s: float, waiting: int | None = None) -> None:
        self.limit, self.wait_s, self.waiting = limit, wait_s, waiting
        self._slots = threading.BoundedSemaphore(limit)
        self._admitted = 0
        self._count_lock = threading.Lock()

    @property
    def retry_after(self) -> int:
        """Whole seconds a refused client should wait: the queue's wait, at least 1."""
        return max(1, round(self.wait_s))

    def busy(self, what: str, why: str) -> ServiceUnavailable:
        """The 503 (Danish and English message, ``Retry-After``) for a refused ``what``."""
        retry = self.retry_after
        return ServiceUnavailable(
            f"Der er travlt lige nu; prøv igen om {retry} s. / Busy: {why}; try again in {retry} s.",
            retry_after=retry,
        )

    def admit(self) -> bool:
        """Count one more request in (running or waiting); False when ``limit + waiting`` are in already."""
        with self._count_lock:
            if self.waiting is not None and self._admitted >= self.limit + self.waiting:
                return False
            self._admitted += 1
            return True

    def leave(self) -> None:
        """Undo one :meth:`admit` (when the admitted request is over, whatever its answer)."""
        with self._count_lock:
            self._admitted = max(0, self._admitted - 1)

    @contextmanager
    def slot(self, what: str, wait_s: float | None = None) -> Iterator[None]:
        """Hold one slot for the block; raises ServiceUnavailable (503, Retry-After) when none frees
        within ``wait_s`` seconds (default: ``self.wait_s``; 0 or less: only a free slot will do)."""
        wait = self.wait_s if wait_s is None else wait_s
        if not (self._slots.acquire(blocking=False) or (wait > 0 and self._slots.acquire(timeout=wait))):
            log.warning("%s refused: %d in flight in this worker", what, self.limit)
            raise self.busy(what, f"{self.limit} {what}es are running in this worker")
        try:
            yield
        finally:
            self._slots.release()


def client_gone() -> bool:
    """True when the client's connection is known to be closed (see the module docstring)."""
    sock = request.environ.get("gunicorn.socket") or request.environ.get("werkzeug.socket")
    if not isinstance(sock, socket.socket):
        return False  # a test client or another server: not knowable
    try:
        data = sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except (BlockingIOError, InterruptedError):
        return False  # open, nothing more sent
    except OSError:
        return True  # reset
    return data == b""


@contextmanager
def match_slot() -> Iterator[None]:
    """The app's match bound (``MATCH_CONCURRENCY``, ``MATCH_QUEUE_S``); 499 when the client left meanwhile."""
    inflight: InFlight = current_app.extensions["match_inflight"]
    admitted = g.get(_ADMITTED)
    # The queue's wait counts from admission: time spent since (the key, the rate-limit count, a store
    # busy with other writers) is not waited again, so a refusal comes within MATCH_QUEUE_S of arrival.
    wait_s = None if admitted is None else inflight.wait_s - (time.monotonic() - admitted[1])
    with inflight.slot("match", wait_s):
        if client_gone():
            log.info("match not computed: the client closed the connection")
            raise ClientGone()
        yield


#: Endpoints admitted by :func:`_admit` before anything else runs: the API's match and the
#: navigator page's search (a POST runs a match server-side); both then run it in :func:`match_slot`.
BOUNDED_ENDPOINTS = frozenset({"match.MatchView", "navigator.search"})
_ADMITTED = "_fm_match_admitted"


def _admit() -> None:
    if request.endpoint not in BOUNDED_ENDPOINTS or request.method != "POST":
        return
    if client_gone():  # gave up while the request waited in gunicorn's queue: not even its key is looked up
        log.info("match not admitted: the client closed the connection")
        raise ClientGone()
    inflight: InFlight = current_app.extensions["match_inflight"]
    if not inflight.admit():
        # INFO, not WARNING: under overload there are hundreds a second (the access log has each one too).
        log.info("match refused at once: %d running and %s waiting in this worker", inflight.limit, inflight.waiting)
        raise inflight.busy(
            "match", f"{inflight.limit} matches are running and {inflight.waiting} waiting in this worker"
        )
    g.setdefault(_ADMITTED, (inflight, time.monotonic()))


def _leave(_exc: BaseException | None) -> None:
    admitted: tuple[InFlight, float] | None = g.pop(_ADMITTED, None)
    if admitted is not None:
        admitted[0].leave()


_DEADLINE = "_faellesskab_lock_deadline"


def _lock_deadline() -> None:
    if request.endpoint in BOUNDED_ENDPOINTS:
        return
    g.setdefault(_DEADLINE, set_lock_deadline(float(current_app.config["WRITE_LOCK_S"])))


def _end_lock_deadline(_exc: BaseException | None) -> None:
    token = g.pop(_DEADLINE, None)
    if token is not None:
        reset_lock_deadline(token)


def init_app(app: Flask) -> None:
    app.extensions["match_inflight"] = InFlight(
        int(app.config["MATCH_CONCURRENCY"]), float(app.config["MATCH_QUEUE_S"]), int(app.config["MATCH_WAITING"])
    )
    app.before_request(_admit)
    app.before_request(_lock_deadline)
    app.teardown_request(_leave)
    app.teardown_request(_end_lock_deadline)
