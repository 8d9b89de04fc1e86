"""The independent rule check: free of the indexer, and its own readings of the rules.

Its agreement with the filter clauses over the demo catalogue is in test_rules.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

from matcher.check import cost_limit, violations

from .helpers import offer, request

TODAY = date(2026, 11, 22)


def test_the_check_imports_nothing_from_the_indexer() -> None:
    code = (
        "import sys, json, matcher.check; print(json.dumps(sorted(m for m in sys.modules if m.startswith('indexer'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert json.loads(out) == []


def test_language_learning_offers_stay_open() -> None:
    arabic = request("dansk", "non_danish_speaker", language="ar")
    assert violations(arabic, offer(languages=["da"]), TODAY) == ["language"]
    assert violations(arabic, offer(languages=["da", "ar"]), TODAY) == []
    cafe = offer(title="Sprogcafé i Grenaa", description="Kom og snak.", languages=["da"])
    assert violations(arabic, cafe, TODAY) == []
    learning = offer(title="Torsdagsklub", description="Her kan du lære dansk.", languages=["da"])
    assert violations(arabic, learning, TODAY) == []


def test_time_of_day() -> None:
    morning = offer(schedule={"slots": [{"weekday": 2, "start": "10:00", "end": "17:00"}]})
    evening = offer(schedule={"slots": [{"weekday": 2, "start": "17:00", "end": "19:00"}]})
    agreed = offer(schedule={"slots": []})
    assert violations(request("x", "daytime_only"), morning, TODAY) == []
    assert violations(request("x", "daytime_only"), evening, TODAY) == ["daytime_only"]
    assert violations(request("x", "evenings_only"), morning, TODAY) == ["evenings_only"]
    assert violations(request("x", "evenings_only"), evening, TODAY) == []
    assert violations(request("x", "evenings_only"), agreed, TODAY) == []  # time agreed with the citizen


def test_cost_limit() -> None:
    assert cost_limit(request()) is None
    assert cost_limit(request("x", "low_income")) == 100.0
    assert cost_limit(request("x", "low_income", max_monthly_cost_dkk=40.0)) == 40.0
    # 150 kr. a year = 12.50 kr. a month
    assert violations(request("x", max_monthly_cost_dkk=12.0), offer(), TODAY) == ["cost"]
    assert violations(request("x", max_monthly_cost_dkk=12.5), offer(), TODAY) == []


def test_unknown_price_passes_and_known_costs_over_the_limit_do_not() -> None:
    low = request("x", "low_income")
    yearly = {"options": [{"amount": 2400, "per": "år"}]}  # 200 kr. a month
    coffee_and_membership = {"options": [{"amount": 10, "per": "gang"}, {"amount": 1800, "per": "år"}]}  # 190
    half_year = {"options": [{"amount": "1.250,50", "per": "halvår"}]}  # 208.42 kr. a month
    assert violations(low, offer(cost=yearly), TODAY) == ["cost"]
    assert violations(low, offer(cost=coffee_and_membership), TODAY) == ["cost"]
    assert violations(low, offer(cost=half_year), TODAY) == ["cost"]
    assert violations(low, offer(cost={"options": [{"amount": 25, "per": "gang"}]}), TODAY) == []  # exactly 100
    for unknown in (
        None,
        {"options": [{"amount": None, "text": "Kontingent 600 kr. om året + 15 kr. pr. gang for kaffe"}]},
        {"options": [{"amount": 500, "currency": "EUR", "per": "år"}]},
    ):
        assert violations(low, offer(cost=unknown), TODAY) == []


def test_distance_rules_use_the_nearest_place() -> None:
    auning = {"lat": 56.4308, "lon": 10.3782}
    one_place = offer(location={"town": "Grenaa"})
    two_places = offer(location={"town": "Grenaa"}, other_locations=[{"address": "Torvet 1", "town": "Auning"}])
    near_auning = request("sang", "no_car", max_distance_km=10.0, **auning)
    assert set(violations(near_auning, one_place, TODAY)) >= {"distance"}
    assert violations(near_auning, two_places, TODAY) == []
