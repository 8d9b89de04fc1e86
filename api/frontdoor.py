"""The front door: ``/`` says what the service is and leads each role to its pages;
``/log-ind`` is the one sign-in page for every role (with an API key), ``/log-ud`` ends the session.

Sign-in failures are recorded and slowed down (:mod:`api.failures`); the
session is server-side (:mod:`api.web`).
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from . import failures
from .auth import authenticate
from .web import safe_next, sign_in, sign_out, signed_in

bp = Blueprint("frontdoor", __name__, template_folder="templates")

#: Where each role lands after signing in, unless it came from a page.
HOME = {
    "navigator": "/navigator/",
    "volunteer_centre": "/frivillig/",
    "referral_system": "/",
    "admin": "/",
}


@bp.get("/")
def index() -> str:
    return render_template("frontdoor/index.html")


@bp.get("/log-ind")
def login_form() -> str:
    return render_template("frontdoor/login.html", error=None, next=safe_next(request.args.get("next"), ""))


@bp.post("/log-ind")
def login() -> Response | tuple[str, int]:
    failures.check("For mange forkerte forsøg")
    key = request.form.get("key", "").strip()
    caller = authenticate(current_app.extensions["store"], key) if key else None
    target = safe_next(request.form.get("next"), "")
    if caller is None:
        failures.record("sign_in")
        page = render_template(
            "frontdoor/login.html", error="Nøglen virker ikke. Tjek, at du har indsat hele nøglen.", next=target
        )
        return page, 401
    sign_in(caller)
    return redirect(target or HOME.get(caller.role, "/"))


@bp.post("/log-ud")
def logout() -> Response:
    signed_in()  # so the access log names who signed out
    sign_out()
    return redirect(url_for("frontdoor.index"))
