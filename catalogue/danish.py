"""Values as Danish spreadsheets and the product's own pages write them.

A coordinator copies what the product shows back into a file: the Danish
labels of kinds, categories, accessibility features and statuses, dates such as
``31-12-2026``, ``31.12.2026`` or ``5. januar 2027``, and ages such as ``60+``
or ``18-25``. These helpers read them, or raise ``ValueError`` with a message
saying what is expected; nothing is guessed (``03-04-2026`` is always
day-month-year, the Danish order; ``2026-04-03`` is ISO 8601).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any, Final

from . import taxonomy
from .gazetteer import fold_name

#: Danish month names and their usual abbreviations -> month number.
MONTHS_DA: Final[dict[str, int]] = {
    name: num
    for num, names in enumerate(
        [
            ("januar", "jan"),
            ("februar", "feb"),
            ("marts", "mar"),
            ("april", "apr"),
            ("maj",),
            ("juni", "jun"),
            ("juli", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("oktober", "okt"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}

DATE_HINT: Final = "Skriv datoen som 31-12-2026, 31.12.2026, 5. januar 2027 eller 2026-12-31."
AGE_HINT: Final = "Skriv en alder i hele år, fx 60, '60+' (60 og op) eller '18-25'."

_NUMERIC = re.compile(r"(?P<d>\d{1,2})\s*[-./]\s*(?P<m>\d{1,2})\s*[-./]\s*(?P<y>\d{4})")
_ISO = re.compile(r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})")
_WORDS = re.compile(r"(?P<d>\d{1,2})\.?\s+(?P<month>[a-zæøå]+)\.?\s+(?P<y>\d{4})")
_AGE_PLUS = re.compile(r"(?P<lo>\d{1,3})\s*(?:\+|år\s+og\s+(?:op|opefter|derover)|and\s+over)")
_AGE_RANGE = re.compile(r"(?P<lo>\d{1,3})\s*(?:-|–|til)\s*(?P<hi>\d{1,3})(?:\s*år)?")
_AGE_ONE = re.compile(r"(?P<n>\d{1,3})(?:\s*år)?")


def parse_date(text: str) -> date:
    """A date as Danes write it: ``31-12-2026``, ``31.12.2026``, ``31/12/2026``, ``5. januar 2027``,
    ``5 jan 2027`` or ISO ``2026-12-31``. Raises ValueError naming the text and the forms that work."""
    value = " ".join(text.strip().casefold().split())
    found = _ISO.fullmatch(value) or _NUMERIC.fullmatch(value)
    month: int | None = None
    if found:
        month = int(found.group("m"))
    else:
        found = _WORDS.fullmatch(value)
        if found:
            month = MONTHS_DA.get(found.group("month"))
    if found is None or month is None:
        raise ValueError(f"Datoen {text!r} kan ikke læses. {DATE_HINT}")
    try:
        return date(int(found.group("y")), month, int(found.group("d")))
    except ValueError:
        raise ValueError(f"Datoen {text!r} findes ikke. {DATE_HINT}") from None


def parse_age(text: str) -> tuple[int | None, int | None]:
    """``(age_min, age_max)`` from ``"60+"``, ``"60 år og op"``, ``"18-25"``, ``"18 til 25 år"`` or ``"60"``
    (a single number is an age_min). Raises ValueError with :data:`AGE_HINT`."""
    value = " ".join(text.strip().casefold().split())
    if m := _AGE_PLUS.fullmatch(value):
        return int(m.group("lo")), None
    if m := _AGE_RANGE.fullmatch(value):
        lo, hi = int(m.group("lo")), int(m.group("hi"))
        if lo > hi:
            raise ValueError(f"Alderen {text!r} går baglæns. {AGE_HINT}")
        return lo, hi
    if m := _AGE_ONE.fullmatch(value):
        return int(m.group("n")), None
    raise ValueError(f"Alderen {text!r} kan ikke læses. {AGE_HINT}")


def code_for(value: str, labels: Mapping[str, str]) -> str | None:
    """The code whose code or Danish label (``labels``: code -> label) ``value`` is, compared folded
    (:func:`catalogue.gazetteer.fold_name`: "kørestolsegnet" = "Kørestolsegnet"); None when neither."""
    if value in labels:
        return value
    folded = fold_name(value)
    for code, label in labels.items():
        if folded and folded in (fold_name(code), fold_name(label)):
            return code
    return None


_JA_NEJ: Final = {"ja": True, "nej": False, "j": True, "n": False}
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def read_product_words(data: dict[str, Any], category_labels: Mapping[str, str]) -> dict[str, list[str]]:
    """Turn what the product shows into codes and values, in ``data`` (an offer as given, changed in
    place): Danish labels of kinds, categories (``category_labels``: code -> label), accessibility,
    group sizes and statuses; "ja"/"nej"; Danish dates (``last_verified``, ``schedule.valid_from``/
    ``valid_to``); ages "60+"/"18-25". A label nobody has is left as written, for the schema to name.
    Returns ``{field path: [Danish message]}`` for dates and ages that cannot be read."""
    labels: Mapping[str, str]
    for name, labels in (
        ("kind", taxonomy.OFFER_KINDS),
        ("status", taxonomy.STATUSES),
        ("group_size", taxonomy.GROUP_SIZES),
    ):
        if isinstance(data.get(name), str):
            data[name] = code_for(data[name].strip(), labels) or data[name]
    for name, labels in (("categories", category_labels), ("accessibility", taxonomy.ACCESSIBILITY)):
        if isinstance(data.get(name), list):
            data[name] = [(code_for(v.strip(), labels) or v) if isinstance(v, str) else v for v in data[name]]
    for name in ("newcomers_welcome", "companion_available", "transport_offered"):
        value = data.get(name)
        if isinstance(value, str) and value.strip().casefold() in _JA_NEJ:
            data[name] = _JA_NEJ[value.strip().casefold()]
    errors: dict[str, list[str]] = {}
    _read_ages(data, errors)
    dated: list[tuple[dict[str, Any], str, str]] = [(data, "last_verified", "last_verified")]
    if isinstance(data.get("schedule"), Mapping):
        data["schedule"] = dict(data["schedule"])
        dated += [(data["schedule"], key, f"schedule.{key}") for key in ("valid_from", "valid_to")]
    for holder, key, path in dated:
        value = holder.get(key)
        if isinstance(value, str) and value.strip() and not _ISO_DAY.fullmatch(value.strip()):
            try:
                holder[key] = parse_date(value).isoformat()
            except ValueError as exc:
                errors[path] = [str(exc)]
    return errors


def _read_ages(data: dict[str, Any], errors: dict[str, list[str]]) -> None:
    """``age_min`` "60+" -> 60; "18-25" -> age_min 18 and age_max 25 (when age_max is not given);
    ``age_max`` "25" or "25 år" -> 25. A text that is no age is refused with a Danish hint."""
    for key in ("age_min", "age_max"):
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            continue
        try:
            low, high = parse_age(value)
        except ValueError as exc:
            errors[key] = [str(exc)]
            continue
        if key == "age_max":
            if high is not None:
                errors[key] = [f"age_max er én alder, ikke {value!r}; skriv intervallet i age_min."]
            data[key] = low
            continue
        data["age_min"] = low
        if high is not None:
            if data.get("age_max") not in (None, "", high):
                errors["age_max"] = [
                    f"age_min {value!r} siger allerede en øvre alder; age_max må ikke sige noget andet."
                ]
            data["age_max"] = high
