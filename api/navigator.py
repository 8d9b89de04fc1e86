"""The navigator's web page, in Danish: search with a citizen, read why each offer fits.

A navigator signs in once with their API key (kept in the signed session
cookie, never in the page), fills in what the citizen said, ticks the
barriers, and gets the matcher's results with reasons, accommodations and
cautions. The form is protected against cross-site requests by a token.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from catalogue.gazetteer import default_gazetteer
from catalogue.languages import common_names_da
from catalogue.privacy import CPR_MESSAGE
from catalogue.schemas import flatten_errors
from catalogue.taxonomy import OFFER_KINDS
from matcher.request import BARRIERS, MatchRequestSchema

from .auth import Caller, authenticate

bp = Blueprint("navigator", __name__, url_prefix="/navigator", template_folder="templates")

FIELD_LABELS = {
    "interests": "Hvad borgeren fortalte",
    "age": "Alder",
    "location": "By eller postnummer",
    "max_distance_km": "Højst afstand",
    "barriers": "Barrierer",
    "language": "Sprog",
    "limit": "Antal forslag",
}
#: The form field a request field comes from, where the names differ.
_FORM_FIELD = {"location": "place"}

MESSAGES_DA = {
    "Write 2 to 2000 characters.": "Skriv mindst et par ord (højst 2000 tegn).",
    "Write at least one word: spaces and punctuation alone say nothing.": "Skriv mindst et ord – kun mellemrum og tegn siger ingenting.",
    "Missing data for required field.": "Skal udfyldes.",
    "Age must be 16 to 120.": "Alder skal være mellem 16 og 120.",
    "Unknown town or postcode in Norddjurs; give lat and lon instead.": "Kender ikke den by eller det postnummer i Norddjurs.",
    "daytime_only and evening_only exclude each other.": "Vælg enten kun dag eller kun aften.",
    "daytime_only and evenings_only exclude each other.": "Vælg enten kun dag eller kun aften.",
    "Give the citizen's language (ISO 639-1) when non_danish_speaker is set.": "Vælg borgerens sprog, når borgeren ikke taler dansk.",
    "Not a valid integer.": "Skal være et helt tal.",
    "Must be 0.5 to 300 km.": "Afstand skal være mellem 0,5 og 300 km.",
}


def _caller() -> Caller | None:
    if "key" not in session:
        return None
    caller = authenticate(current_app.extensions["store"], session["key"])
    if caller is None or caller.role not in ("navigator", "admin"):
        session.clear()
        return None
    g.caller = caller
    return caller


def _csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return str(session["csrf"])


def _check_csrf() -> None:
    sent = request.form.get("csrf", "")
    if not sent or not secrets.compare_digest(sent, session.get("csrf", "")):
        abort(400, description="Formularen er udløbet. Genindlæs siden og prøv igen.")


@bp.get("/login")
def login_form() -> str:
    return render_template("navigator/login.html", csrf=_csrf_token(), error=None)


@bp.post("/login")
def login() -> Response | tuple[str, int]:
    _check_csrf()
    key = request.form.get("key", "").strip()
    caller = authenticate(current_app.extensions["store"], key) if key else None
    if caller is None or caller.role not in ("navigator", "admin"):
        return render_template(
            "navigator/login.html", csrf=_csrf_token(), error="Nøglen virker ikke, eller den er ikke til navigatører."
        ), 401
    session.clear()
    session["key"] = key
    session.permanent = False
    return redirect(url_for("navigator.search"))


@bp.post("/logout")
def logout() -> Response:
    _check_csrf()
    session.clear()
    return redirect(url_for("navigator.login_form"))


@bp.route("/", methods=["GET", "POST"])
def search() -> Response | str | tuple[str, int]:
    caller = _caller()
    if caller is None:
        return redirect(url_for("navigator.login_form"))
    form: dict[str, Any] = {"max_distance_km": "20", "limit": "10", "language": "da", "barriers": []}
    errors: dict[str, list[str]] = {}
    response = None
    if request.method == "POST":
        _check_csrf()
        current_app.extensions["throttle"].hit(caller.name, "match")
        form = {
            k: request.form.get(k, "").strip()
            for k in ("interests", "age", "place", "max_distance_km", "language", "limit", "kind")
        }
        form["barriers"] = request.form.getlist("barriers")
        try:
            req = MatchRequestSchema(known_categories=set(current_app.extensions["store"].categories())).load(
                _to_request(form)
            )
        except ValidationError as exc:
            errors = {
                k.split(".")[0]: [MESSAGES_DA.get(m, m) for m in v] for k, v in flatten_errors(exc.messages).items()
            }
            # A field holding a CPR number is not shown again (catalogue.privacy).
            form.update({_FORM_FIELD.get(k, k): "" for k, msgs in errors.items() if CPR_MESSAGE in msgs})
        else:
            response = current_app.extensions["matcher"].match(req, actor=caller.actor)
    status = 422 if errors else 200
    page = render_template(
        "navigator/search.html",
        csrf=_csrf_token(),
        form=form,
        errors=errors,
        labels=FIELD_LABELS,
        response=response,
        barriers=BARRIERS,
        towns=sorted(default_gazetteer().towns()),
        languages=common_names_da(),
        kinds=OFFER_KINDS,
        caller=caller,
    )
    return (page, status) if errors else page


def _to_request(form: dict[str, Any]) -> dict[str, Any]:
    """The form's text fields as a match request; the schema says what is wrong."""
    out: dict[str, Any] = {"interests": form.get("interests", ""), "barriers": form.get("barriers", [])}
    if form.get("age"):
        out["age"] = int(form["age"]) if form["age"].isdigit() else form["age"]
    place = form.get("place", "")
    if place:
        out["location"] = {"postcode": place} if place.isdigit() else {"town": place}
    for key, cast in (("max_distance_km", float), ("limit", int)):
        value = form.get(key, "").replace(",", ".")
        if value:
            try:
                out[key] = cast(value)
            except ValueError:
                out[key] = value
    if form.get("language"):
        out["language"] = form["language"]
    if form.get("kind"):
        out["kinds"] = [form["kind"]]
    return out
