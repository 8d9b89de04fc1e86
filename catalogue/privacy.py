"""The CPR guard: no Danish personal identification number enters the service.

A CPR number (CPR-loven § 3) is a birth date ``DDMMYY`` and a four-digit
serial number. People write it in many ways: ``010190-1234``, ``0101901234``,
``010190 1234``, ``010190.1234``, ``010190_1234``, ``010190:1234``,
``010190/1234``, ``010190 – 1234`` (en dash), ``01.01.90-1234``,
``01 01 90 1234``, and with the date written as a date: ``1.1.90-1234``,
``01-01-1990-1234``, ``1/1/1990 - 1234`` (day and month of one or two digits,
a two- or four-digit year, then a dash and the serial). :func:`contains_cpr`
finds all of these anywhere in a text.
Since 2007 not every CPR number satisfies the modulus-11 check (CPR-kontoret,
"Personnumre uden kontrolciffer"), so the guard does not rely on it; it only
asks that ``DDMMYY`` be a real calendar date (a CPR number has no day
offset), which spares most ordinary ten-digit numbers, and that the ten
digits are not part of a longer run of digits. An eight-digit Danish phone
number can never match.

:class:`CprGuard` applies the guard to every string (and integer) of a
marshmallow load, at any depth and in field names too, before any field is
read: the error names the field, never the value, and the refusal is logged
the same way.
"""

from __future__ import annotations

import calendar
import logging
import re
from collections.abc import Iterator, Mapping
from typing import Any, Final

from marshmallow import Schema, ValidationError, pre_load

log = logging.getLogger("faellesskab.privacy")

#: The message of every refusal; it never repeats the value.
CPR_MESSAGE: Final = "Må ikke indeholde et CPR-nummer."

_DASHES: Final = "\u2010-\u2015\u2212"  # hyphen, non-breaking hyphen, figure dash, en dash, em dash, bar; minus
#: Between the date and the serial: any whitespace and up to two of - . _ : / (or a dash).
_SEP: Final = rf"\s*(?:[-._:/{_DASHES}]\s*){{0,2}}"
#: Inside the date (``01.01.90``, ``01 01 90``, ``01-01-90``): at most one mark.
_DATE_SEP: Final = rf"\s*[-./{_DASHES}]?\s*"
# A lookahead, so that overlapping candidates are all tried ("41 01 01 90 1234").
_CANDIDATE: Final = re.compile(
    rf"(?<!\d)(?=(\d\d){_DATE_SEP}(\d\d){_DATE_SEP}(\d\d){_SEP}\d{{4}}(?!\d))",
)


# A date written as a date (one- or two-digit day and month, marks required, a two- or four-digit
# year), then a dash and the serial: ``1.1.90-1234``, ``01-01-1990-1234``. Only a dash before the
# serial, so "fra 1.1.2026 1200 kr." is not taken for one.
_WRITTEN_DATE: Final = re.compile(
    rf"(?<![\d.])(\d{{1,2}})\s*[-./{_DASHES}]\s*(\d{{1,2}})\s*[-./{_DASHES}]\s*(\d{{4}}|\d{{2}})"
    rf"\s*[-{_DASHES}]{{1,2}}\s*\d{{4}}(?!\d)",
)


def _is_date(day: int, month: int, year: int) -> bool:
    """True for a calendar date; ``year`` is two digits, so 29 February is
    allowed whenever it is a leap year in either century (00 is: 2000)."""
    if not 1 <= month <= 12 or day < 1:
        return False
    return day <= (29 if month == 2 and year % 4 == 0 else calendar.monthrange(2001, month)[1])


def contains_cpr(text: str) -> bool:
    """True when ``text`` holds something written like a CPR number anywhere in it:
    a valid ``DDMMYY`` date and four digits, in any of the spellings above."""
    if any(_is_date(int(m[1]), int(m[2]), int(m[3])) for m in _CANDIDATE.finditer(text)):
        return True
    for m in _WRITTEN_DATE.finditer(text):
        year = int(m[3])
        if (len(m[3]) == 2 or 1850 <= year <= 2099) and _is_date(int(m[1]), int(m[2]), year % 100):
            return True
    return False


def cpr_paths(data: Any, path: str = "") -> Iterator[str]:
    """The dotted paths (``"contact.name"``, ``"reasons.2"``) of every string or
    integer in ``data`` (nested mappings and lists) that :func:`contains_cpr`;
    a field *name* that holds one yields its parent's path (``""`` at the top)."""
    if isinstance(data, Mapping):
        for key, value in data.items():
            key_text = str(key)
            if contains_cpr(key_text):
                yield path
                continue
            yield from cpr_paths(value, f"{path}.{key_text}" if path else key_text)
    elif isinstance(data, list | tuple):
        for index, value in enumerate(data):
            yield from cpr_paths(value, f"{path}.{index}" if path else str(index))
    elif isinstance(data, str | int) and not isinstance(data, bool) and contains_cpr(str(data)):
        yield path


def refuse_cpr(data: Any, where: str) -> None:
    """Raise ``ValidationError`` (``{path: [CPR_MESSAGE]}``, ``_schema`` for the
    top level) when any part of ``data`` holds a CPR number, after logging a
    warning that names ``where`` and the paths, never the value."""
    paths = list(dict.fromkeys(cpr_paths(data)))
    if not paths:
        return
    log.warning("Refused %s: a CPR number in %s (value not logged).", where, ", ".join(p or "(record)" for p in paths))
    raise ValidationError({(p or "_schema"): [CPR_MESSAGE] for p in paths})


class CprGuard(Schema):
    """Base schema: refuses a load whose input holds a CPR number anywhere
    (:func:`refuse_cpr`), before fields are read, so every field a subclass
    adds is covered."""

    @pre_load
    def _refuse_cpr(self, data: Any, **_: Any) -> Any:
        refuse_cpr(data, type(self).__name__)
        return data


__all__ = ["CPR_MESSAGE", "CprGuard", "contains_cpr", "cpr_paths", "refuse_cpr"]
