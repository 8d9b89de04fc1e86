"""Offers -> HSDS services, organisations and the paged envelope (``catalogue.hsds.export``).

Every export is validated against the HSDS 3.0 schemas copied into ``tests/data/hsds``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from catalogue.hsds import (
    NAMESPACE,
    export_document,
    export_organizations,
    export_services,
    offer_to_service,
    read_hsds_json,
)

from .support import (
    CATEGORIES,
    Schemas,
    demo_offers,
    errors,
)


def test_exported_services_validate(hsds: Schemas, offers: list[dict[str, Any]]) -> None:
    for service in export_services(offers, CATEGORIES):
        assert errors(hsds.service, service) == []
        for capacity in service.get("capacities", []):
            assert errors(hsds.capacity, capacity) == []


def test_demo_services_validate(hsds: Schemas) -> None:
    demo, cats = demo_offers()
    for service in export_services(demo, cats):
        assert errors(hsds.service, service) == [], service["name"]


def test_envelope_validates(hsds: Schemas, offers: list[dict[str, Any]]) -> None:
    doc = export_document(offers, CATEGORIES)
    assert errors(hsds.envelope, doc) == []
    keys = {"total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"}
    assert set(doc) == keys
    assert (doc["total_items"], doc["total_pages"], doc["size"], doc["empty"]) == (4, 1, 4, False)
    empty = export_document([], CATEGORIES)
    assert errors(hsds.envelope, empty) == []
    assert (empty["total_items"], empty["size"], empty["empty"], empty["contents"]) == (0, 0, True, [])


def test_envelope_pages(offers: list[dict[str, Any]]) -> None:
    page = export_document(offers, CATEGORIES, page=2, per_page=3)
    assert (page["total_pages"], page["page_number"], page["size"]) == (2, 2, 1)
    assert (page["first_page"], page["last_page"]) == (False, True)
    parsed = read_hsds_json(json.dumps(export_document(offers, CATEGORIES, per_page=3)))
    assert len(parsed.records) == 3
    assert "page 1 of 2" in parsed.meta["warnings"][0]


def test_organizations_validate(hsds: Schemas, offers: list[dict[str, Any]]) -> None:
    orgs = export_organizations(offers + offers)
    assert [o["name"] for o in orgs] == ["IT-hjælperne", "Grenaa Roklub", "Norddjurs Kommune", "Strikkecaféen"]
    for org in orgs:
        assert errors(hsds.organization, org) == []


def test_mapping_details(offers: list[dict[str, Any]]) -> None:
    online, season, fisk, _ = export_services(offers, CATEGORIES)
    assert online["id"] == str(uuid.uuid5(NAMESPACE, "service|online-1"))  # published ids must never drift
    assert offer_to_service(offers[1], CATEGORIES) == season
    assert [sal["location"]["location_type"] for sal in online["service_at_locations"]] == ["virtual"]
    assert [sal["location"]["location_type"] for sal in fisk["service_at_locations"]] == ["physical", "virtual"]
    # an empty schedule is "efter aftale": one rule without times says so
    assert [(s["description"], "opens_at" in s) for s in online["schedules"]] == [("Efter aftale", False)]
    assert season["status"] == "temporarily closed" and fisk["status"] == "defunct"
    assert [(s["byday"], s["opens_at"], s["closes_at"]) for s in season["schedules"]] == [
        ("TU,TH", "17:00", "19:00"),
        ("SA", "09:30", "12:00"),
    ]
    assert {(s["freq"], s["valid_from"], s["valid_to"]) for s in season["schedules"]} == {
        ("WEEKLY", "2026-05-01", "2026-09-30")
    }
    assert season["cost_options"] == [
        {
            "id": season["cost_options"][0]["id"],
            "option": "pr. sæson",
            "currency": "DKK",
            "amount": 400.0,
        }
    ]
    assert (season["minimum_age"], season["maximum_age"], season["assured_date"]) == (10, 80, "2026-04-15")
    org = season["organization"]
    assert org["organization_identifiers"][0] | {"id": "x", "organization_id": "x"} == {
        "id": "x",
        "organization_id": "x",
        "identifier_scheme": "DK-CVR",
        "identifier_type": "CVR-nummer",
        "identifier": "12345678",
    }
    assert (org["website"], org["email"], org["phones"][0]["number"], org["contacts"][0]["name"]) == (
        "https://roklub.example.dk",
        "formand@roklub.example.dk",
        "+45 86 32 10 00",
        "Formand Hanne",
    )
    address = season["service_at_locations"][0]["location"]["addresses"][0]
    assert (address["address_1"], address["postal_code"], address["city"], address["country"]) == (
        "Havnevej 12",
        "8500",
        "Grenaa",
        "DK",
    )
    assert [lang["code"] for lang in online["languages"]] == ["da", "en", "uk"]
    capacity = season["capacities"][0]
    assert (capacity["available"], capacity["maximum"], capacity["updated"]) == (0, 40, "2026-04-15T00:00:00Z")
    values = {a["taxonomy_term"]["code"]: a["value"] for a in season["attributes"]}
    assert (
        values["fm:newcomers_welcome"] == "true" and values["fm:waitlist"] == "7" and values["fm:cost_per"] == "sæson"
    )
    assert [values[c] for c in ("vand", "motion", "natur")] == ["1", "2", "3"]
    fisk_terms = {a["taxonomy_term"]["code"]: a["taxonomy_term"] for a in fisk["attributes"]}
    assert fisk_terms["fiskeri"]["name"] == "Fiskeri og lystfiskeri"
    assert fisk_terms["fiskeri"]["taxonomy"] == "faellesskabsmatch-kategorier"
    assert "fm:places_total" not in fisk_terms and fisk_terms["fm:volunteers"]


# -- round trips -----------------------------------------------------------------------------
