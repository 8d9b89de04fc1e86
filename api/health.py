"""Liveness and readiness probes for load balancers and docker-compose."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from catalogue.db import store_fault

from .extensions import get_backend, get_embedder, get_store

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Any:
    """The process is alive; checks nothing else on purpose."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> Any:
    """Ready when the store answers and can write (one harmless committed write,
    :meth:`catalogue.store.Store.probe_write`), a search index is built and the model embeds.

    503 with the reason otherwise, so an operator sees what to fix."""
    checks: dict[str, str] = {}
    try:
        with get_store().read() as session:
            session.execute(text("SELECT 1 FROM offer LIMIT 1"))
        checks["store"] = "ok"
    except Exception as exc:
        checks["store"] = f"unavailable: {type(exc).__name__}; run `faellesskab db upgrade`"
    else:
        try:
            get_store().probe_write()
        except Exception as exc:
            fault = store_fault(exc)
            # Locked: another write (an import) holds the lock; the store writes, it is busy.
            checks["store"] = "ok (busy)" if fault == "locked" else f"cannot write: {fault or type(exc).__name__}"
    try:
        info = get_backend().info()
        checks["search"] = f"ok ({get_backend().name}, {info.count} documents)"
    except Exception as exc:
        checks["search"] = f"unavailable: {exc}"
    try:
        warm_up_model()
        checks["model"] = "ok"
    except Exception as exc:
        checks["model"] = f"unavailable: {exc}"
    ready = all(v.startswith("ok") for v in checks.values())
    return jsonify(status="ready" if ready else "not ready", checks=checks), (200 if ready else 503)


def warm_up_model() -> None:
    """Load the model once (cheap after the first call)."""
    if not current_app.extensions.get("model_warm"):
        get_embedder().embed_query("klar")
        current_app.extensions["model_warm"] = True


def warm_up(app: Any) -> None:
    """Run the start-up step (migrate, first index), then load the model and the
    search vectors before gunicorn forks its workers, so they share one copy
    (copy-on-write) and answer fast from the first request. The master's
    database connections are closed at the end, so no worker inherits one."""
    from .startup import prepare

    with app.app_context():
        fork_safe = getattr(get_embedder(), "fork_safe", True)
    if not fork_safe:
        # ONNX Runtime is not fork-safe: a session made here (even to build the first
        # index) would hang every forked worker. The workers run the start-up step
        # themselves, one at a time under the start-up lock, on their first request.
        app.logger.info("start-up step left to the workers (the embedding backend is not fork-safe)")
        with app.app_context():
            get_store().close()
        return
    try:
        app.logger.info("%s", prepare(app))
        app.extensions["startup"]["done"] = True
    except Exception as exc:  # each worker tries again on its first request; /readyz says why
        app.logger.warning("start-up step failed: %s", exc)
    with app.app_context():
        try:
            warm_up_model()
            get_backend().count()
        except Exception as exc:  # a cold start is slower but not wrong; /readyz says why
            app.logger.warning("warm-up skipped: %s", exc)
        finally:
            get_store().close()
