"""The volunteer centre's pages, "Tilbud og foreninger", in Danish, under ``/frivillig/``.

A coordinator signs in with a key of the role ``volunteer_centre`` (or ``admin``): the roles the
API lets write offers and organisations and read the capacity reports, so no page allows more
than the API. Lists filter and page the store's offers and organisations; the review list shows
offers not verified for :data:`REVIEW_MONTHS` months or more, oldest first. Editing lives in
:mod:`api.volunteer_edit`, imports in :mod:`api.volunteer_import`. Every form carries a CSRF token.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from dateutil.relativedelta import relativedelta
from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from capacity.supply import offer_history
from capacity.volunteers import list_reports, report_volunteers
from catalogue import taxonomy
from catalogue.audience import AudienceVocabulary
from catalogue.errors import InvalidRecord, NotFound, VersionConflict
from matcher.preferences import STALE_AFTER_MONTHS, STALE_FULL_MONTHS, STALE_WEIGHT
from reports.collect import baseline_of, collect

from .auth import Caller
from .capacity_page import REPORT_CSP
from .common import reindex
from .extensions import get_store
from .volunteer_forms import errors_da
from .web import csrf_token, page_for, safe_next, signed_in, whole_number

bp = Blueprint("volunteer", __name__, url_prefix="/frivillig", template_folder="templates")

#: The roles of these pages: the API's writers of offers and organisations (admin included).
ROLES = ("volunteer_centre", "admin")
PER_PAGE = 25
#: Offers not verified for this many months go on the review list.
REVIEW_MONTHS = 12
#: The target-group filter's value for offers with no target group (for everyone).
EVERYONE = "alle"
#: The verified-age filter (``kontrolleret``): months without verification, and its Danish choice.
VERIFIED_AGES = {"6": "Ikke i 6 måneder", "12": "Ikke i 12 måneder", "24": "Ikke i 24 måneder"}


def today() -> date:
    return datetime.now(UTC).date()


def current_caller() -> Caller:
    """The signed-in coordinator (the view is guarded by :func:`api.web.page_for`)."""
    caller = signed_in()
    if caller is None or caller.role not in ROLES:  # page_for has already answered; a guard for mypy
        abort(403, description="Siderne er for frivilligcentret og administratorer.")
    if request.method == "POST":  # the API's write limit (RATE_WRITE) counts page writes too
        current_app.extensions["throttle"].hit(caller.name, "write")
    return caller


def render(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    """A page with the shared context (token, kind, status and category labels, the audience
    vocabulary as ``audiences``); results are never cached."""
    store = get_store()
    page = render_template(
        f"volunteer/{template}",
        csrf=csrf_token(),
        kinds=taxonomy.OFFER_KINDS,
        statuses=taxonomy.STATUSES,
        categories=store.categories(),
        audiences=store.audiences(),
        **context,
    )
    return page, status


@bp.after_request
def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


#: The highest page number read from ``?side=`` (as the API's ``page``); beyond it, or not a number: page 1.
MAX_PAGE = 1_000_000


def _page_no() -> int:
    number = whole_number(request.args.get("side", ""), max_digits=7)
    return number if number is not None and 1 <= number <= MAX_PAGE else 1


def _pages(total: int, page_no: int) -> dict[str, Any]:
    last = max(1, -(-total // PER_PAGE))
    args = {k: v for k, v in request.args.items() if k != "side"}
    return {"no": page_no, "last": last, "total": total, "args": args}


@bp.get("/")
@page_for("volunteer_centre")
def offers() -> tuple[str, int]:
    """Offers, filtered by text (folded: "ÆBLE" finds "Æblehave", "grenå" finds "Grenaa"), town,
    category, target group (``malgruppe``: an audience code, or ``alle`` for offers with no target
    group), kind, status and verified age (``kontrolleret``: ``12`` = not verified for 12 months or
    more, :data:`VERIFIED_AGES`), :data:`PER_PAGE` a page. An unknown status, kind, target group or
    verified age is a 422 naming the field; the other filters are shown as they were sent."""
    current_caller()
    store = get_store()
    names = ("q", "by", "kategori", "malgruppe", "type", "status", "kontrolleret")
    f = {k: request.args.get(k, "").strip() for k in names}
    errors: dict[str, list[str]] = {}
    vocabulary = store.audiences()
    if f["malgruppe"] and f["malgruppe"] != EVERYONE and not vocabulary.is_code(f["malgruppe"]):
        errors["malgruppe"] = ["Vælg en af mulighederne."]
    if f["status"] and f["status"] not in taxonomy.STATUSES:
        errors["status"] = ["Vælg en af mulighederne."]
    if f["type"] and f["type"] not in taxonomy.OFFER_KINDS:
        errors["type"] = ["Vælg en af mulighederne."]
    if f["kontrolleret"] and f["kontrolleret"] not in VERIFIED_AGES:
        errors["kontrolleret"] = ["Vælg en af mulighederne."]
    shown: dict[str, Any] = {
        "filters": f,
        "today": today(),
        "audience_choices": audience_options(vocabulary),
        "verified_ages": VERIFIED_AGES,
        "towns": {t: t for t in sorted(store.counts()["by_town"]) if t != "(online)"},
    }
    if errors:
        return render("offers.html", 422, offers=[], errors=errors, pages=_pages(0, 1), **shown)
    months = int(f["kontrolleret"]) if f["kontrolleret"] else None
    page_no = _page_no()
    items, total = store.list_offers(
        text=f["q"] or None,
        town=f["by"] or None,
        category=f["kategori"] or None,
        audience=f["malgruppe"] if f["malgruppe"] not in ("", EVERYONE) else None,
        for_everyone=f["malgruppe"] == EVERYONE,
        kind=f["type"] or None,
        status=f["status"] or None,
        verified_before=today() - relativedelta(months=months) if months else None,
        limit=PER_PAGE,
        offset=(page_no - 1) * PER_PAGE,
    )
    return render("offers.html", offers=items, errors={}, pages=_pages(total, page_no), **shown)


def audience_options(audiences: AudienceVocabulary) -> dict[str, str]:
    """The target-group filter's choices: ``alle`` (no target group), then every code by its Danish label."""
    return {EVERYONE: "Kun tilbud for alle (ingen målgruppe)", **audiences.labels()}


@bp.get("/foreninger")
@page_for("volunteer_centre")
def organisations() -> tuple[str, int]:
    """Organisations, filtered by name, :data:`PER_PAGE` a page."""
    current_caller()
    q = request.args.get("q", "").strip()
    page_no = _page_no()
    items, total = get_store().list_organisations(text=q or None, limit=PER_PAGE, offset=(page_no - 1) * PER_PAGE)
    return render(
        "organisations.html",
        organisations=items,
        q=q,
        pages=_pages(total, page_no),
        org_types=taxonomy.ORGANISATION_TYPES,
    )


@bp.get("/kontrol")
@page_for("volunteer_centre")
def review() -> tuple[str, int]:
    """Offers not verified for :data:`REVIEW_MONTHS` months or more (or never), oldest first."""
    current_caller()
    page_no = _page_no()
    items, total = get_store().list_offers(
        verified_before=today() - relativedelta(months=REVIEW_MONTHS) + relativedelta(days=1),
        status="active",
        oldest_verified_first=True,
        limit=PER_PAGE,
        offset=(page_no - 1) * PER_PAGE,
    )
    staleness = {
        "after": STALE_AFTER_MONTHS,
        "full": STALE_FULL_MONTHS,
        "weight": round(STALE_WEIGHT * 100),
        "at_review": round(
            STALE_WEIGHT * (REVIEW_MONTHS - STALE_AFTER_MONTHS) / (STALE_FULL_MONTHS - STALE_AFTER_MONTHS) * 100
        ),
    }
    return render("review.html", offers=items, pages=_pages(total, page_no), staleness=staleness, today=today())


def form_version() -> int:
    """The record version the form was read at (hidden field ``version``); a 400 in Danish when it
    is missing or unreadable, so that nothing is written without the check for a newer version."""
    version = whole_number(request.form.get("version", ""))
    if version is None:
        abort(400, description="Formularen mangler versionen. Genindlæs siden og prøv igen.")
    return version


@bp.post("/tilbud/<offer_id>/kontrolleret")
@page_for("volunteer_centre")
def mark_verified(offer_id: str) -> Response | tuple[str, int]:
    """ "Markér som kontrolleret": ``last_verified`` becomes today (the version must be current)."""
    caller = current_caller()
    store = get_store()
    try:
        store.update_offer(
            offer_id, {"last_verified": today().isoformat()}, expected_version=form_version(), actor=caller.actor
        )
    except NotFound:
        abort(404, description="Tilbuddet findes ikke.")
    except VersionConflict:
        return _offer_page(offer_id, 409, notice="Tilbuddet er ændret af en anden imens. Se det igen og markér så.")
    reindex([offer_id])
    back = url_for("volunteer.offer", offer_id=offer_id, ok="kontrolleret")
    return redirect(safe_next(request.form.get("next"), back))


def _offer_page(offer_id: str, status: int = 200, **context: Any) -> tuple[str, int]:
    try:
        offer = get_store().get_offer(offer_id)
    except NotFound:
        abort(404, description="Tilbuddet findes ikke.")
    values: dict[str, Any] = dict(offer)
    context.setdefault("capacity_form", {k: "" if values[k] is None else str(values[k]) for k in CAPACITY})
    context.setdefault("capacity_errors", {})
    return render("offer.html", status, offer=offer, history=get_store().history("offer", offer_id), **context)


@bp.get("/tilbud/<offer_id>")
@page_for("volunteer_centre")
def offer(offer_id: str) -> tuple[str, int]:
    current_caller()
    notices = {
        "gemt": "Tilbuddet er gemt.",
        "kontrolleret": "Tilbuddet er markeret som kontrolleret i dag.",
        "kapacitet": "Pladserne er opdateret.",
    }
    return _offer_page(offer_id, notice=notices.get(request.args.get("ok", "")), notice_class="saved")


#: The quick capacity form's fields (the API's capacity resource, without volunteers).
CAPACITY = ("places_total", "places_available", "waitlist")


@bp.post("/tilbud/<offer_id>/kapacitet")
@page_for("volunteer_centre")
def capacity(offer_id: str) -> Response | tuple[str, int]:
    """Places and waiting list, the small update associations make often."""
    caller = current_caller()
    form = {k: request.form.get(k, "").strip() for k in CAPACITY}
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, text in form.items():
        values[name] = whole_number(text)
        if text and values[name] is None:
            errors[name] = ["Skal være et helt tal (0 eller mere)."]
    if not errors:
        try:
            get_store().update_capacity(offer_id, values, expected_version=form_version(), actor=caller.actor)
        except NotFound:
            abort(404, description="Tilbuddet findes ikke.")
        except InvalidRecord as exc:
            errors = errors_da(exc.errors, form)
        except VersionConflict as exc:
            notice = (
                f"Nogen gemte tilbuddet før dig (nu version {exc.current.get('version')}). "
                "Her er de gemte tal; ret dem og gem igen."
            )
            return _offer_page(offer_id, 409, notice=notice, capacity_mine=form)
        else:
            reindex([offer_id])
            return redirect(url_for("volunteer.offer", offer_id=offer_id, ok="kapacitet"))
    return _offer_page(offer_id, 422, capacity_form=form, capacity_errors=errors)


@bp.get("/foreninger/<org_id>")
@page_for("volunteer_centre")
def organisation(org_id: str) -> tuple[str, int]:
    current_caller()
    return _organisation_page(org_id, notice="Foreningen er gemt." if request.args.get("ok") else None)


def _organisation_page(org_id: str, status: int = 200, **context: Any) -> tuple[str, int]:
    store = get_store()
    try:
        org = store.get_organisation(org_id)
    except NotFound:
        abort(404, description="Foreningen findes ikke.")
    offers, _ = store.list_offers(organisation_id=org_id)
    context.setdefault("count_form", {"reported_on": today().isoformat(), "volunteers": "", "companions": ""})
    context.setdefault("count_errors", {})
    return render(
        "organisation.html", status, org=org, offers=offers, reports=list_reports(store, org_id)[::-1], **context
    )


@bp.post("/foreninger/<org_id>/frivillige")
@page_for("volunteer_centre")
def volunteer_counts(org_id: str) -> Response | tuple[str, int]:
    """A dated report of the organisation's volunteers and companions (a new row, never overwritten)."""
    caller = current_caller()
    form = {k: request.form.get(k, "").strip() for k in ("reported_on", "volunteers", "companions")}
    errors: dict[str, list[str]] = {}
    try:
        day = date.fromisoformat(form["reported_on"])
        if day > today():
            errors["reported_on"] = ["Datoen må ikke ligge i fremtiden."]
    except ValueError:
        errors["reported_on"] = ["Skriv datoen som ÅÅÅÅ-MM-DD."]
    counts = {name: whole_number(form[name]) for name in ("volunteers", "companions")}
    for name, count in counts.items():
        if count is None:
            errors[name] = ["Skal være et helt tal (0 eller mere)."]
    if not errors:
        try:
            report_volunteers(
                get_store(),
                org_id,
                reported_on=day,
                volunteers=counts["volunteers"] or 0,
                companions=counts["companions"] or 0,
                actor=caller.actor,
            )
        except NotFound:
            abort(404, description="Foreningen findes ikke.")
        except InvalidRecord as exc:
            errors = errors_da(exc.errors, form)
        else:
            return redirect(url_for("volunteer.organisation", org_id=org_id))
    return _organisation_page(org_id, 422, count_form=form, count_errors=errors)


@bp.get("/rapport")
@page_for("volunteer_centre")
def report() -> Response:
    """The capacity and gap report (the same self-contained page as ``/admin/kapacitet`` and
    ``faellesskab capacity report``) for the roles the capacity API allows, over the whole history."""
    current_caller()
    store = get_store()
    end = today()
    baseline = baseline_of(offer_history(store), current_app.config.get("CAPACITY_BASELINE"))
    from reports.html import render_html  # matplotlib: loaded on the first report

    page = Response(render_html(collect(store, min(baseline, end), end, baseline), store.categories(), made=end))
    page.headers["Content-Security-Policy"] = REPORT_CSP  # its styles are inline, its charts data: images
    return page


from . import volunteer_edit, volunteer_import  # noqa: E402,F401  (their routes join this blueprint)
