"""The schedule shape and its occurrences (python-dateutil ``rrule``/``rruleset``).

An offer's schedule (all keys always present after :func:`canonical_schedule`)::

    {"state": "slots" | "by_arrangement" | "unknown",
     "slots": [slot, ...],                 # empty unless state == "slots"
     "valid_from": date | None, "valid_to": date | None,   # the season
     "exception_months": [7],              # months 1-12 with no meetings ("ikke i juli")
     "exception_periods": [{"from": date, "to": date}]}    # inclusive date ranges with none

A slot is one weekday and one time in RFC 5545 terms; keys other than the first
three are present only when they differ from "every week"::

    {"weekday": 1-7 (1 = Monday; None only with bymonthday), "start": "HH:MM", "end": "HH:MM",
     "freq": "MONTHLY",                      # default WEEKLY (DAILY with a weekday is WEEKLY)
     "interval": 2..,                        # default 1 ("hver anden" = 2)
     "nth": -5..5 without 0,                 # MONTHLY: RFC BYDAY "1TU" = weekday 2, nth 1; "-1FR" = last Friday
     "byweekno": [2, 4, ...],                # WEEKLY: ISO week numbers ("i lige uger"; dateutil reads it
                                             # with any freq, HSDS 3.0 has no YEARLY)
     "bymonthday": [15],                     # MONTHLY: day of the month (-31..31 without 0)
     "dtstart": date, "until": date, "count": int,   # RFC DTSTART, UNTIL (inclusive), COUNT
     "note": str}                            # "ikke i skoleferier"

"by_arrangement" (*efter aftale*) means the time is agreed with the citizen;
"unknown" means no times are known. Neither has slots. Times are local
(Europe/Copenhagen) wall-clock times.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any, Final

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, rrule, rruleset, weekday

STATES: Final = ("slots", "by_arrangement", "unknown")
#: RFC 5545 frequencies accepted. HSDS 3.0 allows WEEKLY and MONTHLY only, so DAILY (which with
#: a weekday means every week) is stored as WEEKLY.
FREQS: Final = ("DAILY", "WEEKLY", "MONTHLY")
_FREQ = {"DAILY": DAILY, "WEEKLY": WEEKLY, "MONTHLY": MONTHLY}
#: Optional slot keys in their canonical order.
RULE_KEYS: Final = ("freq", "interval", "nth", "byweekno", "bymonthday", "dtstart", "until", "count", "note")
EVEN_WEEKS: Final = list(range(2, 54, 2))
ODD_WEEKS: Final = list(range(1, 54, 2))
#: How far ahead :func:`occurrences` looks (a monthly rule with a summer break still gives dates).
HORIZON_DAYS: Final = 800


def as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def canonical_slot(slot: Mapping[str, Any]) -> dict[str, Any]:
    """A validated slot with defaults dropped: ``{"weekday": 2, "start": "10:00", "end": "12:00"}``
    is every Tuesday; recurrence keys appear only when they say something else."""
    weekday = slot.get("weekday")
    out: dict[str, Any] = {
        "weekday": int(weekday) if weekday is not None else None,
        "start": slot["start"],
        "end": slot["end"],
    }
    freq = str(slot.get("freq") or "WEEKLY").upper()
    if freq not in ("WEEKLY", "DAILY"):
        out["freq"] = freq
    if int(slot.get("interval") or 1) != 1:
        out["interval"] = int(slot["interval"])
    if slot.get("nth"):
        out["nth"] = int(slot["nth"])
    for key in ("byweekno", "bymonthday"):
        if slot.get(key):
            out[key] = sorted({int(v) for v in slot[key]})
    for key in ("dtstart", "until"):
        if slot.get(key):
            out[key] = as_date(slot[key])
    if slot.get("count"):
        out["count"] = int(slot["count"])
    note = " ".join(str(slot.get("note") or "").split())
    if note:
        out["note"] = note
    return out


def slot_key(slot: Mapping[str, Any]) -> tuple[Any, ...]:
    """A sort key: weekday, then time, then the rule (so equal schedules compare equal)."""
    return (
        slot.get("weekday") or 0,
        slot["start"],
        slot["end"],
        tuple(str(slot.get(k) or "") for k in RULE_KEYS),
    )


def canonical_schedule(schedule: Mapping[str, Any] | None, *, default_state: str | None = None) -> dict[str, Any]:
    """Every key present, slots deduplicated and sorted, state explicit.

    Without a ``state``, a schedule with slots is ``"slots"`` and one without is
    ``default_state`` (``"by_arrangement"``, what an empty slot list always meant
    in this catalogue, unless the caller knows better)."""
    schedule = schedule or {}
    slots: list[dict[str, Any]] = []
    seen: set[tuple[Any, ...]] = set()
    for raw in schedule.get("slots") or []:
        slot = canonical_slot(raw)
        key = slot_key(slot)
        if key not in seen:
            seen.add(key)
            slots.append(slot)
    slots.sort(key=slot_key)
    state = schedule.get("state") or ("slots" if slots else default_state or "by_arrangement")
    if slots:
        state = "slots"
    elif state == "slots":
        state = default_state or "by_arrangement"
    periods = [
        {"from": as_date(p["from"]), "to": as_date(p["to"])} for p in schedule.get("exception_periods") or [] if p
    ]
    return {
        "state": state,
        "slots": slots,
        "valid_from": as_date(schedule.get("valid_from")),
        "valid_to": as_date(schedule.get("valid_to")),
        "exception_months": sorted({int(m) for m in schedule.get("exception_months") or []}),
        "exception_periods": sorted(periods, key=lambda p: (p["from"], p["to"])),
    }


def is_weekly(slot: Mapping[str, Any]) -> bool:
    """True for a plain every-week slot (no other rule part)."""
    return not any(slot.get(k) for k in RULE_KEYS if k != "note") or (
        str(slot.get("freq") or "WEEKLY").upper() == "WEEKLY"
        and int(slot.get("interval") or 1) == 1
        and not any(slot.get(k) for k in ("nth", "byweekno", "bymonthday", "dtstart", "until", "count"))
    )


def has_known_phase(slot: Mapping[str, Any]) -> bool:
    """False when ``interval`` > 1 and no ``dtstart`` says which weeks/months: "hver anden onsdag"
    alone does not say whether this Wednesday is one of them, so no dates are given."""
    return int(slot.get("interval") or 1) == 1 or slot.get("dtstart") is not None


def slot_rule(slot: Mapping[str, Any], start: date) -> rrule:
    """The dateutil ``rrule`` of one slot, from ``dtstart`` (or ``start``) at the slot's start time."""
    hh, mm = (int(x) for x in slot["start"].split(":"))
    first = as_date(slot.get("dtstart")) or start
    until = as_date(slot.get("until"))
    freq = str(slot.get("freq") or "WEEKLY").upper()
    wd = slot.get("weekday")
    byweekday: weekday | None = None
    if wd is not None:
        byweekday = weekday(int(wd) - 1, int(slot["nth"])) if slot.get("nth") else weekday(int(wd) - 1)
    return rrule(
        _FREQ[freq],
        dtstart=datetime.combine(first, time(hh, mm)),
        interval=int(slot.get("interval") or 1),
        byweekday=byweekday,
        byweekno=slot.get("byweekno") or None,
        bymonthday=slot.get("bymonthday") or None,
        until=datetime.combine(until, time(23, 59)) if until else None,
        count=int(slot["count"]) if slot.get("count") else None,
    )


def slot_set(slot: Mapping[str, Any], schedule: Mapping[str, Any], start: date) -> rruleset:
    """One slot's meetings as a dateutil ``rruleset``: its ``rrule`` minus EXRULEs for the
    schedule's excepted months ("ikke i juli") and periods (inclusive dates)."""
    rule = slot_rule(slot, start)
    out = rruleset()
    out.rrule(rule)
    # EXRULEs: every day at the slot's time in the excepted months / periods, so the slot's
    # own phase (interval, count) is untouched.
    hh, mm = (int(x) for x in slot["start"].split(":"))
    first_time = datetime.combine(as_date(slot.get("dtstart")) or start, time(hh, mm))
    months = schedule.get("exception_months") or []
    if months:
        out.exrule(rrule(DAILY, dtstart=first_time, bymonth=months))
    for period in schedule.get("exception_periods") or []:
        first, last = as_date(period["from"]), as_date(period["to"])
        if first and last:
            at = first_time.timetz()
            out.exrule(rrule(DAILY, dtstart=datetime.combine(first, at), until=datetime.combine(last, at)))
    return out


def _tagged(rules: rruleset, after: datetime, tag: int) -> Iterator[tuple[datetime, int]]:
    for when in rules.xafter(after, inc=True):
        yield when, tag


def occurrences(schedule: Mapping[str, Any], today: date) -> Iterator[tuple[date, Mapping[str, Any]]]:
    """Meetings on or after ``today`` in date and time order, as ``(date, slot)``, within the
    season (``valid_from``/``valid_to``) and without the exceptions. Slots whose phase is unknown
    (:func:`has_known_phase`) give none. Looks :data:`HORIZON_DAYS` ahead at most."""
    valid_from, valid_to = as_date(schedule.get("valid_from")), as_date(schedule.get("valid_to"))
    begin = max(today, valid_from) if valid_from else today
    end = begin + timedelta(days=HORIZON_DAYS)
    if valid_to and valid_to < end:
        end = valid_to
    slots = [s for s in schedule.get("slots") or [] if has_known_phase(s)]
    if not slots or end < begin:
        return
    lo, hi = datetime.combine(begin, time(0, 0)), datetime.combine(end, time(23, 59))
    # Each slot's rruleset is iterated lazily from ``lo`` and the streams merged in time order,
    # so asking for the next three meetings computes little more than three.
    # A rule counted from its dtstart (count, interval) starts there; the others from the season.
    streams = [_tagged(slot_set(slot, schedule, valid_from or begin), lo, index) for index, slot in enumerate(slots)]
    for when, index in heapq.merge(*streams):
        if when > hi:
            return
        yield when.date(), slots[index]


def schedule_end(schedule: Mapping[str, Any] | None) -> date | None:
    """The last day anything can happen: ``valid_to``, or earlier when every slot ends by itself
    (``until``, or ``dtstart`` + ``count`` computed with its rule); None when open-ended."""
    schedule = schedule or {}
    valid_to = as_date(schedule.get("valid_to"))
    slots = schedule.get("slots") or []
    ends: list[date] = []
    for slot in slots:
        if slot.get("until"):
            ends.append(as_date(slot["until"]))  # type: ignore[arg-type]
        elif slot.get("count") and slot.get("dtstart"):
            last = list(slot_rule(slot, as_date(slot["dtstart"])))[-1:]  # type: ignore[arg-type]
            ends.append(last[0].date() if last else as_date(slot["dtstart"]))  # type: ignore[arg-type]
        else:
            return valid_to
    if not ends:
        return valid_to
    return min(valid_to, max(ends)) if valid_to else max(ends)
