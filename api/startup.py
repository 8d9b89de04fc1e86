"""First start on a fresh data directory: migrate the store, build the (empty) search index.

A service started on a new catalogue is ready at once and the first import
is searchable, without anyone running ``faellesskab db upgrade`` or
``index rebuild`` first. :func:`prepare` runs in gunicorn's master before it
forks (``when_ready``) and, for any other server, before the first request a
process answers (:func:`init_app`). Processes sharing a data directory take
turns through a file lock in it, so several workers never migrate or build
at the same time; the second one finds the work done.
"""

from __future__ import annotations

import fcntl
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app, request

from catalogue.db import no_lock_deadline
from indexer.analysis import ANALYZER_VERSION
from indexer.backend import IndexNotFoundError
from indexer.sync import ANALYZER

from .extensions import get_backend, get_indexer, get_store

log = logging.getLogger("faellesskab.startup")
LOCK_NAME = ".startup.lock"
#: After a failed attempt (database down, say), the next request tries again this much later.
RETRY_SECONDS = 30.0
#: Probes answer without touching the store (liveness) or report for themselves (readiness).
SKIP_PATHS = ("/healthz",)


def migrate(app: Flask) -> None:
    """Bring the store's schema up to date (idempotent)."""
    import migrations

    migrations.upgrade(get_store(app))


def prepare(app: Flask) -> str:
    """Migrate the store and build the search index if there is none, or if its terms come from
    another text analyser version; returns what was done.

    Raises whatever the store, the backend or the model raise (callers decide
    whether a failed start-up step is fatal)."""
    with app.app_context(), no_lock_deadline(), _file_lock(Path(app.config["DATA_DIR"]) / LOCK_NAME):
        migrate(app)
        try:
            info = get_backend(app).info()
        except IndexNotFoundError:
            report = get_indexer(app).rebuild()
            log.info("built the first search index: %s", report.summary())
            return f"store migrated; first index built ({report.documents} documents)"
        if get_backend(app).get_meta(ANALYZER) != ANALYZER_VERSION:
            report = get_indexer(app).rebuild()
            log.info("rebuilt the search index for text analyser %s: %s", ANALYZER_VERSION, report.summary())
            return f"store migrated; index rebuilt for analyser {ANALYZER_VERSION} ({report.documents} documents)"
        return f"store migrated; index {info.version} has {info.count} documents"


def init_app(app: Flask) -> None:
    """Run :func:`prepare` once per process, before the first request that needs it."""
    state = {"done": False, "next_try": 0.0}
    lock = threading.Lock()

    @app.before_request
    def _prepare_once() -> None:
        if state["done"] or request.path in SKIP_PATHS or time.monotonic() < state["next_try"]:
            return
        with lock:
            if state["done"] or time.monotonic() < state["next_try"]:
                return
            try:
                log.info("%s", prepare(current_app._get_current_object()))  # type: ignore[attr-defined]
                state["done"] = True
            except Exception as exc:  # /readyz says what is wrong; requests answer as they can
                state["next_try"] = time.monotonic() + RETRY_SECONDS
                log.warning("start-up step failed, retrying in %.0f s: %s", RETRY_SECONDS, exc)

    app.extensions["startup"] = state


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
