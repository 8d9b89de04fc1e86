"""HTTP layer of Fællesskabsmatch: the Flask app factory, blueprints and CLI."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app. Config is layered: defaults, environment, ``test_config``.

    Raises :class:`api.config.ConfigError` (one line naming the variable) on a
    bad setting, and applies ``LOG_LEVEL`` to the app's loggers. Nothing
    connects or loads a model here; resources open on first use, and the
    store is migrated and the first index built before the first request
    (:mod:`api.startup`).
    """
    from apispec.ext.marshmallow import MarshmallowPlugin
    from flask_smorest import Api

    from . import (
        access,
        admin,
        capacity,
        capacity_page,
        config,
        docs_assets,
        errors,
        extensions,
        fhir,
        frontdoor,
        health,
        hsds_api,
        logs,
        match,
        navigator,
        offers,
        openapi,
        organisations,
        overload,
        referral_reports,
        referral_steps,
        referrals,
        startup,
        volunteer,
        web,
    )

    app = Flask(__name__, instance_relative_config=True)
    settings = config.load_config(app, test_config)  # raises ConfigError naming the variable
    logs.configure(settings.LOG_LEVEL)
    extensions.init_app(app)
    web.init_app(app)  # server-side sessions, CSRF on forms, security headers (api.web)
    access.init_app(app)
    overload.init_app(app)
    startup.init_app(app)
    api = Api(
        app,
        spec_kwargs={
            "info": {"description": API_DESCRIPTION},
            "marshmallow_plugin": MarshmallowPlugin(schema_name_resolver=schema_name),
        },
    )
    errors.init_app(app)  # after Api, which registers an error handler of its own
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    app.register_blueprint(health.bp)
    app.register_blueprint(frontdoor.bp)
    app.register_blueprint(docs_assets.bp)
    app.register_blueprint(navigator.bp)
    app.register_blueprint(capacity_page.bp)
    app.register_blueprint(volunteer.bp)
    for module in (
        match,
        offers,
        organisations,
        referrals,
        referral_steps,
        fhir,
        admin,
        referral_reports,
        capacity,
        hsds_api,
    ):
        api.register_blueprint(module.blp)
    app.extensions["api"] = api
    openapi.init_spec(api)  # security, error responses and the error envelope for every operation
    return app


def schema_name(schema: Any) -> str:
    """OpenAPI component names: ``OfferSchema`` -> ``Offer``, a partial one -> ``OfferPatch``."""
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__.removesuffix("Schema")
    if not isinstance(schema, type) and getattr(schema, "partial", False):
        name += "Patch"
    return name


API_DESCRIPTION = (
    "Fællesskabsmatch: social prescribing in Norddjurs. Navigators match citizens with local communities; "
    "the volunteer centre keeps the offers; referral systems send referrals. Send `Authorization: Bearer <key>`. "
    "Errors use one envelope: `{code, status, message, errors}`, where `errors` names the fields."
)
