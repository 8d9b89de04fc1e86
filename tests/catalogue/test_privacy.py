"""The CPR guard: one function, one table."""

from __future__ import annotations

import logging

import pytest
from marshmallow import ValidationError, fields

from catalogue.privacy import CPR_MESSAGE, CprGuard, contains_cpr, cpr_paths, refuse_cpr

CPR_TABLE = [
    # The spellings people use.
    ("010190-1234", True),
    ("0101901234", True),
    ("010190.1234", True),
    ("010190_1234", True),
    ("010190:1234", True),
    ("010190/1234", True),
    ("01.01.90-1234", True),
    ("010190 1234", True),
    ("010190   1234", True),  # several spaces
    ("010190 - 1234", True),
    ("010190\u20131234", True),  # en dash
    ("010190 \u2013 1234", True),
    ("010190--1234", True),
    ("010190\t1234", True),
    ("01 01 90 1234", True),
    ("01-01-90-1234", True),
    ("01/01/90 1234", True),
    ("01.01.90.1234", True),
    # The date written as a date: one-digit day and month, four-digit year, a dash before the serial.
    ("1.1.90-1234", True),
    ("01-01-1990-1234", True),
    ("1/1/1990 - 1234", True),
    ("31.12.1999-0001", True),
    ("29.2.2000-1234", True),
    ("29.2.1999-1234", False),  # 1999 was no leap year
    ("1.13.90-1234", False),
    ("fra 1.1.2026 1200 kr. om året", False),  # a date and a price, no dash
    ("1.1.3026-1234", False),  # no birth year
    # Inside other text and identifiers.
    ("x-0101901234", True),
    ("lp:2512847777", True),
    ("ref 150570-4321 end", True),
    ("CPR:311299-0001.", True),
    ("41 01 01 90 1234", True),  # the date starts at the second pair
    # Calendar dates only.
    ("290200-1234", True),  # 2000 was a leap year
    ("290296-1234", True),
    ("290297-1234", False),  # 1997 was not
    ("310490-1234", False),  # 30 days in April
    ("300490-1234", True),
    ("000190-1234", False),  # no day 0
    ("010090-1234", False),  # no month 0
    ("011390-1234", False),  # no month 13
    ("410190-1234", False),  # no day 41 (no day offset in CPR)
    ("612190-1234", False),
    # Ordinary numbers.
    ("86 30 12 34", False),  # a Danish phone number
    ("86301234", False),
    ("+45 86 30 12 34", False),
    ("9912345678", False),  # ten digits, 99 is no day
    ("01019012345", False),  # eleven digits: part of a longer number
    ("90101901234", False),
    ("010190-123", False),  # serial too short
    ("010190-12345", False),
    ("2026-01-15", False),  # an ISO date
    ("kl. 10:00-12:00", False),
    ("8500 Grenaa", False),
    ("lp-7f3a91", False),
    ("", False),
]


@pytest.mark.parametrize(("text", "is_cpr"), CPR_TABLE)
def test_contains_cpr(text: str, is_cpr: bool) -> None:
    assert contains_cpr(text) is is_cpr


def test_paths_name_fields_keys_and_numbers() -> None:
    data = {"a": "ok", "b": {"c": ["x", "ring 010190 1234"]}, "d": 1501901234, "e": True, "010190-1234": "key"}
    assert list(cpr_paths(data)) == ["b.c.1", "d", ""]


def test_refusal_names_the_field_and_logs_no_value(caplog: pytest.LogCaptureFixture) -> None:
    class Note(CprGuard):
        text = fields.String()

    with caplog.at_level(logging.WARNING, logger="faellesskab.privacy"), pytest.raises(ValidationError) as exc:
        Note().load({"text": "01.01.90-1234"})
    assert exc.value.messages == {"text": [CPR_MESSAGE]}
    assert "text" in caplog.text and "1234" not in caplog.text
    refuse_cpr({"text": "nothing here"}, "test")  # no error
