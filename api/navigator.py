"""The navigator's web page, in Danish: search with a citizen, read why each offer fits.

A navigator signs in once with their API key at ``/log-ind`` (the session
is server-side, :mod:`api.web`), fills in what the citizen said, ticks the
barriers, and gets the matcher's results with reasons, accommodations and
cautions. Every form carries the CSRF token (checked in :mod:`api.web`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, current_app, make_response, redirect, render_template, request, url_for
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from catalogue.gazetteer import default_gazetteer
from catalogue.languages import common_names_da
from catalogue.privacy import CPR_MESSAGE, contains_cpr
from catalogue.schemas import flatten_errors
from catalogue.taxonomy import OFFER_KINDS
from matcher.plan import MAX_ITEMS, plan_items
from matcher.request import BARRIERS, POINT_UNKNOWN, MatchRequestSchema
from referrals.vocab import STATUSES

from .overload import match_slot
from .web import no_store, page_for, signed_in, whole_number

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
#: The search form's starting values.
DEFAULT_FORM: dict[str, Any] = {"max_distance_km": "20", "limit": "10", "language": "da"}
#: The form field a request field comes from, where the names differ.
_FORM_FIELD = {"location": "place"}

MESSAGES_DA = {
    "Write 2 to 2000 characters.": "Skriv mindst et par ord (højst 2000 tegn).",
    "Write at least one word: spaces and punctuation alone say nothing.": "Skriv mindst et ord – kun mellemrum og tegn siger ingenting.",
    "Missing data for required field.": "Skal udfyldes.",
    "Age must be 16 to 120.": "Alder skal være mellem 16 og 120.",
    "Unknown town or postcode in Norddjurs; give lat and lon instead.": "Kender ikke den by eller det postnummer i Norddjurs.",
    POINT_UNKNOWN: "Landsbyen kendes, men ikke hvor den ligger: skriv borgerens postnummer i stedet.",
    "daytime_only and evening_only exclude each other.": "Vælg enten kun dag eller kun aften.",
    "daytime_only and evenings_only exclude each other.": "Vælg enten kun dag eller kun aften.",
    "Give the citizen's language (ISO 639-1) when non_danish_speaker is set.": "Vælg borgerens sprog, når borgeren ikke taler dansk.",
    "Not a valid integer.": "Skal være et helt tal.",
    "Must be 0.5 to 300 km.": "Afstand skal være mellem 0,5 og 300 km.",
}


@bp.get("/login")
def login_form() -> Response:
    """The old sign-in address: the one sign-in page is ``/log-ind`` now."""
    return redirect(url_for("frontdoor.login_form", next=url_for("navigator.search")))


@bp.route("/", methods=["GET", "POST"])
@page_for("navigator")
def search() -> Response:
    """The search; with ``?henvisning=<id>`` an open referral is worked from the same page
    (:mod:`api.navigator_referral`): the results can be proposed to it and its status moved."""
    caller = signed_in()
    assert caller is not None  # page_for saw to it
    form: dict[str, Any] = dict(DEFAULT_FORM, barriers=[])
    errors: dict[str, list[str]] = {}
    response = None
    if request.method == "POST":
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
            with match_slot():  # the API's bound (api.overload): 503 with Retry-After when this worker is full
                response = current_app.extensions["matcher"].match(req, actor=caller.actor)
    work = navigator_referral.workspace(request.args.get("henvisning", ""), response=response, form=form)
    status = 422 if errors else 404 if work.missing else 200
    return render_search(status, form=form, errors=errors, response=response, work=work)


def render_search(
    status: int,
    *,
    work: Any,
    form: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    response: Any = None,
) -> Response:
    """The search page (``no-store``) with what ``work`` (a :class:`api.navigator_referral.Workspace`)
    says about the referral worked on, if any."""
    form = form if form is not None else dict(DEFAULT_FORM, barriers=[])
    page = render_template(
        "navigator/search.html",
        form=form,
        errors=errors or {},
        labels=FIELD_LABELS,
        response=response,
        barriers=BARRIERS,
        towns=sorted(default_gazetteer().towns(with_point=True)),
        languages=common_names_da(),
        kinds=OFFER_KINDS,
        suggested=_suggested(response, form.get("barriers", [])),
        work=work,
        STATUS_LABELS=STATUSES,
    )
    return no_store(make_response(page, status))


@bp.post("/plan")
@page_for("navigator")
def plan() -> Response:
    """The citizen's plan from the results ticked (``offer``, repeated), with an optional note.

    Nothing is stored: the page is made from the catalogue and what was sent, and is sent ``no-store``.
    A note holding a CPR number is refused (422) and not shown again."""
    ids = [i for i in request.form.getlist("offer") if i][: MAX_ITEMS + 1]
    note = request.form.get("note", "").strip()[:1000]
    errors: dict[str, str] = {}
    if not ids:
        errors["offer"] = "Vælg mindst ét forslag til planen."
    elif len(ids) > MAX_ITEMS:
        errors["offer"] = f"Højst {MAX_ITEMS} forslag på én plan."
    if contains_cpr(note):
        errors["note"] = CPR_MESSAGE
        note = ""
    items = [] if errors else plan_items(current_app.extensions["store"], ids, datetime.now(UTC).date())
    if not errors and not items:
        errors["offer"] = "De valgte tilbud findes ikke længere."
    page = render_template("navigator/plan.html", items=items, note=note, errors=errors, ids=ids)
    return no_store(make_response(page, 422 if errors else 200))


def _to_request(form: dict[str, Any]) -> dict[str, Any]:
    """The form's text fields as a match request; the schema says what is wrong."""
    out: dict[str, Any] = {"interests": form.get("interests", ""), "barriers": form.get("barriers", [])}
    if form.get("age"):
        age = whole_number(form["age"], max_digits=3)
        out["age"] = form["age"] if age is None else age
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


def _suggested(response: Any, ticked: list[str]) -> list[tuple[str, str]]:
    """The matcher's ``suggested_barriers`` not already ticked, as ``(code, quote)``; both shapes are
    read: ``{"code": "no_car", "quote": "har ingen bil"}`` or a bare code (then the quote is empty)."""
    out: list[tuple[str, str]] = []
    for item in getattr(response, "suggested_barriers", None) or []:
        code, quote = (item.get("code", ""), item.get("quote", "")) if isinstance(item, dict) else (str(item), "")
        if code in BARRIERS and code not in ticked and code not in (c for c, _ in out):
            out.append((code, str(quote or "")))
    return out


from . import navigator_referral  # noqa: E402  (its routes join this blueprint; the search page shows its panel)
