"""Marshmallow schemas for an offer's schedule (shape: :mod:`catalogue.schedule.model`).

Every refusal names its field (``slots.0.nth``, ``exception_months.1``) with an
English message for API clients; a Danish text (a CSV cell, or a string given
for ``schedule`` in JSON) is read by :func:`catalogue.schedule.parser.parse_schedule`,
whose Danish message is reported against ``schedule``. The offer schema's own
``pre_load`` refuses NUL bytes and CPR numbers in these nested fields too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, cast

from marshmallow import RAISE, ValidationError, fields, post_load, pre_load, validate, validates_schema

from catalogue.jsonsafe import jsonable
from catalogue.privacy import CprGuard

from .model import FREQS, STATES, canonical_slot
from .parser import ScheduleTextError, parse_schedule

#: "HH:MM" from 00:00 to 23:59 in the ASCII digits (``\d`` would take every script's digits).
TIME_RE = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


class WholeMatch(validate.Regexp):
    r"""marshmallow's ``Regexp`` matching the whole value (``re.fullmatch``): with ``re.match`` a
    pattern ending in ``$`` also takes a final newline ("10:00\n"). The pattern is published in the
    OpenAPI spec as it is, so it stays ``^...$`` (ECMA 262 has no ``\Z``)."""

    def __call__(self, value: Any) -> Any:
        regex = cast("re.Pattern[str]", self.regex)  # built from str patterns only
        if not isinstance(value, str) or regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


_TIME = WholeMatch(TIME_RE, error="Time must be HH:MM between 00:00 and 23:59.")
_NONZERO = validate.NoneOf([0], error="0 is not allowed.")


class _Base(CprGuard):
    class Meta:
        unknown = RAISE
        ordered = True


class SlotSchema(_Base):
    """One meeting time and its RFC 5545 recurrence (absent parts: every week)."""

    weekday = fields.Integer(
        required=True,
        allow_none=True,
        strict=True,
        validate=validate.Range(1, 7, error="Weekday is 1 (Monday) to 7 (Sunday)."),
    )
    start = fields.String(required=True, validate=_TIME)
    end = fields.String(required=True, validate=_TIME)
    freq = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(FREQS))
    interval = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(1, 52))
    nth = fields.Integer(load_default=None, allow_none=True, strict=True, validate=[validate.Range(-5, 5), _NONZERO])
    byweekno = fields.List(
        fields.Integer(strict=True, validate=[validate.Range(-53, 53), _NONZERO]),
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=53),
    )
    bymonthday = fields.List(
        fields.Integer(strict=True, validate=[validate.Range(-31, 31), _NONZERO]),
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=31),
    )
    dtstart = fields.Date(load_default=None, allow_none=True)
    until = fields.Date(load_default=None, allow_none=True)
    count = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(1, 1000))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))

    @pre_load
    def _pad(self, data: Any, **_: Any) -> Any:
        # "9:30" is how people write; store it as "09:30". "monthly" as "MONTHLY".
        if isinstance(data, Mapping):
            data = dict(data)
            for key in ("start", "end"):
                value = data.get(key)
                if isinstance(value, str) and re.fullmatch(r"[0-9]:[0-5][0-9]", value.strip()):
                    data[key] = "0" + value.strip()
            if isinstance(data.get("freq"), str):
                data["freq"] = data["freq"].strip().upper()
        return data

    @validates_schema
    def _rule(self, data: dict[str, Any], **_: Any) -> None:
        freq = data.get("freq") or "WEEKLY"
        if data["end"] <= data["start"]:
            raise ValidationError("End time must be after start time.", "end")
        if data.get("weekday") is None and not data.get("bymonthday"):
            raise ValidationError("Give a weekday (1-7), or bymonthday for a day of the month.", "weekday")
        if data.get("nth") and freq != "MONTHLY":
            raise ValidationError("nth (e.g. 1 = first, -1 = last weekday of the month) needs freq MONTHLY.", "nth")
        if data.get("bymonthday") and freq != "MONTHLY":
            raise ValidationError("bymonthday needs freq MONTHLY.", "bymonthday")
        if data.get("byweekno") and freq == "MONTHLY":
            raise ValidationError("byweekno (ISO week numbers) needs freq WEEKLY.", "byweekno")
        if freq == "DAILY" and (data.get("interval") or 1) != 1:
            raise ValidationError("freq DAILY (on a weekday: every week) takes no interval; use WEEKLY.", "interval")
        if data.get("nth") and data.get("bymonthday"):
            raise ValidationError("Give nth or bymonthday, not both.", "bymonthday")
        if data.get("count") and data.get("until"):
            raise ValidationError("Give until or count, not both (RFC 5545).", "count")
        if data.get("count") and not data.get("dtstart"):
            raise ValidationError("count needs dtstart: the date the meetings are counted from.", "count")
        if data.get("dtstart") and data.get("until") and data["until"] < data["dtstart"]:
            raise ValidationError("until is before dtstart.", "until")

    @post_load
    def _canonical(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return canonical_slot(data)


class PeriodSchema(_Base):
    """An inclusive date range with no meetings (``{"from": "2026-12-20", "to": "2027-01-03"}``)."""

    from_ = fields.Date(required=True, data_key="from", attribute="from")
    to = fields.Date(required=True)

    @validates_schema
    def _order(self, data: dict[str, Any], **_: Any) -> None:
        if data["to"] < data["from"]:
            raise ValidationError("to is before from.", "to")


class ScheduleSchema(_Base):
    """An offer's schedule: a state, slots, the season and exceptions."""

    state = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(STATES))
    slots = fields.List(fields.Nested(SlotSchema), load_default=list, validate=validate.Length(max=50))
    valid_from = fields.Date(load_default=None, allow_none=True)
    valid_to = fields.Date(load_default=None, allow_none=True)
    exception_months = fields.List(
        fields.Integer(strict=True, validate=validate.Range(1, 12, error="A month is 1 (January) to 12 (December).")),
        load_default=list,
        validate=validate.Length(max=12),
    )
    exception_periods = fields.List(fields.Nested(PeriodSchema), load_default=list, validate=validate.Length(max=50))

    @validates_schema
    def _check(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("valid_from") and data.get("valid_to") and data["valid_to"] < data["valid_from"]:
            raise ValidationError("valid_to is before valid_from.", "valid_to")
        state, slots = data.get("state"), data.get("slots") or []
        if state == "slots" and not slots:
            raise ValidationError('State "slots" needs at least one slot.', "slots")
        if state in ("by_arrangement", "unknown") and slots:
            raise ValidationError(f'State "{state}" has no slots; use "slots".', "state")


class ScheduleField(fields.Nested):
    """The ``schedule`` of an offer: an object (:class:`ScheduleSchema`) or a Danish text such as
    ``"første tirsdag i måneden kl. 19-21"``, read by :func:`parse_schedule` (its Danish message,
    naming the text and giving examples, is the error of ``schedule``)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(ScheduleSchema, **kwargs)

    def _deserialize(  # type: ignore[override]
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> Any:
        if isinstance(value, str):
            try:
                value = parse_schedule(value)
            except ScheduleTextError as exc:
                raise ValidationError(str(exc)) from None
            value = jsonable(value)
        return super()._deserialize(value, attr, data, **kwargs)
