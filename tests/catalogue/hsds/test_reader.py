"""HSDS JSON -> raw offer records (``catalogue.hsds.reader``): round trips, other publishers, bad input."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date
from typing import Any

import pytest
from marshmallow import ValidationError

from catalogue.costs import monthly_cost
from catalogue.errors import FileFormatError
from catalogue.hsds import (
    export_document,
    export_services,
    read_hsds_json,
    services_to_records,
)
from catalogue.schemas import OfferSchema
from catalogue.store import Store
from tests.conftest import make_offer

from .support import (
    CATEGORIES,
    FOREIGN,
    Schemas,
    assert_round_trip,
    demo_offers,
    errors,
)


def test_json_round_trip(offers: list[dict[str, Any]]) -> None:
    text = json.dumps(export_document(offers, CATEGORIES), ensure_ascii=False, indent=1)
    assert_round_trip(offers, read_hsds_json(text), CATEGORIES)


def test_json_round_trip_single_service_and_list(offers: list[dict[str, Any]]) -> None:
    services = export_services(offers, CATEGORIES)
    assert_round_trip(offers[1:2], read_hsds_json(services[1]), CATEGORIES)
    assert_round_trip(offers, read_hsds_json(json.dumps(services).encode()), CATEGORIES)
    assert_round_trip(offers, services_to_records(services), CATEGORIES)


def test_demo_json_round_trip() -> None:
    demo, cats = demo_offers()
    text = json.dumps(export_document(demo, cats), ensure_ascii=False)
    assert_round_trip(demo, read_hsds_json(text), cats)


def test_store_import_and_reexport(sqlite_store: Store, hsds: Schemas, offers: list[dict[str, Any]]) -> None:
    with_ids = [o for o in offers if o["id"]]
    parsed = read_hsds_json(json.dumps(export_document(with_ids, CATEGORIES)))
    report = sqlite_store.import_offers(parsed.records, actor="hsds-test", categories=parsed.categories)
    assert report.committed and report.created == 3, report.to_dict()
    stored = list(sqlite_store.iter_offers())
    doc = export_document(stored, sqlite_store.categories())
    assert errors(hsds.envelope, doc) == []
    for service in doc["contents"]:
        assert errors(hsds.service, service) == []
        assert service["last_modified"].endswith("+00:00")
    again = sqlite_store.import_offers(read_hsds_json(doc).records, actor="hsds-test")
    assert again.committed and again.unchanged == 3, again.to_dict()


# -- other publishers -------------------------------------------------------------------


def _foreign() -> dict[str, Any]:
    return json.loads(FOREIGN.read_text(encoding="utf-8"))


def test_foreign_fixture_is_valid_hsds(hsds: Schemas) -> None:
    assert errors(hsds.service, _foreign()) == []


def test_foreign_service_imports() -> None:
    parsed = read_hsds_json(_foreign())
    assert parsed.categories == {}
    assert parsed.meta["warnings"] == []  # the monthly rule is kept, not left out
    offer = OfferSchema().load(dict(parsed.records[0].data))
    assert offer["id"] == "6b77176d-f3db-42fa-8cc9-70f63aa89b8e"
    assert (offer["kind"], offer["title"], offer["status"]) == ("activity", "Walk and Talk Djursland", "active")
    assert offer["organisation"] == {
        "id": "589d2fd5-fa0a-4745-abfb-b0a39d81bbd2",
        "name": "Djurslands Gåklub",
        "type": "other",
        "description": "A walking club on Djursland.",
        "contact": {"name": None, "email": None, "phone": "+45 70 20 30 40", "website": "https://walk.example.org"},
        "cvr": "87654321",
    }
    assert offer["categories"] == ["motion", "natur"]
    assert offer["location"] == {
        "address": "Stationsvej 2",
        "postcode": "8500",
        "town": "Grenaa",
        "lat": 56.4101,
        "lon": 10.8805,
        "online": False,
    }
    assert offer["schedule"]["slots"] == [
        {"weekday": 2, "start": "10:00", "end": "11:30"},
        {"weekday": 4, "start": "10:00", "end": "11:30"},
        {"weekday": 6, "start": "09:00", "end": "13:00", "freq": "MONTHLY", "nth": 1},
    ]
    assert offer["schedule"]["state"] == "slots"
    assert offer["cost"] == {
        "options": [{"amount": 100.0, "currency": "DKK", "per": "år", "text": "Membership per year"}]
    }
    assert offer["accessibility"] == ["accessible_toilet", "near_public_transport", "wheelchair"]
    assert offer["languages"] == ["en", "da"]
    assert (offer["age_min"], offer["age_max"]) == (18, None)
    assert (offer["places_total"], offer["places_available"], offer["waitlist"]) == (12, 4, None)
    assert offer["last_verified"] == date(2026, 10, 1)
    assert offer["contact"] == {
        "name": None,
        "email": "hello@walk.example.org",
        "phone": None,
        "website": "https://walk.example.org",
    }
    assert offer["newcomers_welcome"] is False  # only our own attribute says so, never free text


def test_foreign_service_matches_live_categories() -> None:
    service = _foreign()
    service["attributes"][0]["taxonomy_term"]["name"] = "Lystfiskeri"
    parsed = services_to_records([service], known_categories={**CATEGORIES, "lystfiskeri": "Lystfiskeri"})
    assert parsed.records[0].data["categories"] == ["lystfiskeri", "natur"]


def test_foreign_service_with_unmapped_or_no_category_is_rejected_clearly() -> None:
    service = _foreign()
    service["attributes"][1]["taxonomy_term"]["name"] = "Mental health"
    record = services_to_records([service]).records[0].data
    with pytest.raises(ValidationError) as exc:
        OfferSchema().load(dict(record))
    messages: Any = exc.value.messages
    assert "Unknown category: Mental health" in messages["categories"][0]
    del service["attributes"]
    with pytest.raises(ValidationError) as exc:
        OfferSchema().load(dict(services_to_records([service]).records[0].data))
    assert "categories" in exc.value.messages


def test_foreign_service_free_text_fallbacks() -> None:
    service = _foreign()
    service["status"] = "inactive"
    service["cost_options"] = [{"id": str(uuid.uuid4()), "amount": 60, "amount_description": "60 kr. pr. md."}]
    service["languages"] = [{"id": str(uuid.uuid4()), "code": "da-DK"}, {"id": str(uuid.uuid4()), "name": "Quenya"}]
    record = services_to_records([service]).records[0].data
    assert (record["status"], record["cost"], record["languages"]) == (
        "paused",
        {"options": [{"amount": 60, "currency": "DKK", "per": "måned", "text": None}]},
        ["da", "Quenya"],
    )
    service["service_at_locations"][0]["location"]["accessibility"] = [
        {"id": str(uuid.uuid4()), "description": "Desværre ikke kørestolsegnet"},
        {"id": str(uuid.uuid4()), "description": "Gratis parkering ved døren"},
    ]
    service["cost_options"][0]["currency"] = "EUR"
    parsed = services_to_records([service])
    assert parsed.records[0].data["cost"]["options"][0]["currency"] == "EUR"  # kept, and unknown:
    assert monthly_cost(parsed.records[0].data["cost"]) is None
    assert parsed.records[0].data["accessibility"] == ["parking"]
    assert any("ikke kørestolsegnet" in w for w in parsed.meta["warnings"])
    assert any("EUR" in w for w in parsed.meta["warnings"])


# -- malformed input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{not json", "Not valid JSON"),
        (b"\xc3\x28", "not UTF-8"),
        ("42", "HSDS JSON must be"),
        ('{"total_items": 1}', "HSDS JSON must be"),
        ('{"contents": {"id": "x"}}', '"contents"'),
        ("[1, 2]", "Service 1 is not a JSON object"),
        ('{"offers": []}', "native"),
    ],
)
def test_malformed_json(source: str | bytes, message: str) -> None:
    with pytest.raises(FileFormatError, match=re.escape(message)):
        read_hsds_json(source)


# -- prices and accessibility: the right fact, or "unknown" and a warning -------------------


def _cost_of(service: dict[str, Any]) -> tuple[Any, list[str]]:
    parsed = services_to_records([service])
    return OfferSchema().load(dict(parsed.records[0].data))["cost"], parsed.meta["warnings"]


def test_every_cost_option_counts() -> None:
    service = _foreign()
    service["cost_options"] = [
        {"id": str(uuid.uuid4()), "amount": 10, "currency": "DKK", "option": "Kaffe", "amount_description": "pr. gang"},
        {
            "id": str(uuid.uuid4()),
            "amount": 1800,
            "currency": "DKK",
            "option": "Medlemskab",
            "amount_description": "pr. år",
        },
    ]
    cost, _ = _cost_of(service)
    assert cost["options"] == [
        {"amount": 10.0, "currency": "DKK", "per": "gang", "text": "Kaffe"},
        {"amount": 1800.0, "currency": "DKK", "per": "år", "text": "Medlemskab"},
    ]
    assert monthly_cost(cost) == 190.0  # about 190 kr. a month: over the low-income limit


@pytest.mark.parametrize(
    "fees",
    ["Kontingent 600 kr. om året + 15 kr. pr. gang for kaffe", "Ca. 50 kr. – spørg træneren"],
)
def test_price_only_in_text_is_unknown_never_free(fees: str) -> None:
    service = _foreign()
    del service["cost_options"]
    service["fees_description"] = fees
    cost, warnings = _cost_of(service)
    assert cost == {"options": [{"amount": None, "currency": "DKK", "per": None, "text": fees}]}
    assert monthly_cost(cost) is None
    assert any("only described in text" in w for w in warnings)


def test_cost_option_without_a_readable_period_is_unknown() -> None:
    service = _foreign()
    service["cost_options"] = [{"id": str(uuid.uuid4()), "amount": 40, "currency": "DKK", "option": "Deltagelse"}]
    cost, warnings = _cost_of(service)
    assert cost["options"][0]["per"] is None and monthly_cost(cost) is None
    assert any("no period" in w for w in warnings)


@pytest.mark.parametrize(
    "text",
    [
        "Kørestolsadgang: nej",
        "Handicapadgang: ikke muligt",
        "Kørestol: begrænset adgang",
        "Wheelchair access: no",
        "Kørestolsegnet: false",
        "Lokalet er utilgængeligt for kørestole",
        "Adgang uden elevator, kørestol umulig",
        "Kørestolsadgang? Spørg først",
    ],
)
def test_negative_accessibility_text_sets_nothing(text: str) -> None:
    service = _foreign()
    service["service_at_locations"][0]["location"]["accessibility"] = [{"id": str(uuid.uuid4()), "description": text}]
    parsed = services_to_records([service])
    assert parsed.records[0].data["accessibility"] == []
    assert any(text in w for w in parsed.meta["warnings"])  # kept, as written, in the report


@pytest.mark.parametrize(
    ("text", "features"),
    [
        ("Kørestolsadgang: ja", ["wheelchair"]),
        ("Adgang uden trin", ["step_free"]),
        ("Teleslynge i salen", ["hearing_loop"]),
    ],
)
def test_positive_accessibility_text_sets_its_feature(text: str, features: list[str]) -> None:
    service = _foreign()
    service["service_at_locations"][0]["location"]["accessibility"] = [{"id": str(uuid.uuid4()), "description": text}]
    assert services_to_records([service]).records[0].data["accessibility"] == features


def test_prices_of_every_kind_survive_an_export_and_import() -> None:
    costs = [
        {
            "options": [
                {"amount": 1800.0, "per": "år", "text": "medlemskab"},
                {"amount": 10.0, "per": "gang", "text": "kaffe"},
            ]
        },
        {"options": [{"amount": 2.5, "currency": "EUR", "per": "uge"}]},
        {"options": [{"amount": None, "text": "Kontingent 600 kr. om året + 15 kr. pr. gang for kaffe"}]},
        {"options": [{"amount": 0.0, "per": None}]},
        None,
    ]
    for cost in costs:
        offer = OfferSchema().load({**make_offer("p-1"), "cost": cost})
        back = read_hsds_json(json.dumps(export_document([offer], CATEGORIES)))
        assert OfferSchema().load(dict(back.records[0].data))["cost"] == offer["cost"]


def test_an_amount_written_as_text_is_not_guessed() -> None:
    service = _foreign()
    service["cost_options"] = [{"id": str(uuid.uuid4()), "amount": "2.400", "currency": "DKK", "option": "pr. år"}]
    cost, warnings = _cost_of(service)
    assert cost["options"] == [{"amount": None, "currency": "DKK", "per": "år", "text": "2.400 DKK"}]
    assert monthly_cost(cost) is None and any("'2.400'" in w for w in warnings)
