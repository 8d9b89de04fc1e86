"""Hard rules: the filter clauses and the independent checker agree."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from api.cli import demo_path
from catalogue.fileformats import read_any
from catalogue.schemas import OfferSchema
from indexer.documents import build_document
from indexer.filters import matches
from matcher.check import violations, window_hours
from matcher.request import MatchRequestSchema
from matcher.rules import as_filter, hard_rules

TODAY = date(2026, 11, 22)

REQUESTS: list[dict[str, Any]] = [
    {"interests": "sang", "age": 72, "location": {"town": "Auning"}, "barriers": ["no_car", "wheelchair_user"]},
    {"interests": "gåture", "age": 30, "location": {"town": "Grenaa"}, "barriers": ["low_income", "daytime_only"]},
    {"interests": "strik", "age": 67, "location": {"postcode": "8592"}, "max_distance_km": 5},
    {
        "interests": "cards",
        "age": 45,
        "location": {"lat": 56.43, "lon": 10.6},
        "barriers": ["non_danish_speaker"],
        "language": "ar",
    },
    {
        "interests": "kor",
        "age": 19,
        "location": {"town": "Ørsted"},
        "barriers": ["evenings_only"],
        "max_monthly_cost_dkk": 50,
    },
    {
        "interests": "xx",
        "availability": [{"weekday": 2, "start": "09:00", "end": "12:00"}],
        "kinds": ["volunteer_service"],
    },
    {
        "interests": "xx",
        "age": 90,
        "location": {"town": "Glesborg"},
        "categories": ["sang", "motion"],
        "barriers": ["no_car"],
    },
]


@pytest.fixture(scope="module")
def offers() -> list[dict[str, Any]]:
    schema = OfferSchema()
    return [schema.load(dict(r.data)) for r in read_any(demo_path()).records]


@pytest.mark.parametrize("raw", REQUESTS)
def test_filter_and_checker_agree_on_every_demo_offer(raw: dict[str, Any], offers: list[dict[str, Any]]) -> None:
    req = MatchRequestSchema().load(raw)
    rules = hard_rules(req, TODAY)
    flt = as_filter(rules)
    by_rule = {r.name: as_filter([r]) for r in rules}
    excluded = 0
    for offer in offers:
        doc = build_document(offer)
        broken = violations(req, offer, TODAY)
        assert matches(flt, doc) == (not broken), (offer["id"], broken)
        for name, single in by_rule.items():
            assert matches(single, doc) == (name not in broken), (offer["id"], name)
        excluded += bool(broken)
    assert 0 < excluded < len(offers)


def test_anholt_is_its_own_world(offers: list[dict[str, Any]]) -> None:
    on_anholt = MatchRequestSchema().load({"interests": "xx", "location": {"town": "Anholt"}, "max_distance_km": 300})
    in_grenaa = MatchRequestSchema().load({"interests": "xx", "location": {"town": "Grenaa"}, "max_distance_km": 300})
    assert on_anholt.on_island and not in_grenaa.on_island
    for offer in offers:
        town, online = offer["location"]["town"], offer["location"]["online"]
        if online:
            assert "island" not in violations(on_anholt, offer, TODAY)
        elif town == "Anholt":
            assert "island" in violations(in_grenaa, offer, TODAY)
            assert "island" not in violations(on_anholt, offer, TODAY)
        else:
            assert "island" in violations(on_anholt, offer, TODAY)


def test_window_hours() -> None:
    from matcher.request import Window

    assert window_hours(Window(2, "09:00", "11:00")) == ["2-09", "2-10"]
    assert window_hours(Window(5, "16:30", "17:15")) == ["5-16", "5-17"]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({}, "interests"),
        ({"interests": "xx" * 3000}, "interests"),
        ({"interests": "sang", "age": 7}, "age"),
        ({"interests": "sang", "age": "70"}, "age"),
        ({"interests": "sang", "location": {"town": "Atlantis"}}, "location"),
        ({"interests": "sang", "location": {"lat": 56.4}}, "location"),
        ({"interests": "sang", "barriers": ["lonely"]}, "barriers"),
        ({"interests": "sang", "barriers": ["daytime_only", "evenings_only"]}, "barriers"),
        ({"interests": "sang", "barriers": ["non_danish_speaker"]}, "language"),
        ({"interests": "sang", "language": "xx"}, "language"),
        ({"interests": "sang", "language": "dan"}, "language"),
        ({"interests": "sang", "limit": 51}, "limit"),
        ({"interests": "sang", "max_distance_km": -1}, "max_distance_km"),
        ({"interests": "sang", "availability": [{"weekday": 9, "start": "10:00", "end": "09:00"}]}, "availability"),
        ({"interests": "sang", "kinds": ["course"]}, "kinds"),
        ({"interests": "sang", "categories": ["yoga"]}, "categories"),
        ({"interests": "sang", "name": "Jens Hansen"}, "name"),
    ],
)
def test_bad_requests_name_the_field(raw: dict[str, Any], field: str) -> None:
    from marshmallow import ValidationError

    with pytest.raises(ValidationError) as exc:
        MatchRequestSchema(known_categories={"sang", "motion"}).load(raw)
    assert field in exc.value.messages  # type: ignore[operator]


@pytest.mark.parametrize(
    ("cost", "passes"),
    [
        (None, True),
        ({"options": [{"amount": 0, "per": None}]}, True),
        ({"options": [{"amount": 25, "per": "gang"}]}, True),  # exactly 100 kr. a month
        ({"options": [{"amount": 25.01, "per": "gang"}]}, False),
        ({"options": [{"amount": 2400, "per": "år"}]}, False),
        ({"options": [{"amount": 10, "per": "gang"}, {"amount": 1800, "per": "år"}]}, False),
        ({"options": [{"amount": 20, "currency": "EUR", "per": "gang"}]}, True),
        ({"options": [{"amount": None, "text": "Spørg kassereren"}]}, True),
    ],
)
def test_cost_rule_filter_and_checker_agree(cost: Any, passes: bool) -> None:
    """Unknown prices pass both; a known monthly cost over the limit fails both."""
    offer = OfferSchema().load({**dict(read_any(demo_path()).records[0].data), "cost": cost})
    req = MatchRequestSchema().load({"interests": "xx", "barriers": ["low_income"]})
    cost_rule = as_filter([r for r in hard_rules(req, TODAY) if r.name == "cost"])
    assert matches(cost_rule, build_document(offer)) is passes
    assert ("cost" not in violations(req, offer, TODAY)) is passes


@pytest.mark.parametrize(
    ("barriers", "location", "passes"),
    [
        ((), {"town": "Homaa"}, {"distance": True, "island": True}),
        (("no_car",), {"town": "Homaa"}, {"distance": True, "no_car": False}),
        (("no_car",), {"town": "Homaa", "online": False}, {"no_car": False}),
        ((), {"town": "Grenaa"}, {"distance": False}),  # a known point 60 km away still fails
    ],
)
def test_an_offer_whose_town_has_no_point_has_an_unknown_distance(
    barriers: tuple[str, ...], location: dict[str, Any], passes: dict[str, bool]
) -> None:
    """Homå is known by name only: the offer's distance is unknown, so it passes the distance rule
    (with a caution, matcher.explain) in the filter and the checker alike, is never dropped as
    "for langt væk" and never placed at 0 km; the no-car rule still needs a sign it can be reached."""
    base = dict(read_any(demo_path()).records[0].data)
    offer = OfferSchema().load({**base, "location": location, "transport_offered": False, "accessibility": []})
    assert offer["location"]["lat"] is None or location["town"] == "Grenaa"
    req = MatchRequestSchema().load(
        {"interests": "xx", "location": {"lat": 56.95, "lon": 10.3}, "barriers": list(barriers), "max_distance_km": 30}
    )
    doc = build_document(offer)
    broken = violations(req, offer, TODAY)
    for name, ok in passes.items():
        rule = as_filter([r for r in hard_rules(req, TODAY) if r.name == name])
        assert matches(rule, doc) is ok, name
        assert (name not in broken) is ok, name
