"""HTTP layer of Fællesskabsmatch: the Flask app factory, blueprints and CLI."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app. Config is layered: defaults, environment, ``test_config``.

    Nothing connects or loads a model here; resources open on first use.
    """
    from flask_smorest import Api

    from . import access, config, errors, extensions, health, match

    app = Flask(__name__, instance_relative_config=True)
    config.load_config(app, test_config)
    extensions.init_app(app)
    access.init_app(app)
    api = Api(app, spec_kwargs={"info": {"description": API_DESCRIPTION}})
    errors.init_app(app)  # after Api, which registers an error handler of its own
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    app.register_blueprint(health.bp)
    api.register_blueprint(match.blp)
    app.extensions["api"] = api
    return app


API_DESCRIPTION = (
    "Fællesskabsmatch: social prescribing in Norddjurs. Navigators match citizens with local communities; "
    "the volunteer centre keeps the offers; referral systems send referrals. Send `Authorization: Bearer <key>`. "
    "Errors use one envelope: `{code, status, message, errors}`, where `errors` names the fields."
)
