"""Danish phrases for schedules: "første tirsdag i måneden kl. 19–21", "hver anden onsdag
kl. 14–16", "tirsdage i lige uger kl. 10–12", "sommerpause i juli", "fra 5. januar",
"til og med 10. december". Month and weekday names come from Babel's CLDR data (locale ``da``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Final

from babel.dates import get_day_names, get_month_names

from .model import EVEN_WEEKS, ODD_WEEKS, as_date, is_weekly

#: "januar" … "december" (CLDR, Danish).
MONTHS_DA: Final = tuple(str(get_month_names("wide", locale="da")[m]) for m in range(1, 13))
#: 1 (Monday) … 7 (Sunday) -> "mandag" … "søndag" (CLDR, Danish; Babel counts from Monday = 0).
DAYS_DA: Final = {n: str(get_day_names("wide", locale="da")[n - 1]) for n in range(1, 8)}
_NTH_DA = {1: "første", 2: "anden", 3: "tredje", 4: "fjerde", 5: "femte", -1: "sidste", -2: "næstsidste"}
_EVERY_DA = {2: "hver anden", 3: "hver tredje", 4: "hver fjerde"}
BY_ARRANGEMENT: Final = "efter aftale"
UNKNOWN: Final = "tidspunkt ikke oplyst"


def clock(start: str, end: str) -> str:
    """``("19:00", "21:30")`` -> ``"kl. 19–21.30"`` (Danish: a dot between hours and minutes)."""

    def one(hhmm: str) -> str:
        hh, mm = hhmm.split(":")
        return str(int(hh)) if mm == "00" else f"{int(hh)}.{mm}"

    return f"kl. {one(start)}–{one(end)}"


def date_da(day: date, with_year: bool = False) -> str:
    """``date(2027, 1, 5)`` -> ``"5. januar"`` (``"5. januar 2027"`` with the year)."""
    return f"{day.day}. {MONTHS_DA[day.month - 1]}" + (f" {day.year}" if with_year else "")


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " og " + items[-1]


def days_phrase(slot: Mapping[str, Any], weekdays: Sequence[int] = ()) -> str:
    """The day part of one slot: "hver tirsdag", "hver anden onsdag", "første tirsdag i måneden",
    "tirsdage i lige uger", "den 15. i måneden"; ``weekdays`` names several days sharing the rule
    ("hver tirsdag og torsdag")."""
    wd = slot.get("weekday")
    days = list(weekdays) or ([int(wd)] if wd is not None else [])
    name = _join([DAYS_DA[d] for d in days]) if days else ""
    interval = int(slot.get("interval") or 1)
    weeks = slot.get("byweekno") or []
    if slot.get("nth"):
        text = f"{_NTH_DA.get(int(slot['nth']), str(slot['nth']) + '.')} {name} i måneden"
        return text if interval == 1 else f"{text}, {_EVERY_DA.get(interval, f'hver {interval}.')} måned"
    if slot.get("bymonthday"):
        monthdays = _join(
            [f"{d}." if d > 0 else ("sidste dag" if d == -1 else f"{-d}. sidste dag") for d in slot["bymonthday"]]
        )
        text = f"den {monthdays} i måneden"
        return f"{text} hvis det er en {name}" if name else text
    if weeks:
        which = "lige" if list(weeks) == EVEN_WEEKS else "ulige" if list(weeks) == ODD_WEEKS else None
        plural = _join([DAYS_DA[d] + "e" for d in days])
        return f"{plural} i {which} uger" if which else f"{plural} i uge {_join([str(w) for w in weeks])}"
    if interval > 1:
        return f"{_EVERY_DA.get(interval, f'hver {interval}.')} {name}"
    return f"hver {name}"


def slot_phrase(slot: Mapping[str, Any], with_year: bool = False, weekdays: Sequence[int] = ()) -> str:
    """One slot in Danish: "første tirsdag i måneden kl. 19–21 (ikke i skoleferier)"; dates
    with their year when ``with_year`` (as the CSV writes them, so they read back the same)."""
    parts = [days_phrase(slot, weekdays), clock(slot["start"], slot["end"])]
    if slot.get("dtstart"):
        parts.append("fra " + date_da(as_date(slot["dtstart"]), with_year))  # type: ignore[arg-type]
    if slot.get("until"):
        parts.append("til og med " + date_da(as_date(slot["until"]), with_year))  # type: ignore[arg-type]
    if slot.get("count"):
        parts.append(f"{slot['count']} gange")
    text = " ".join(parts)
    return f"{text} ({slot['note']})" if slot.get("note") else text


def _grouped(slots: Sequence[Mapping[str, Any]]) -> list[tuple[Mapping[str, Any], list[int]]]:
    """Slots that differ only in their weekday, together ("hver tirsdag og torsdag kl. 10–12");
    never for an nth weekday or a day of the month, where "og" would be ambiguous."""
    groups: dict[tuple[Any, ...], tuple[Mapping[str, Any], list[int]]] = {}
    out: list[tuple[Mapping[str, Any], list[int]]] = []
    for slot in slots:
        if slot.get("nth") or slot.get("bymonthday") or slot.get("weekday") is None:
            out.append((slot, []))
            continue
        key = tuple(sorted((k, str(v)) for k, v in slot.items() if k != "weekday"))
        if key in groups:
            groups[key][1].append(int(slot["weekday"]))
        else:
            groups[key] = (slot, [int(slot["weekday"])])
            out.append(groups[key])
    return out


def exceptions_phrase(schedule: Mapping[str, Any], with_year: bool = False) -> str:
    """ "sommerpause i juli", "ikke i juli og august", "ikke 20. december–3. januar" or ""."""
    out: list[str] = []
    months = sorted(schedule.get("exception_months") or [])
    if months:
        names = _join([MONTHS_DA[m - 1] for m in months])
        out.append(f"sommerpause i {names}" if set(months) <= {6, 7, 8} else f"ikke i {names}")
    for period in schedule.get("exception_periods") or []:
        first, last = as_date(period["from"]), as_date(period["to"])
        if first and last:
            a, b = date_da(first, with_year), date_da(last, with_year)
            out.append(f"ikke {a}–{b}" if first != last else f"ikke {a}")
    return ", ".join(out)


def schedule_text(schedule: Mapping[str, Any] | None) -> str:
    """The whole schedule in Danish: "hver tirsdag kl. 10–12 og første torsdag i måneden kl. 19–21;
    sommerpause i juli", "efter aftale" or "tidspunkt ikke oplyst"."""
    schedule = schedule or {}
    slots = schedule.get("slots") or []
    if not slots:
        return UNKNOWN if schedule.get("state") == "unknown" else BY_ARRANGEMENT
    text = _join([slot_phrase(s, weekdays=days) for s, days in _grouped(slots)])
    extra = exceptions_phrase(schedule)
    return f"{text}; {extra}" if extra else text


def is_plain_weekly(slots: Sequence[Mapping[str, Any]]) -> bool:
    """True when every slot is a plain every-week slot without a note."""
    return all(is_weekly(s) and not s.get("note") for s in slots)


def schedule_cell(schedule: Mapping[str, Any] | None) -> str:
    """The CSV ``schedule`` cell that :func:`catalogue.schedule.parser.parse_schedule` reads back
    to the same schedule: parts separated by ``"; "``, dates with their year, "" when unknown."""
    schedule = schedule or {}
    slots = schedule.get("slots") or []
    if not slots:
        return "" if schedule.get("state") == "unknown" else BY_ARRANGEMENT
    parts = [slot_phrase(s, with_year=True, weekdays=days) for s, days in _grouped(slots)]
    extra = exceptions_phrase(schedule, with_year=True)
    return "; ".join([*parts, *([extra.replace(", ", "; ")] if extra else [])])
