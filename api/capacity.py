"""Capacity: supply as of any date, the time series, the grant ledger, volunteer
reports, and demand and gaps (admin and the volunteer centre).

Parses, calls ``capacity`` and ``reports``, serialises; amounts in and out as
kroner (see ``api.capacity_schemas``).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from flask import Response, current_app
from flask.views import MethodView
from marshmallow import ValidationError

from capacity import ledger, volunteers
from capacity.supply import METRICS, growth, offer_history, supply_on
from capacity.volunteers import volunteer_history
from reports.collect import baseline_of, gap_data, report_days

from . import capacity_schemas as s
from .auth import current_caller, requires
from .common import Blueprint
from .errors import envelope
from .extensions import get_store

blp = Blueprint(
    "capacity",
    __name__,
    url_prefix="/api/v1/capacity",
    description="The civil-society build-up: supply at any date, the grant ledger, demand and gaps.",
)
ROLES = ("volunteer_centre",)


def today() -> date:
    return datetime.now(UTC).date()


def _actor() -> str:
    caller = current_caller()
    return caller.actor if caller else "?"


def _baseline(history: Any) -> date:
    return baseline_of(history, current_app.config.get("CAPACITY_BASELINE"))


def _ore(value: Decimal, field: str) -> int:
    try:
        return ledger.to_ore(value)
    except ValueError:
        raise ValidationError({field: ["At most two decimals (øre)."]}) from None


def _money(ore: int | None) -> str | None:
    return None if ore is None else str(ledger.kr(ore))


@blp.errorhandler(ledger.FundExceeded)
def _fund_exceeded(exc: ledger.FundExceeded) -> Response:
    remaining = str(ledger.kr(exc.remaining_ore))
    return envelope(409, f"{exc.what}: {remaining} kr. remain.", {exc.field: [f"{remaining} kr. remain."]})


@blp.route("/summary")
class Summary(MethodView):
    @requires(*ROLES)
    @blp.arguments(s.SummaryArgs, location="query")
    @blp.response(200, s.SummarySchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Supply as of a day: organisations, offers, places, waiting, volunteers and companions,
        by town, category, kind and target group, and growth since the baseline."""
        store = get_store()
        history, vols = offer_history(store), volunteer_history(store)
        day = args["date"] or today()
        found = supply_on(history, vols, day, town=args["town"], category=args["category"])
        out = found.to_dict()
        out["date"] = day
        out["growth"] = asdict(growth(history, vols, min(_baseline(history), day), day))
        return out


@blp.route("/timeseries")
class Timeseries(MethodView):
    @requires(*ROLES)
    @blp.arguments(s.TimeseriesArgs, location="query")
    @blp.response(200, s.TimeseriesSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """One figure at each month end from `from` to `to` (the last point is `to` itself)."""
        store = get_store()
        history, vols = offer_history(store), volunteer_history(store)
        end = args["to"] or today()
        if end < args["from_"]:
            raise ValidationError({"to": ["Must not be before from (default today)."]})
        value = METRICS[args["metric"]]
        base = _baseline(history)
        return {
            "metric": args["metric"],
            "interval": args["interval"],
            "baseline": base,
            "baseline_value": value(supply_on(history, vols, base)),
            "points": [
                {"date": d, "value": value(supply_on(history, vols, d))} for d in report_days(args["from_"], end)
            ],
        }


def _grant_out(g: dict[str, Any]) -> dict[str, Any]:
    return {
        **g,
        "amount_dkk": _money(g["amount_ore"]),
        "paid_dkk": _money(g["paid_ore"]),
        "payments": [{"paid_on": p["paid_on"], "amount_dkk": _money(p["amount_ore"])} for p in g["payments"]],
        "cost_per_place": None if g["cost_per_place"] is None else str(g["cost_per_place"]),
        "cost_per_volunteer": None if g["cost_per_volunteer"] is None else str(g["cost_per_volunteer"]),
    }


def _fund_out(f: dict[str, Any]) -> dict[str, Any]:
    return {**f, "total_dkk": _money(f["total_ore"])}


@blp.route("/grants")
class Grants(MethodView):
    @requires(*ROLES)
    @blp.arguments(s.LedgerArgs, location="query")
    @blp.response(200, s.LedgerSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The ledger: the fund, committed, paid and remaining; per grant expected against
        realised outputs and the cost per new place and volunteer."""
        report = ledger.ledger_report(get_store(), args["date"] or today())
        return {
            "date": report["date"],
            "fund": _fund_out(report["fund"]),
            "committed_dkk": _money(report["committed_ore"]),
            "paid_dkk": _money(report["paid_ore"]),
            "remaining_dkk": _money(report["remaining_ore"]),
            "cost_per_place": None if report["cost_per_place"] is None else str(report["cost_per_place"]),
            "cost_per_volunteer": None if report["cost_per_volunteer"] is None else str(report["cost_per_volunteer"]),
            "grants": [_grant_out(g) for g in report["grants"]],
        }

    @requires(*ROLES, throttle="write")
    @blp.arguments(s.GrantInput)
    @blp.response(201, s.CreatedSchema)
    @blp.alt_response(409, "CONFLICT", description="The fund has less left than the grant; `errors` says how much.")
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Commit a grant to an organisation, linked to the offers it creates or expands."""
        return ledger.add_grant(
            get_store(),
            organisation_id=data["organisation_id"],
            amount_ore=_ore(data["amount_dkk"], "amount_dkk"),
            committed_on=data["committed_on"],
            purpose=data["purpose"],
            expected=data["expected"],
            offer_ids=data["offer_ids"],
            actor=_actor(),
        )


@blp.route("/grants/<grant_id>/offers")
class GrantOffers(MethodView):
    @requires(*ROLES, throttle="write")
    @blp.arguments(s.OfferLinksSchema)
    @blp.response(200, s.OfferLinksSchema)
    def put(self, data: dict[str, Any], grant_id: str) -> dict[str, Any]:
        """Set the offers the grant created or expanded (they are often made after the commitment)."""
        return {"offer_ids": ledger.link_offers(get_store(), grant_id, data["offer_ids"])}


@blp.route("/grants/<grant_id>/payments")
class Payments(MethodView):
    @requires(*ROLES, throttle="write")
    @blp.arguments(s.PaymentInput)
    @blp.response(201, s.PaymentSchema)
    @blp.alt_response(409, "CONFLICT", description="More than the grant has left to pay; `errors` says how much.")
    def post(self, data: dict[str, Any], grant_id: str) -> dict[str, Any]:
        """Record a payment of a grant."""
        paid = ledger.add_payment(
            get_store(),
            grant_id,
            paid_on=data["paid_on"],
            amount_ore=_ore(data["amount_dkk"], "amount_dkk"),
            actor=_actor(),
        )
        return {"paid_on": paid["paid_on"], "amount_dkk": _money(paid["amount_ore"])}


@blp.route("/fund")
class Fund(MethodView):
    @requires(*ROLES)
    @blp.response(200, s.FundSchema)
    def get(self) -> dict[str, Any]:
        """The capacity fund (Østifterne's 1,500,000 kr. until another is recorded)."""
        return _fund_out(ledger.get_fund(get_store()))

    @requires(*ROLES, throttle="write")
    @blp.arguments(s.FundInput)
    @blp.response(200, s.FundSchema)
    @blp.alt_response(409, "CONFLICT", description="The total is below what is already committed.")
    def put(self, data: dict[str, Any]) -> dict[str, Any]:
        """Record the fund's name, total and period."""
        return _fund_out(
            ledger.set_fund(
                get_store(),
                name=data["name"],
                total_ore=_ore(data["total_dkk"], "total_dkk"),
                period_start=data["period_start"],
                period_end=data["period_end"],
                actor=_actor(),
            )
        )


@blp.route("/volunteer-reports")
class VolunteerReports(MethodView):
    @requires(*ROLES)
    @blp.arguments(s.VolunteerReportArgs, location="query")
    @blp.response(200, s.VolunteerReportListSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Organisations' dated volunteer and companion counts (one organisation's if given)."""
        return {"items": volunteers.list_reports(get_store(), args["organisation_id"])}

    @requires(*ROLES, throttle="write")
    @blp.arguments(s.VolunteerReportInput)
    @blp.response(201, s.VolunteerReportSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Record an organisation's volunteers and companions on a date (a new record; nothing is overwritten)."""
        return volunteers.report_volunteers(
            get_store(),
            data["organisation_id"],
            reported_on=data["reported_on"],
            volunteers=data["volunteers"],
            companions=data["companions"],
            actor=_actor(),
        )


@blp.route("/gaps")
class Gaps(MethodView):
    @requires(*ROLES)
    @blp.arguments(s.GapArgs, location="query")
    @blp.response(200, s.GapReportSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Demand and gaps for match requests from `from` to `to`: requests by town, category,
        barrier and age band, no good match, zero results, utilisation, waiting lists, and
        the (town, category, barrier) gaps ranked by unmet demand per free place."""
        store = get_store()
        history = offer_history(store)
        end = args["to"] or today()
        start = args["from_"] or min(_baseline(history), end)
        if end < start:
            raise ValidationError({"to": ["Must not be before from."]})
        data = gap_data(store, start, end, history)
        data["gaps"] = data["gaps"][: args["limit"]]
        return {"from_": start, "to": end, **data}
