"""The match request schema: values must match whole, in ASCII digits."""

from __future__ import annotations

from typing import Any

import pytest
from marshmallow import ValidationError

from matcher.request import MatchRequestSchema


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        # With re.match, "$" also matches before a final newline.
        ({"interests": "sang", "availability": [{"weekday": 2, "start": "10:00\n", "end": "12:00"}]}, "availability"),
        ({"interests": "sang", "availability": [{"weekday": 2, "start": "10:00", "end": "12:00\n"}]}, "availability"),
        ({"interests": "sang", "location": {"postcode": "8500\n"}}, "location"),
        # \d accepts any Unicode digit; a postcode is four of 0-9.
        ({"interests": "sang", "location": {"postcode": "８５００"}}, "location"),
        ({"interests": "sang", "location": {"postcode": "٨٥٠٠"}}, "location"),
    ],
)
def test_times_and_postcodes_must_match_whole_in_ascii_digits(raw: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        MatchRequestSchema().load(raw)
    assert field in caught.value.messages


def test_a_plain_window_and_postcode_still_load() -> None:
    req = MatchRequestSchema().load(
        {
            "interests": "sang",
            "location": {"postcode": "8500"},
            "availability": [{"weekday": 2, "start": "10:00", "end": "12:00"}],
        }
    )
    assert req.availability
