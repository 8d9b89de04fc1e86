"""The capacity report in the web interface: one click for an admin signed in on
the front door (``/log-ind``).

``GET /admin/kapacitet?from=YYYY-MM-DD&to=YYYY-MM-DD`` renders the same
self-contained HTML report as ``faellesskab capacity report``; a signed-out
visitor is sent to the sign-in page, another role gets 403.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Blueprint, Response, abort, current_app, request

from capacity.supply import offer_history
from reports.collect import baseline_of, collect, period_error

from .extensions import get_store
from .web import no_store, page_for

bp = Blueprint("capacity_page", __name__, url_prefix="/admin")
REPORT_CSP = (
    "default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def _day(name: str) -> date | None:
    text = request.args.get(name, "")
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        abort(400, description=f"{name}: skriv datoen som ÅÅÅÅ-MM-DD.")


@bp.get("/kapacitet")
@page_for()  # admin only
def report() -> Response:
    store = get_store()
    today = datetime.now(UTC).date()
    end = _day("to") or today
    baseline = baseline_of(offer_history(store), current_app.config.get("CAPACITY_BASELINE"))
    start = _day("from") or min(baseline, end)
    error = period_error(start, end)
    if error:
        abort(400, description=error)
    from reports.html import render_html  # matplotlib: loaded on the first report, not at start-up

    page = Response(render_html(collect(store, start, end, baseline), store.categories(), made=today))
    # The report is one self-contained file (its charts are data: images, its styles inline; no script).
    page.headers["Content-Security-Policy"] = REPORT_CSP
    return no_store(page)
