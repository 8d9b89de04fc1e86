"""A schedule <-> the offer row's columns: ``slots`` (JSON, dates as ISO strings),
``schedule_state``, ``schedule_exceptions`` (JSON ``{"months": [...], "periods": [...]}``),
``valid_from`` and ``valid_to``. Duck-typed on the row so this module needs no ORM import."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .model import canonical_schedule


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def schedule_from_row(row: Any) -> dict[str, Any]:
    """The canonical schedule of an offer row; a row from before the state column (NULL) with
    no slots is "by_arrangement", what an empty slot list meant then."""
    exceptions = row.schedule_exceptions or {}
    return canonical_schedule(
        {
            "state": row.schedule_state,
            "slots": row.slots or [],
            "valid_from": row.valid_from,
            "valid_to": row.valid_to,
            "exception_months": exceptions.get("months") or [],
            "exception_periods": exceptions.get("periods") or [],
        }
    )


def schedule_to_row(row: Any, schedule: Mapping[str, Any]) -> None:
    """Write a canonical schedule onto an offer row (JSON columns hold ISO date strings)."""
    row.slots = [{k: _iso(v) for k, v in s.items()} for s in schedule["slots"]]
    row.schedule_state = schedule.get("state") or ("slots" if schedule["slots"] else "by_arrangement")
    months = list(schedule.get("exception_months") or [])
    periods = [{"from": _iso(p["from"]), "to": _iso(p["to"])} for p in schedule.get("exception_periods") or []]
    row.schedule_exceptions = {"months": months, "periods": periods} if months or periods else None
    row.valid_from, row.valid_to = schedule["valid_from"], schedule["valid_to"]
