"""Per-app resources, kept in ``app.extensions`` and made by ``init_app``.

Nothing here connects or loads anything at import time; the store's engine
is created with the app but opens its first connection on first use.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from catalogue.store import Store


def init_app(app: Flask) -> None:
    Path(app.config["DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    store = Store(app.config["DATABASE_URL"])
    app.extensions["store"] = store


def get_store(app: Flask | None = None) -> Store:
    store: Store = (app or current_app).extensions["store"]
    return store
