"""Swagger UI's files served from the ``swagger-ui-bundle`` package, so ``/api/docs`` works without internet.

flask-smorest renders the docs page (``api/templates/swagger_ui.html``
overrides its template: the inline start-up script carries the CSP nonce)
and points it at ``OPENAPI_SWAGGER_UI_URL`` = ``/api/docs/static/``, which
this blueprint answers from the package's vendored copy of swagger-ui-dist.
"""

from __future__ import annotations

from flask import Blueprint, send_from_directory
from swagger_ui_bundle import swagger_ui_path
from werkzeug.wrappers import Response

bp = Blueprint("docs_assets", __name__)
#: Where the assets are served: flask-smorest's OPENAPI_SWAGGER_UI_URL (``api.config.OPENAPI``).
URL = "/api/docs/static/"


@bp.get(URL + "<path:filename>")
def asset(filename: str) -> Response:
    """One file of Swagger UI (JS, CSS, images); 404 for anything else. Cached for a day."""
    return send_from_directory(swagger_ui_path, filename, max_age=86400)
