"""Prices: Danish numbers, cost options in one cell, and the monthly cost (None when unknown)."""

from __future__ import annotations

from typing import Any

import pytest

from catalogue.costs import (
    canonical_cost,
    cost_cell,
    describe,
    is_free,
    monthly_cost,
    parse_cost_text,
    parse_danish_number,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2.400", 2400.0),
        ("1.250,50", 1250.5),
        ("12.500.000", 12_500_000.0),
        ("2 400", 2400.0),
        ("37,5", 37.5),
        ("0,500", 0.5),
        ("600", 600.0),
        ("600 kr.", 600.0),
    ],
)
def test_danish_numbers(text: str, value: float) -> None:
    assert parse_danish_number(text) == value


@pytest.mark.parametrize("text", ["2.4", "2.40", "1,250", "1,250.50", "1.250.5", "2.400,5.0", "1.2345"])
def test_ambiguous_numbers_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="Ambiguous number"):
        parse_danish_number(text)


def test_cost_cell_reads_several_options() -> None:
    assert parse_cost_text("600 kr/år; 15 kr/gang (kaffe)") == [
        {"amount": 600.0, "currency": "DKK", "per": "år", "text": None},
        {"amount": 15.0, "currency": "DKK", "per": "gang", "text": "kaffe"},
    ]
    assert parse_cost_text("1.250,50 kr. pr. halvår") == [
        {"amount": 1250.5, "currency": "DKK", "per": "halvår", "text": None}
    ]
    assert parse_cost_text("20 EUR/gang")[0]["currency"] == "EUR"
    assert parse_cost_text("Gratis") == [{"amount": 0.0, "currency": "DKK", "per": None, "text": None}]


@pytest.mark.parametrize(("text", "fragment"), [("600 kr/fortnight", "Unknown period"), ("ca. 600", "Cannot read")])
def test_cost_cell_refuses_what_it_cannot_read(text: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        parse_cost_text(text)


def test_cost_cell_round_trip() -> None:
    cost = {"options": parse_cost_text("600 kr/år; 15 kr/gang (kaffe); 2 EUR/uge")}
    assert {"options": parse_cost_text(cost_cell(cost))} == cost


@pytest.mark.parametrize(
    ("cost", "monthly"),
    [
        ({"amount_dkk": 2400, "per": "år"}, 200.0),  # the old single shape
        ({"options": [{"amount": 10, "per": "gang"}, {"amount": 1800, "per": "år"}]}, 190.0),
        ({"options": [{"amount": 1250.5, "per": "halvår"}]}, 208.42),
        ({"options": [{"amount": 120, "per": "kvartal"}]}, 40.0),
        ({"options": [{"amount": 0, "per": None}]}, 0.0),
        (None, None),  # not stated
        ({"options": []}, None),
        ({"options": [{"amount": None, "text": "Kontingent 600 kr. om året"}]}, None),  # only described
        ({"options": [{"amount": 20, "currency": "EUR", "per": "gang"}]}, None),  # another currency
        ({"options": [{"amount": 600, "per": "år"}, {"amount": 20, "currency": "EUR", "per": "gang"}]}, None),
        ({"options": [{"amount": 40, "per": None}]}, None),  # no period
    ],
)
def test_monthly_cost_is_the_sum_of_options_or_unknown(cost: Any, monthly: float | None) -> None:
    assert monthly_cost(cost) == monthly


def test_unknown_is_never_free() -> None:
    assert is_free({"options": [{"amount": 0, "per": "gang"}]})
    assert not is_free(None) and not is_free({"options": []})
    assert not is_free({"options": [{"amount": 0, "per": "gang"}, {"amount": None, "text": "kaffe"}]})
    assert describe(None) is None
    assert describe({"options": [{"amount": 0, "per": None}]}) == "Gratis"
    assert canonical_cost({"amount_dkk": 5}) == {
        "options": [{"amount": 5.0, "currency": "DKK", "per": "gang", "text": None}]
    }


def test_cost_cell_never_invents_a_period() -> None:
    cost = {"options": [{"amount": 40, "per": None}, {"amount": None, "text": "kaffe"}, {"amount": 5, "per": "uge"}]}
    assert cost_cell(cost) == "5 kr/uge"
