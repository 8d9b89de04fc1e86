"""Access logging: who (key name and role, never a citizen) did what, and the outcome.

Every API request goes to the ``faellesskab.access`` logger; requests made
with a key are also kept in the ``access_event`` table, so an administrator
can answer "who read this referral?".
"""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, g, request
from sqlalchemy import insert

from catalogue.models import utcnow

from .models import AccessEvent

log = logging.getLogger("faellesskab.access")


def init_app(app: Flask) -> None:
    @app.after_request
    def _log(response: Response) -> Response:
        if not request.path.startswith(("/api/v1", "/hsds", "/navigator")):
            return response
        caller = g.get("caller")
        name, role = (caller.name, caller.role) if caller else (None, None)
        log.info("%s %s %s key=%s role=%s", request.method, request.path, response.status_code, name, role)
        if caller is not None and current_app.config.get("ACCESS_LOG_DB", True):
            store = current_app.extensions["store"]
            try:
                with store.engine.begin() as conn:
                    conn.execute(
                        insert(AccessEvent).values(
                            at=utcnow(),
                            key_name=name,
                            role=role,
                            method=request.method,
                            path=request.path[:300],
                            status=response.status_code,
                        )
                    )
            except Exception:  # the log must never turn a good answer into an error
                log.exception("could not write the access log")
        return response
