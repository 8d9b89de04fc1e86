"""Liveness and readiness probes for load balancers and docker-compose."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from sqlalchemy import text

from .extensions import get_store

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Any:
    """The process is alive; checks nothing else on purpose."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> Any:
    """Ready when the store answers and its schema is migrated."""
    checks: dict[str, str] = {}
    try:
        with get_store().engine.connect() as conn:
            conn.execute(text("SELECT 1 FROM offer LIMIT 1"))
        checks["store"] = "ok"
    except Exception as exc:  # any failure means not ready; say why
        checks["store"] = f"unavailable: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return jsonify(status="ready" if ready else "not ready", checks=checks), (200 if ready else 503)
