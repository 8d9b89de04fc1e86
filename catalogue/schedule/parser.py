"""Reading the Danish schedule phrases associations write in a spreadsheet cell.

``parse_schedule("første tirsdag i måneden kl. 19-21 (ikke i skoleferier); ikke i juli")``
-> a schedule dict in the shape of :mod:`catalogue.schedule.model`. Parts are
separated by ``;`` or a line break; within a part, each time range ends one
group of days (``"tirsdag 10-12, torsdag 19-21"``). What is read:

- ``efter aftale`` (by arrangement, no slots);
- days: ``tirsdag``, ``tirsdage``, ``tirs``, ``tir.``, ``1``-``7``, lists (``tirsdag og torsdag``,
  ``man, ons``), ranges (``mandag-fredag``, ``man til fre``), ``hverdage``, ``weekender``;
- times: ``10-12``, ``kl. 19.00-21.30``, ``10:00–12:00``, ``fra kl. 19 til 21``;
- ``hver anden/tredje/fjerde onsdag`` (interval), ``første/anden/…/sidste/næstsidste fredag i
  måneden`` (nth weekday), ``i lige/ulige uger``, ``i uge 2, 4 og 10-12`` (ISO week numbers);
- ``fra 5. januar``, ``til og med 10. december`` (dates of the slots in that part, or of all
  slots when the part has no times), ``ikke i juli``, ``sommerpause i juli og august``;
- a bracketed note, ``(ikke i skoleferier)``, kept as the note of that part's slots.

A date without a year is read relative to ``today``: ``fra`` the nearest such date (so "fra 5.
januar" written in December is next January, written in February is this one), ``til og med`` the
first such date on or after the start (or today). Anything else raises
:class:`ScheduleTextError` with a Danish message naming the text and giving examples that work.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Final

from catalogue.taxonomy import WEEKDAYS_DA

from .model import EVEN_WEEKS, ODD_WEEKS, canonical_schedule
from .phrases import MONTHS_DA

EXAMPLES: Final = (
    '"tirsdag og torsdag 10-12", "mandag-fredag kl. 9.00-15.00", "hver anden onsdag 14-16", '
    '"første tirsdag i måneden kl. 19-21", "tirsdage i lige uger 10-12; ikke i juli" eller "efter aftale"'
)


class ScheduleTextError(ValueError):
    """A schedule cell that cannot be read; ``str()`` is the Danish message for the user."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f'Kan ikke læse tidspunktet "{text}": {reason}. Skriv fx {EXAMPLES}.')
        self.text = text


_DAYS: dict[str, int] = {}
for _num, _name in WEEKDAYS_DA.items():
    _DAYS.update({_name: _num, _name + "e": _num, _name[:3]: _num, str(_num): _num})
_DAYS.update({"tirs": 2, "tors": 4, "lørd": 6, "sønd": 7, "lor": 6, "son": 7, "lordag": 6, "sondag": 7})
_DAYS.update({"lordage": 6, "sondage": 7})
_GROUPS = {"hverdage": [1, 2, 3, 4, 5], "hverdag": [1, 2, 3, 4, 5], "weekender": [6, 7], "weekenden": [6, 7]}
_GROUPS.update({"weekend": [6, 7], "dagligt": [1, 2, 3, 4, 5, 6, 7], "alle dage": [1, 2, 3, 4, 5, 6, 7]})
_NTH = {"første": 1, "1.": 1, "anden": 2, "andre": 2, "2.": 2, "tredje": 3, "3.": 3, "fjerde": 4, "4.": 4}
_NTH.update({"femte": 5, "5.": 5, "sidste": -1, "næstsidste": -2})
_INTERVAL = {"anden": 2, "andet": 2, "2.": 2, "tredje": 3, "3.": 3, "fjerde": 4, "4.": 4}
_MONTHS = {name: n for n, name in enumerate(MONTHS_DA, start=1)}
_MONTHS.update({name[:3]: n for n, name in enumerate(MONTHS_DA, start=1)})

_MONTH = r"(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DATE = rf"(?:den\s+)?(\d{{1,2}})\.?\s*({_MONTH})(?:\s+(\d{{4}}))?"
_CLOCK = r"\d{1,2}(?:[:.]\d{2})?"
_TIME_RE = re.compile(
    rf"(?:\bfra\s+)?(?:\bkl\.?\s*)?(?P<start>{_CLOCK})\s*(?:-|\btil\b)\s*(?:kl\.?\s*)?(?P<end>{_CLOCK})(?![\d.:]*\s*{_MONTH})"
)
_FROM_RE = re.compile(rf"\b(?:fra|starter|start|begynder)\s+{_DATE}")
_UNTIL_RE = re.compile(rf"\b(?:til og med|tom\.?|t\.o\.m\.?|til|indtil|slutter)\s+{_DATE}")
_WEEKS_RE = re.compile(r"\b(?:i\s+)?(lige|ulige)\s+uger?\b")
_WEEK_LIST_RE = re.compile(r"\bi\s+uge(?:rne)?\s+(\d{1,2}(?:\s*(?:-|,|og)\s*\d{1,2})*)")
_MONTHS_LIST = rf"({_MONTH}(?:\s*(?:,|og|og i|samt)\s*{_MONTH})*)"
_EXCEPT_RE = re.compile(rf"\b(?:ikke|undtagen|lukket|holder fri|sommerpause|pause|ferie)\s+(?:i\s+)?{_MONTHS_LIST}")
_PERIOD_RE = re.compile(rf"\b(?:ikke|lukket|undtagen)\s+(?:fra\s+)?{_DATE}(?:\s*(?:-|til og med|til)\s*{_DATE})?")
_COUNT_RE = re.compile(r"\b(\d{1,3})\s+gange\b")
_MONTHDAY_RE = re.compile(r"(?:den|d\.)\s+(\d{1,2})\.?")
_NOTE_RE = re.compile(r"\(([^()]*)\)")
_DAY_SPLIT = re.compile(r"\s*(?:,|\bog\b|&|\+|/)\s*")
_RANGE_SPLIT = re.compile(r"\s*(?:-|\btil\b)\s*")


def parse_schedule(text: str, today: date | None = None) -> dict[str, Any]:
    """A schedule dict (canonical, see :mod:`catalogue.schedule.model`) from a Danish cell.

    Raises :class:`ScheduleTextError` for text that cannot be read; an empty cell is ``"unknown"``."""
    today = today or date.today()
    cell = " ".join(text.split())
    if not cell:
        return canonical_schedule({"state": "unknown"})
    low = cell.casefold().replace("–", "-").replace("—", "-")
    if re.fullmatch(r"(?:kun\s+)?(?:efter|ved|via)\s+aftale\.?(?:\s*\([^()]*\))?", low):
        return canonical_schedule({"state": "by_arrangement"})
    acc: dict[str, Any] = {"months": set(), "periods": []}
    slots: list[dict[str, Any]] = []
    loose: dict[str, Any] = {}  # dates, weeks or notes of a part without times: for every slot
    for part in re.split(r"[;\n]", low):
        if part.strip():
            part_slots, extra = _parse_part(part.strip(), cell, today, acc)
            slots += part_slots
            if not part_slots:
                loose.update(extra)
    if not slots:
        raise ScheduleTextError(cell, "der står ingen ugedag med et tidsrum (fx 10-12)")
    for slot in slots:
        for key, value in loose.items():
            slot.setdefault(key, value)
        if slot.get("count") and not slot.get("dtstart"):
            raise ScheduleTextError(cell, 'skriv hvornår det starter, fx "8 gange fra 5. januar"')
    return canonical_schedule(
        {
            "state": "slots",
            "slots": slots,
            "exception_months": sorted(acc["months"]),
            "exception_periods": acc["periods"],
        }
    )


def _parse_part(part: str, cell: str, today: date, acc: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    extra: dict[str, Any] = {}
    notes = [n.strip() for n in _NOTE_RE.findall(part) if n.strip()]
    part = _NOTE_RE.sub(" ", part)
    if notes:
        extra["note"] = "; ".join(notes)
    for m in _PERIOD_RE.finditer(part):
        first = _date(m, today, nearest=True, cell=cell)
        last = _date(m, first, nearest=False, cell=cell, at=4) if m.group(4) else first
        acc["periods"].append({"from": first, "to": last})
    part = _PERIOD_RE.sub(" ", part)
    for m in _EXCEPT_RE.finditer(part):
        acc["months"].update(_MONTHS[name.rstrip(".")] for name in re.findall(_MONTH, m.group(1)))
    part = _EXCEPT_RE.sub(" ", part)
    found = _FROM_RE.search(part)
    if found:
        extra["dtstart"] = _date(found, today, nearest=True, cell=cell)
        part = part[: found.start()] + " " + part[found.end() :]
    found = _UNTIL_RE.search(part)
    if found:
        extra["until"] = _date(found, extra.get("dtstart") or today, nearest=False, cell=cell)
        if extra.get("dtstart") and extra["until"] < extra["dtstart"]:
            raise ScheduleTextError(cell, "slutdatoen ligger før startdatoen")
        part = part[: found.start()] + " " + part[found.end() :]
    found = _COUNT_RE.search(part)
    if found:
        extra["count"] = int(found.group(1))
        part = part[: found.start()] + " " + part[found.end() :]
    weeks = _WEEKS_RE.search(part)
    if weeks:
        extra["byweekno"] = EVEN_WEEKS if weeks.group(1) == "lige" else ODD_WEEKS
        part = part[: weeks.start()] + " " + part[weeks.end() :]
    listed = _WEEK_LIST_RE.search(part)
    if listed:
        extra["byweekno"] = _week_numbers(listed.group(1), cell)
        part = part[: listed.start()] + " " + part[listed.end() :]
    slots: list[dict[str, Any]] = []
    pos = 0
    for m in _TIME_RE.finditer(part):
        start, end = _hhmm(m.group("start"), cell), _hhmm(m.group("end"), cell)
        if end <= start:
            raise ScheduleTextError(cell, f"sluttiden {end} er ikke efter starttiden {start}")
        slots += [{**rule, "start": start, "end": end, **extra} for rule in _days(part[pos : m.start()], cell)]
        pos = m.end()
    rest = part[pos:].strip(" ,.-")
    if rest:
        reason = (
            "der mangler et tidsrum (fx 19-21)" if slots == [] and _looks_like_days(rest) else f'"{rest}" forstås ikke'
        )
        raise ScheduleTextError(cell, reason)
    if "byweekno" in extra and any(s.get("nth") or s.get("bymonthday") for s in slots):
        raise ScheduleTextError(cell, "lige/ulige uger kan ikke kombineres med en bestemt dag i måneden")
    return slots, extra


def _week_numbers(text: str, cell: str) -> list[int]:
    """``"2, 4 og 10-12"`` -> [2, 4, 10, 11, 12] (ISO week numbers)."""
    out: list[int] = []
    for item in re.split(r"\s*(?:,|og)\s*", text):
        first, _, last = item.partition("-")
        lo, hi = int(first), int(last or first)
        if not 1 <= lo <= hi <= 53:
            raise ScheduleTextError(cell, f'"uge {item}" er ikke ugenumre (1-53)')
        out += range(lo, hi + 1)
    return sorted(set(out))


def _looks_like_days(text: str) -> bool:
    try:
        _days(text, text)
    except ScheduleTextError:
        return False
    return True


def _days(text: str, cell: str) -> list[dict[str, Any]]:
    """``"hver anden onsdag"`` -> [{"weekday": 3, "interval": 2}]; ``"mandag-fredag"`` -> five slots."""
    spec = re.sub(r"^(?:,|og|samt|\s)+|(?:\bkl\.?|\bfra|\bom|,|\s)+$", "", text.strip())
    spec = re.sub(r"\bi\s+måneden\b|\bhver\s+måned\b|\bmånedligt?\b", " i_måneden ", spec)
    words = spec.split()
    rule: dict[str, Any] = {}
    if words[:1] == ["hver"] or words[:1] == ["hveranden"]:
        words = words[1:]
        if words and words[0] in _INTERVAL:
            rule["interval"] = _INTERVAL[words.pop(0)]
            if words and words[0] == "uge":
                words.pop(0)
    elif words[:1] == ["alle"]:
        words = words[1:]
    if words and words[0] in _NTH:
        if "i_måneden" not in words:
            raise ScheduleTextError(cell, f'skriv "{words[0]} … i måneden" for en bestemt dag hver måned')
        rule.update(freq="MONTHLY", nth=_NTH[words.pop(0)])
    had_month = "i_måneden" in words
    if had_month:
        words.remove("i_måneden")
        if "nth" not in rule and not _MONTHDAY_RE.fullmatch(" ".join(words)):
            raise ScheduleTextError(cell, 'skriv fx "første tirsdag i måneden" for en bestemt dag hver måned')
    body = " ".join(words).strip()
    monthday = _MONTHDAY_RE.fullmatch(body)
    if monthday and "nth" not in rule and had_month:
        if not 1 <= int(monthday.group(1)) <= 31:
            raise ScheduleTextError(cell, f'"{body}" er ikke en dag i måneden')
        return [{**rule, "freq": "MONTHLY", "bymonthday": [int(monthday.group(1))], "weekday": None}]
    if body in _GROUPS:
        return [{**rule, "weekday": d} for d in _GROUPS[body]]
    days: list[int] = []
    for item in _DAY_SPLIT.split(body) if body else []:
        ends = [e.strip().rstrip(".") for e in _RANGE_SPLIT.split(item) if e.strip()]
        if not ends or any(e not in _DAYS for e in ends) or len(ends) > 2:
            raise ScheduleTextError(cell, f'"{item or body}" er ikke en ugedag')
        first, last = _DAYS[ends[0]], _DAYS[ends[-1]]
        if last < first:
            raise ScheduleTextError(cell, f'dagene "{item}" går baglæns')
        days += range(first, last + 1)
    if not days:
        raise ScheduleTextError(cell, "der mangler en ugedag foran tidsrummet")
    if "nth" in rule and len(days) > 1:
        raise ScheduleTextError(cell, "skriv én dag ad gangen for en bestemt dag i måneden")
    return [{**rule, "weekday": d} for d in dict.fromkeys(days)]


def _hhmm(value: str, cell: str) -> str:
    hours, _, minutes = value.replace(".", ":").partition(":")
    hh, mm = int(hours), int(minutes or 0)
    if hh > 24 or mm > 59 or (hh == 24 and mm):
        raise ScheduleTextError(cell, f'"{value}" er ikke et klokkeslæt')
    if hh == 24:  # "20-24": until midnight, the last minute of the day
        return "23:59"
    return f"{hh:02d}:{mm:02d}"


def _date(m: re.Match[str], ref: date, *, nearest: bool, cell: str, at: int = 1) -> date:
    day, month, year = int(m.group(at)), _MONTHS[m.group(at + 1).rstrip(".")], m.group(at + 2)
    try:
        if year:
            return date(int(year), month, day)
        candidates = [date(ref.year + k, month, day) for k in (-1, 0, 1)]
    except ValueError:
        raise ScheduleTextError(cell, f'"{m.group(0).strip()}" er ikke en dato') from None
    if nearest:
        return min(candidates, key=lambda d: (abs((d - ref).days), d))
    return next(d for d in candidates if d >= ref)
