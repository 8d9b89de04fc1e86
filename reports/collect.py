"""Everything the capacity report shows, gathered once from the store.

:func:`collect` reads the offer history, the volunteer reports, the ledger,
the match log and the referrals, and returns plain data that the HTML report,
the CSV files and the JSON endpoints serialise. Demand and gaps cover the
requests from ``start`` to ``end``; supply is as of ``end`` and at each month
end in between.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from capacity.ledger import ledger_report
from capacity.supply import METRICS, Growth, OfferHistory, Supply, growth, offer_history, supply_on
from capacity.volunteers import volunteer_history
from catalogue.capacity import month_ends
from catalogue.store import Store

from . import demand as d
from .utilisation import referral_starts, utilisation


@dataclass(frozen=True)
class ReportData:
    """The capacity report's content (see :func:`collect`)."""

    start: date
    end: date
    baseline: date
    months: list[date]
    series: dict[str, list[int]]  # metric -> value at each of `months`
    baseline_supply: Supply
    end_supply: Supply
    growth: Growth
    ledger: dict[str, Any]
    demand: dict[str, Any]
    gaps: list[dict[str, Any]]
    waiting: list[dict[str, Any]]
    utilisation: list[dict[str, Any]]
    supply_demand: list[dict[str, Any]]


def baseline_of(history: OfferHistory, configured: date | None) -> date:
    """The baseline: the configured day (``FAELLESSKAB_CAPACITY_BASELINE``), else the day of the
    first recorded offer, else today (UTC)."""
    if configured is not None:
        return configured
    first = min(history.created.values(), default=None)
    return first.date() if first else datetime.now(UTC).date()


#: The period a report may cover: this century, at most this many years (a period
#: from year 1 took over three minutes to draw; a month end in year 10000 does not exist).
FIRST_DAY, LAST_DAY, MAX_YEARS = date(2000, 1, 1), date(2099, 12, 31), 20


def period_error(start: date, end: date) -> str | None:
    """Why ``start``..``end`` cannot be reported (a Danish sentence), or None."""
    if start > end:
        return "Fra-datoen må ikke ligge efter til-datoen."
    if start < FIRST_DAY or end > LAST_DAY:
        return f"Perioden skal ligge mellem {FIRST_DAY.isoformat()} og {LAST_DAY.isoformat()}."
    if (end - start).days > 366 * MAX_YEARS:
        return f"Højst {MAX_YEARS} år ad gangen."
    return None


def report_days(start: date, end: date) -> list[date]:
    """Month ends from ``start``'s month to ``end``'s, the last one replaced by ``end``."""
    days = [day for day in month_ends(start, end) if day < end]
    return [*days, end]


def gap_data(store: Store, start: date, end: date, history: OfferHistory | None = None) -> dict[str, Any]:
    """Demand, gaps, waiting lists and utilisation for requests and starts from ``start`` to ``end``."""
    history = history or offer_history(store)
    rows = d.requests_between(store, start, end)
    return {
        "demand": d.demand(rows),
        "gaps": d.gaps(rows, history, end),
        "waiting": d.waiting(history, end),
        "utilisation": utilisation(referral_starts(store, start, end), history, end),
        "supply_demand": d.supply_demand_by_category(rows, history, end),
    }


def collect(store: Store, start: date, end: date, baseline: date) -> ReportData:
    """Gather the report for ``start``..``end`` with growth since ``baseline``."""
    history, volunteers = offer_history(store), volunteer_history(store)
    months = report_days(min(start, baseline), end)
    supplies = [supply_on(history, volunteers, day) for day in months]
    gaps = gap_data(store, start, end, history)
    return ReportData(
        start=start,
        end=end,
        baseline=baseline,
        months=months,
        series={name: [value(s) for s in supplies] for name, value in METRICS.items()},
        baseline_supply=supply_on(history, volunteers, baseline),
        end_supply=supplies[-1],
        growth=growth(history, volunteers, baseline, end),
        ledger=ledger_report(store, end),
        **gaps,
    )
