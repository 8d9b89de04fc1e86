"""Organisations' volunteer and companion counts: dated reports, never overwritten.

An organisation reports how many registered volunteers and companions
(*ledsagere/brobyggere*) it has on a date; each report is a new row. The count
on a day is the organisation's latest report on or before that day (a later
correction for an earlier date is a new row with that date, recorded later:
the latest recorded wins among reports of the same date).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Final

from sqlalchemy import select

from catalogue.errors import InvalidRecord, NotFound
from catalogue.models import Organisation
from catalogue.store import Store

from .models import VolunteerReport

#: The largest count a report may give (a typo guard, not a policy).
MAX_COUNT = 100_000


class VolunteerHistory:
    """Every report, loaded once; :meth:`on` sums the latest per organisation."""

    def __init__(self, reports: Iterable[Mapping[str, Any]]) -> None:
        self.reports = sorted(reports, key=lambda r: (r["reported_on"], r["id"]))

    def latest(self, day: date) -> dict[str, tuple[int, int]]:
        """``{organisation id: (volunteers, companions)}`` as reported by ``day``."""
        out: dict[str, tuple[int, int]] = {}
        for r in self.reports:
            if r["reported_on"] > day:
                break
            out[r["organisation_id"]] = (r["volunteers"], r["companions"])
        return out

    def on(self, day: date, organisations: set[Any] | None = None) -> tuple[int, int]:
        """``(volunteers, companions)`` summed over every organisation (or those given)."""
        counts = [v for org, v in self.latest(day).items() if organisations is None or org in organisations]
        return sum(v for v, _ in counts), sum(c for _, c in counts)


def volunteer_history(store: Store) -> VolunteerHistory:
    with store.read() as session:
        rows = session.execute(select(VolunteerReport.__table__)).mappings()
        return VolunteerHistory(dict(r) for r in rows)


#: The days a capacity fact (a report, a commitment, a payment, a fund's period) may
#: carry: the build-up is this century's; a year-1 date would break the day-before
#: arithmetic of every later report.
FIRST_DAY: Final = date(2000, 1, 1)
LAST_DAY: Final = date(2099, 12, 31)


def day_errors(**days: date | None) -> dict[str, list[str]]:
    """``{field: [message]}`` for each given day outside ``FIRST_DAY``..``LAST_DAY``."""
    return {
        name: [f"Must be between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}."]
        for name, day in days.items()
        if day is not None and not FIRST_DAY <= day <= LAST_DAY
    }


def report_volunteers(
    store: Store, organisation_id: str, *, reported_on: date, volunteers: int, companions: int, actor: str
) -> dict[str, Any]:
    """Record a report; raises NotFound (organisation) and InvalidRecord (a count or the day out of range).
    Returns the stored report as a dict of its columns."""
    errors = {
        name: [f"Must be 0 to {MAX_COUNT}."]
        for name, value in (("volunteers", volunteers), ("companions", companions))
        if not 0 <= value <= MAX_COUNT
    }
    errors.update(day_errors(reported_on=reported_on))
    if errors:
        raise InvalidRecord(errors)
    with store.write() as session:
        if session.get(Organisation, organisation_id) is None:
            raise NotFound("organisation", organisation_id)
        row = VolunteerReport(
            organisation_id=organisation_id,
            reported_on=reported_on,
            volunteers=volunteers,
            companions=companions,
            recorded_by=actor,
        )
        session.add(row)
        session.flush()
        return _as_dict(row)


def list_reports(store: Store, organisation_id: str | None = None) -> list[dict[str, Any]]:
    """Reports, oldest date first (one organisation's if given)."""
    stmt = select(VolunteerReport).order_by(VolunteerReport.reported_on, VolunteerReport.id)
    if organisation_id is not None:
        stmt = stmt.where(VolunteerReport.organisation_id == organisation_id)
    with store.read() as session:
        return [_as_dict(r) for r in session.scalars(stmt)]


def _as_dict(row: VolunteerReport) -> dict[str, Any]:
    return {c.name: getattr(row, c.name) for c in VolunteerReport.__table__.columns}
