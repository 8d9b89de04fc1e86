"""The capacity report in the web interface: one click for an admin signed in on
the navigators' page (``/navigator/login`` takes admin keys too).

``GET /admin/kapacitet?from=YYYY-MM-DD&to=YYYY-MM-DD`` renders the same
self-contained HTML report as ``faellesskab capacity report``; a signed-out
visitor is sent to the sign-in page, another role gets 403.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Blueprint, abort, current_app, redirect, request, session, url_for
from werkzeug.wrappers import Response

from capacity.supply import offer_history
from reports.collect import baseline_of, collect, period_error

from .auth import authenticate
from .extensions import get_store

bp = Blueprint("capacity_page", __name__, url_prefix="/admin")


def _day(name: str) -> date | None:
    text = request.args.get(name, "")
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        abort(400, description=f"{name}: skriv datoen som ÅÅÅÅ-MM-DD.")


@bp.get("/kapacitet")
def report() -> Response | str:
    store = get_store()
    caller = authenticate(store, session["key"]) if "key" in session else None
    if caller is None:
        return redirect(url_for("navigator.login_form"))
    if caller.role != "admin":
        abort(403, description="Kapacitetsrapporten er kun for administratorer.")
    today = datetime.now(UTC).date()
    end = _day("to") or today
    baseline = baseline_of(offer_history(store), current_app.config.get("CAPACITY_BASELINE"))
    start = _day("from") or min(baseline, end)
    error = period_error(start, end)
    if error:
        abort(400, description=error)
    from reports.html import render_html  # matplotlib: loaded on the first report, not at start-up

    return render_html(collect(store, start, end, baseline), store.categories(), made=today)
