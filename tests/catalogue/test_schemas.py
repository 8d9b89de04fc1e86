"""Validation of single records: every rejection names the field and the reason."""

from __future__ import annotations

from typing import Any

import pytest
from marshmallow import ValidationError

from catalogue.schemas import OfferSchema, flatten_errors, text_errors
from tests.conftest import make_offer


def errors_of(record: dict[str, Any], **kwargs: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as exc:
        OfferSchema(**kwargs).load(record)
    return flatten_errors(exc.value.messages)


def test_valid_offer_loads_canonically() -> None:
    offer = OfferSchema().load(
        make_offer(categories=["sang", "musik", "sang"], accessibility=["wheelchair", "step_free"])
    )
    assert offer["categories"] == ["sang", "musik"]  # de-duplicated, first (main) kept first
    assert offer["accessibility"] == ["step_free", "wheelchair"]
    assert offer["cost"] == {"options": [{"amount": 150.0, "currency": "DKK", "per": "år", "text": None}]}
    assert offer["schedule"]["slots"] == [{"weekday": 2, "start": "10:00", "end": "12:00"}]
    assert offer["transport_offered"] is False and offer["waitlist"] is None


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"title": ""}, "title", "blank"),
        ({"kind": "course"}, "kind", "Must be one of"),
        ({"categories": ["sang", "yoga"]}, "categories", "Unknown category: yoga"),
        ({"categories": []}, "categories", "1 to 10"),
        (
            {"schedule": {"slots": [{"weekday": 2, "start": "25:00", "end": "26:00"}]}},
            "schedule.slots.0.start",
            "HH:MM",
        ),
        (
            {"schedule": {"slots": [{"weekday": 8, "start": "10:00", "end": "11:00"}]}},
            "schedule.slots.0.weekday",
            "1 (Monday)",
        ),
        (
            {"schedule": {"slots": [{"weekday": 1, "start": "12:00", "end": "10:00"}]}},
            "schedule.slots.0.end",
            "after start",
        ),
        (
            {"schedule": {"slots": [], "valid_from": "2026-05-01", "valid_to": "2026-04-01"}},
            "schedule.valid_to",
            "before",
        ),
        ({"cost": {"amount_dkk": -20, "per": "gang"}}, "cost.options.0.amount", "between 0"),
        ({"cost": {"amount_dkk": 20, "per": "fortnight"}}, "cost.options.0.per", "Must be one of"),
        ({"cost": {"options": [{"amount": "2.4", "per": "år"}]}}, "cost.options.0.amount", "Ambiguous number"),
        ({"cost": {"options": [{"per": "år"}]}}, "cost.options.0.amount", "Give an amount"),
        ({"cost": {"options": [{"amount": 5, "currency": "kroner"}]}}, "cost.options.0.currency", "ISO 4217"),
        ({"cost": "600 kr/fortnight"}, "cost.options", "Unknown period"),
        ({"location": {"lat": 48.85, "lon": 2.35}}, "location.lat", "outside Denmark"),
        ({"location": {"lat": 56.4, "lon": 20.0}}, "location.lon", "outside Denmark"),
        ({"location": {"lat": 56.4}}, "location.lon", "both"),
        ({"location": {"town": "Atlantis"}}, "location", "known Norddjurs postcode"),
        ({"location": {"postcode": "85OO", "lat": 56.4, "lon": 10.9}}, "location.postcode", "4 digits"),
        ({"languages": ["dk"]}, "languages", "ISO 639-1"),
        ({"accessibility": ["elevator"]}, "accessibility.0", "Must be one of"),
        ({"age_min": 70, "age_max": 60}, "age_max", "below age_min"),
        ({"age_min": "tres"}, "age_min", "hele år"),
        ({"places_total": 5, "places_available": 6}, "places_available", "exceeds"),
        ({"waitlist": -1}, "waitlist", "greater than or equal"),
        ({"status": "closed"}, "status", "Must be one of"),
        ({"last_verified": "2099-01-01"}, "last_verified", "future"),
        ({"organisation": {"name": "X", "type": "club"}}, "organisation.type", "Must be one of"),
        ({"organisation": {"name": "X", "cvr": "1234"}}, "organisation.cvr", "8 digits"),
        ({"contact": {"email": "not-an-email"}}, "contact.email", "email"),
        ({"id": "has space"}, "id", "letters, digits"),
        ({"surprise": 1}, "surprise", "Unknown field"),
        ({"places_total": 2**31}, "places_total", "less than or equal to 1000000"),
        ({"volunteers": 10**30}, "volunteers", "less than or equal to 1000000"),
        ({"title": "Kor\x00"}, "title", "plain text"),
        ({"description": "\ud800"}, "description", "plain text"),
        ({"organisation": {"name": "Kor\udfff"}}, "organisation.name", "plain text"),
        ({"categories": ["sang", "\x00"]}, "categories.1", "plain text"),
        # Unicode digits pass \d and a final newline passes $: stored, they broke filters, feeds and URLs.
        ({"location": {"postcode": "８５００", "lat": 56.4, "lon": 10.9}}, "location.postcode", "4 digits"),
        ({"location": {"postcode": "8500\n", "lat": 56.4, "lon": 10.9}}, "location.postcode", "4 digits"),
        ({"organisation": {"name": "X", "cvr": "١٢٣٤٥٦٧٨"}}, "organisation.cvr", "8 digits"),
        ({"id": "t-1\n"}, "id", "letters, digits"),
        ({"contact": {"phone": "86 30 00 00\n"}}, "contact.phone", "phone"),
        (
            {"schedule": {"slots": [{"weekday": 2, "start": "１０:00", "end": "12:00"}]}},
            "schedule.slots.0.start",
            "HH:MM",
        ),
        (
            {"schedule": {"slots": [{"weekday": 2, "start": "10:00\n", "end": "12:00"}]}},
            "schedule.slots.0.start",
            "HH:MM",
        ),
        # Nothing to see is blank: right-to-left and zero-width marks alone are no title.
        ({"title": "\u202e\u200f"}, "title", "blank"),
        ({"title": " \u200b\ufeff "}, "title", "blank"),
        ({"organisation": {"name": "\u200e"}}, "organisation.name", "blank"),
    ],
)
def test_bad_values_are_named(overrides: dict[str, Any], field: str, fragment: str) -> None:
    errors = errors_of(make_offer(**overrides))
    assert field in errors, errors
    assert any(fragment.lower() in m.lower() for m in errors[field]), errors[field]


def test_missing_required_fields_are_all_reported() -> None:
    record = make_offer()
    for key in ("title", "kind", "categories", "organisation", "location"):
        del record[key]
    assert {"title", "kind", "categories", "organisation", "location"} <= set(errors_of(record))


def test_extra_categories_are_accepted_when_known() -> None:
    offer = OfferSchema(known_categories={"fiskeri", "sang"}).load(make_offer(categories=["fiskeri"]))
    assert offer["categories"] == ["fiskeri"]


def test_online_offer_needs_no_place() -> None:
    offer = OfferSchema().load(make_offer(location={"online": True}))
    assert offer["location"] == {
        "address": None,
        "postcode": None,
        "town": None,
        "lat": None,
        "lon": None,
        "online": True,
    }


def test_town_or_postcode_is_placed_with_the_gazetteer() -> None:
    by_town = OfferSchema().load(make_offer(location={"town": "grenå"}))["location"]
    assert by_town["postcode"] == "8500" and by_town["lat"] == pytest.approx(56.415, abs=0.02)
    by_code = OfferSchema().load(make_offer(location={"postcode": 8963}))["location"]
    assert by_code["town"] == "Auning"


def test_the_gazetteers_name_for_the_town_is_stored() -> None:
    location = OfferSchema().load(make_offer(location={"town": "Ørum"}))["location"]
    assert (location["town"], location["postcode"]) == ("Ørum Djurs", "8586")
    placed = OfferSchema().load(make_offer(location={"town": "grenå", "lat": 56.41, "lon": 10.88}))["location"]
    assert placed["town"] == "Grenaa" and placed["lat"] == 56.41


def test_short_times_are_padded() -> None:
    offer = OfferSchema().load(make_offer(schedule={"slots": [{"weekday": 3, "start": "9:30", "end": "11:00"}]}))
    assert offer["schedule"]["slots"][0]["start"] == "09:30"


def test_text_errors_name_every_bad_string() -> None:
    data = {"a": "ok", "b": {"c": ["x", "y\x00"]}, "d": "\ud83d", "e": "😀 æøå", "f": 3}
    assert text_errors(data) == {
        "b.c.1": ["Must be plain text: no NUL bytes or lone surrogates."],
        "d": ["Must be plain text: no NUL bytes or lone surrogates."],
    }


def test_marks_inside_a_text_are_kept() -> None:
    """Format characters are blank only alone: an Arabic title with a right-to-left mark is a title."""
    title = "\u200fمقهى اللغة\u200f Sprogcafé"
    assert OfferSchema().load(make_offer(title=title))["title"] == title
