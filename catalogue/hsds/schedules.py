"""HSDS 3.0 ``schedules`` <-> an offer's schedule (:mod:`catalogue.schedule.model`), losslessly.

Export: slots sharing a rule and times become one HSDS schedule with every weekday in ``byday``
(``"1TU"`` for the first Tuesday of the month, ``"-1FR"`` for the last Friday); ``freq``,
``interval``, ``byweekno``, ``bymonthday``, ``dtstart``, ``until``, ``count``, ``opens_at``,
``closes_at``, the season as ``valid_from``/``valid_to``, a Danish ``description`` and the slot's
note in ``notes``. An offer "efter aftale" exports one schedule without times described "Efter
aftale". The state and the exceptions ("ikke i juli"), which HSDS has no field for, travel as our
extension attributes ``fm:schedule_state`` and ``fm:schedule_exceptions`` (JSON).

Import: every rule with weekdays (or month days), ``opens_at`` and ``closes_at`` becomes slots,
whatever its frequency. A rule that cannot be read is left out with a warning, and a service
left without slots is "unknown", never "efter aftale" unless the publisher says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from catalogue.jsonsafe import jsonable
from catalogue.schedule.model import is_weekly
from catalogue.schedule.phrases import schedule_text, slot_phrase
from catalogue.taxonomy import WEEKDAYS_DA

from .ids import uid
from .terms import RRULE_DAYS

LOCAL_TIME_NOTE = "Tidspunkter er dansk lokaltid (Europe/Copenhagen)."
BY_ARRANGEMENT_DA = "Efter aftale"
_BYDAY_RE = re.compile(r"([+-]?[1-5])?(MO|TU|WE|TH|FR|SA|SU)")
_BY_ARRANGEMENT_RE = re.compile(r"\b(efter|ved) aftale\b|\bby (appointment|arrangement)\b", re.IGNORECASE)
#: Longest slot note (the schema's limit).
NOTE_MAX = 200


def _iso(value: Any) -> str | None:
    return value.isoformat()[:10] if hasattr(value, "isoformat") else (str(value)[:10] if value else None)


def _ints(values: Any) -> str | None:
    return ",".join(str(v) for v in values) if values else None


def _days_da(days: list[int]) -> str:
    names = [WEEKDAYS_DA[d] for d in days]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " og " + names[-1]


def export_schedules(offer: Mapping[str, Any], sid: str) -> list[dict[str, Any]]:
    """The HSDS ``schedules`` of an offer (dicts with ``None`` values, cleaned by the caller)."""
    schedule = offer.get("schedule") or {}
    valid_from, valid_to = _iso(schedule.get("valid_from")), _iso(schedule.get("valid_to"))
    groups: dict[tuple[Any, ...], tuple[Mapping[str, Any], list[tuple[int | None, int | None]]]] = {}
    for slot in schedule.get("slots") or []:
        key = tuple(sorted((k, json.dumps(jsonable(v))) for k, v in slot.items() if k not in ("weekday", "nth")))
        groups.setdefault(key, (slot, []))[1].append((slot.get("weekday"), slot.get("nth")))
    out = []
    for slot, days in sorted(groups.values(), key=lambda g: (min(d or 0 for d, _ in g[1]), g[0]["start"])):
        byday = ",".join(
            f"{nth or ''}{RRULE_DAYS[d - 1]}" for d, nth in sorted(days, key=lambda x: (x[0], x[1] or 0)) if d
        )
        weekdays = sorted({d for d, _ in days if d})
        plain = is_weekly(slot) and not slot.get("note")
        parts: tuple[str, ...] = ("schedule", slot["start"], slot["end"])
        if not plain:
            parts += (json.dumps(jsonable({k: v for k, v in slot.items() if k not in ("weekday", "start", "end")})),)
            if any(nth for _, nth in days):
                parts += (byday,)
        description = (
            f"{_days_da(weekdays)} kl. {slot['start']}-{slot['end']}"
            if plain
            else slot_phrase(slot, with_year=True, weekdays=weekdays if not slot.get("nth") else ())
        )
        if slot.get("nth") and len(days) > 1:
            description = schedule_text({"slots": [{**slot, "weekday": d, "nth": n} for d, n in days]})
        out.append(
            {
                "id": uid(sid, *parts),
                "valid_from": valid_from,
                "valid_to": valid_to,
                "dtstart": _iso(slot.get("dtstart")),
                "until": _iso(slot.get("until")),
                "count": slot.get("count"),
                "freq": slot.get("freq") or "WEEKLY",
                "interval": slot.get("interval") or 1,
                "wkst": "MO",
                "byday": byday or None,
                "byweekno": _ints(slot.get("byweekno")),
                "bymonthday": _ints(slot.get("bymonthday")),
                "opens_at": slot["start"],
                "closes_at": slot["end"],
                "description": description[:1].upper() + description[1:],
                "notes": f"{slot['note']}\n{LOCAL_TIME_NOTE}" if slot.get("note") else LOCAL_TIME_NOTE,
            }
        )
    state = schedule.get("state") or ("slots" if out else "by_arrangement")
    if not out and state == "by_arrangement":
        out.append(
            {
                "id": uid(sid, "schedule", "by_arrangement"),
                "valid_from": valid_from,
                "valid_to": valid_to,
                "description": BY_ARRANGEMENT_DA,
            }
        )
    elif not out and (valid_from or valid_to):
        out.append(
            {
                "id": uid(sid, "schedule", "period"),
                "valid_from": valid_from,
                "valid_to": valid_to,
                "description": "Tilbuddets periode; tidspunkterne er ikke oplyst.",
            }
        )
    return out


def extension_values(offer: Mapping[str, Any]) -> dict[str, Any]:
    """Our extension attributes for the schedule: ``schedule_state`` and, when there are any,
    ``schedule_exceptions`` as JSON ``{"months": [7], "periods": [{"from": ..., "to": ...}]}``."""
    schedule = offer.get("schedule") or {}
    months = list(schedule.get("exception_months") or [])
    periods = jsonable(list(schedule.get("exception_periods") or []))
    exceptions = json.dumps({"months": months, "periods": periods}) if months or periods else None
    return {"schedule_state": schedule.get("state"), "schedule_exceptions": exceptions}


def _hhmm(value: Any) -> str | None:
    m = re.match(r"\s*(\d{1,2}):(\d{2})", str(value or ""))
    return f"{int(m.group(1)):02d}:{m.group(2)}" if m else None


def _int_list(value: Any) -> list[Any] | None:
    if value is None or value == "":
        return None
    items = value if isinstance(value, list) else str(value).split(",")
    return [int(v) if re.fullmatch(r"\s*[+-]?\d+\s*", str(v)) else str(v).strip() for v in items]


def _whole(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return value


def _note(rule: Mapping[str, Any], warn: list[str]) -> str | None:
    text = " ".join(str(rule.get("notes") or "").replace(LOCAL_TIME_NOTE, " ").split())
    if len(text) > NOTE_MAX:
        warn.append(f"schedule {rule.get('id') or '?'}: notes cut to {NOTE_MAX} characters")
        text = text[: NOTE_MAX - 1] + "…"
    return text or None


def _rule_slots(rule: Mapping[str, Any], warn: list[str]) -> list[dict[str, Any]] | None:
    """The slots of one HSDS rule, or None (with a warning) when it cannot be read."""
    tokens = [t.strip().upper() for t in str(rule.get("byday") or "").split(",") if t.strip()]
    parsed = [_BYDAY_RE.fullmatch(t) for t in tokens]
    opens, closes = _hhmm(rule.get("opens_at")), _hhmm(rule.get("closes_at"))
    freq = str(rule.get("freq") or "WEEKLY").strip().upper()
    monthdays = _int_list(rule.get("bymonthday"))
    if freq == "DAILY" and not tokens and not monthdays:
        tokens, parsed = list(RRULE_DAYS), [_BYDAY_RE.fullmatch(t) for t in RRULE_DAYS]
    problem = None
    if not all(parsed):
        problem = "byday is not RFC 5545 weekdays"
    elif freq not in ("WEEKLY", "MONTHLY", "DAILY"):
        problem = f"freq {freq} is not WEEKLY or MONTHLY"
    elif not (opens and closes):
        problem = "no opens_at/closes_at"
    elif not tokens and not monthdays:
        problem = "no byday or bymonthday"
    if problem:
        warn.append(
            f"schedule {rule.get('id') or '?'} ({freq}, byday {rule.get('byday')}, "
            f"{rule.get('opens_at')}-{rule.get('closes_at')}): {problem}; left out"
        )
        return None
    base: dict[str, Any] = {
        "start": opens,
        "end": closes,
        "freq": freq,
        "interval": _whole(rule.get("interval")) or None,
        "byweekno": _int_list(rule.get("byweekno")),
        "bymonthday": monthdays,
        "dtstart": str(rule["dtstart"])[:10] if rule.get("dtstart") else None,
        "until": str(rule["until"])[:10] if rule.get("until") else None,
        "count": _whole(rule.get("count")) or None,
        "note": _note(rule, warn),
    }
    base = {k: v for k, v in base.items() if v is not None}
    if not parsed:
        return [{**base, "weekday": None}]
    return [
        {**base, "weekday": RRULE_DAYS.index(m.group(2)) + 1, **({"nth": int(m.group(1))} if m.group(1) else {})}
        for m in parsed
        if m is not None
    ]


def read_schedules(
    rules: list[Mapping[str, Any]], fm: Mapping[str, Any], warn: list[str], day: Any
) -> dict[str, Any] | None:
    """An offer schedule from HSDS rules (and our extension values ``fm``); ``day`` reads a date."""
    state = fm.get("schedule_state")
    exceptions: dict[str, Any] = {}
    if fm.get("schedule_exceptions"):
        try:
            raw = json.loads(str(fm["schedule_exceptions"]))
            exceptions = {"exception_months": raw.get("months") or [], "exception_periods": raw.get("periods") or []}
        except (ValueError, AttributeError):
            warn.append(f"schedule exceptions {fm['schedule_exceptions']!r} are not readable; left out")
    if not rules:
        return {"state": state or "unknown", **exceptions}
    slots: list[dict[str, Any]] = []
    starts: list[str | None] = []
    ends: list[str | None] = []
    by_arrangement = False
    for rule in rules:
        starts.append(day(rule.get("valid_from")))
        ends.append(day(rule.get("valid_to")))
        if not rule.get("byday") and not rule.get("bymonthday") and not rule.get("opens_at") and not rule.get("freq"):
            by_arrangement = by_arrangement or bool(_BY_ARRANGEMENT_RE.search(str(rule.get("description") or "")))
            continue
        slots += _rule_slots(rule, warn) or []
    if slots:
        state = "slots"
    elif not state or state == "slots":
        state = "slots" if slots else "by_arrangement" if by_arrangement else "unknown"
    return {
        "state": state,
        "slots": slots,
        "valid_from": min(d for d in starts if d) if all(starts) else None,
        "valid_to": max(d for d in ends if d) if all(ends) else None,
        **exceptions,
    }
