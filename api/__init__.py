"""HTTP layer of Fællesskabsmatch: the Flask app factory, blueprints and CLI."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app. Config is layered: defaults, environment, ``test_config``."""
    from . import config, extensions, health

    app = Flask(__name__, instance_relative_config=True)
    config.load_config(app, test_config)
    extensions.init_app(app)
    app.register_blueprint(health.bp)
    return app
