"""Load shedding: a bounded number of matches in flight per worker, and no
match computed for a client that has already hung up.

A match costs a model call and two searches (tens to hundreds of ms of CPU);
a catalogue read costs a millisecond. Without a bound, a burst of matches
takes every worker thread, reads queue behind them, and clients give up
while the server still computes their answers. So each worker runs at most
``MATCH_CONCURRENCY`` matches at once; a match that cannot start within
``MATCH_QUEUE_S`` seconds gets 503 with ``Retry-After`` at once, and the
threads stay free for everything else.

Before a match starts, the client's socket is peeked (gunicorn's
``gunicorn.socket``, werkzeug's ``werkzeug.socket``): a client that has
closed its connection (end of stream) gets nothing computed. A client that
only half-closes its sending side looks the same; HTTP clients do not do that.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, request
from werkzeug.exceptions import HTTPException, ServiceUnavailable

log = logging.getLogger("faellesskab.api")


class ClientGone(HTTPException):
    """The client closed its connection before its request was served (nginx's 499)."""

    code = 499
    description = "The client closed the connection; nothing was computed."


class InFlight:
    """At most ``limit`` holders at once; others wait up to ``wait_s`` seconds, then 503."""

    def __init__(self, limit: int, wait_s: float) -> None:
        self.limit, self.wait_s = limit, wait_s
        self._slots = threading.BoundedSemaphore(limit)

    @contextmanager
    def slot(self, what: str) -> Iterator[None]:
        """Hold one slot for the block; raises ServiceUnavailable (503, Retry-After) when none frees in time."""
        if not self._slots.acquire(timeout=self.wait_s):
            retry = max(1, round(self.wait_s) or 1)
            log.warning("%s refused: %d in flight in this worker", what, self.limit)
            raise ServiceUnavailable(
                f"Der er travlt lige nu; prøv igen om {retry} s. / Busy: {self.limit} {what}es are running in this "
                f"worker; try again in {retry} s.",
                retry_after=retry,
            )
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
    with inflight.slot("match"):
        if client_gone():
            log.info("match not computed: the client closed the connection")
            raise ClientGone()
        yield


def init_app(app: Flask) -> None:
    app.extensions["match_inflight"] = InFlight(
        int(app.config["MATCH_CONCURRENCY"]), float(app.config["MATCH_QUEUE_S"])
    )
