"""Access logging: who (key name and role, never a citizen) did what, and the outcome.

Every request gets exactly one line on the ``faellesskab.access`` logger at
INFO (method, path, status, milliseconds, key name and role); gunicorn's own
access log is off so nothing is written twice. Requests to the API, the HSDS
feed and the web pages made by a signed-in user are also kept in the
``access_event`` table unless ``ACCESS_LOG_DB`` is false, so an administrator
can answer "who read this referral?".

The row is bookkeeping: it is written with a short lock wait
(``Store.bookkeeping``), so it never queues behind user writes, and when the
store is busy (or cannot write) it is skipped with a warning naming the fault,
never turning the answer into an error or a wait.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import quote

from flask import Flask, Response, current_app, g, request

from catalogue.db import store_fault
from catalogue.models import utcnow
from catalogue.privacy import contains_cpr

from .models import AccessEvent

log = logging.getLogger("faellesskab.access")
#: Paths whose keyed requests are kept in the database.
AUDITED = ("/api/v1", "/hsds", "/navigator", "/frivillig", "/admin", "/log-")


def init_app(app: Flask) -> None:
    @app.before_request
    def _start() -> None:
        g.access_started = time.perf_counter()

    @app.after_request
    def _log(response: Response) -> Response:
        caller = g.get("caller")
        name, role = (caller.name, caller.role) if caller else (None, None)
        ms = (time.perf_counter() - g.get("access_started", time.perf_counter())) * 1000
        log.info("%s %s %s %.0fms key=%s role=%s", request.method, safe_path(), response.status_code, ms, name, role)
        if caller is not None and request.path.startswith(AUDITED) and current_app.config["ACCESS_LOG_DB"]:
            _keep(name, role, response.status_code)
        return response


def safe_path() -> str:
    """The request path fit for a log: every segment that holds a CPR number
    replaced by ``(CPR)`` (:mod:`catalogue.privacy`), so a CPR number typed into
    a URL is never kept, and the rest percent-encoded again (RFC 3986), so that
    a ``%0a`` or ``%00`` in a URL cannot forge a log line or put control bytes in the log."""
    return "/".join(
        "(CPR)" if contains_cpr(part) else quote(part, safe=":@!$&'()*+,;=-._~") for part in request.path.split("/")
    )


def _keep(name: str | None, role: str | None, status: int) -> None:
    try:
        with current_app.extensions["store"].bookkeeping() as session:
            session.add(
                AccessEvent(
                    at=utcnow(),
                    key_name=name,
                    role=role,
                    method=request.method,
                    path=safe_path()[:300],
                    status=status,
                )
            )
    except Exception as exc:  # the log must never turn a good answer into an error
        log.warning("access log row skipped (%s)", store_fault(exc) or type(exc).__name__)
