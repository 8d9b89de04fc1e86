"""Shared data and helpers of the ``catalogue.hsds`` tests.

The HSDS 3.0 schemas come from the copy in ``tests/data/hsds`` (see its
README and LICENSE), so schema validation always runs.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft7Validator, Draft202012Validator, FormatChecker
from marshmallow import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7, DRAFT202012

from catalogue import fileformats
from catalogue.formats import ParsedFile
from catalogue.schemas import OfferSchema
from catalogue.taxonomy import DEFAULT_CATEGORIES

REPO = Path(__file__).resolve().parents[3]
HSDS = REPO / "tests" / "data" / "hsds"
DEMO = REPO / "catalogue" / "data" / "demo_catalogue.json"
FOREIGN = HSDS / "foreign_service.json"
SERVICE_LIST_URL = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/compiled/service_list.json"

CATEGORIES = {**DEFAULT_CATEGORIES, "fiskeri": "Fiskeri og lystfiskeri"}

#: Hand-made offers in the native import format, covering the corners of the mapping.
RAW_OFFERS: list[dict[str, Any]] = [
    {  # online only, empty schedule, free, organisation without id, several languages
        "id": "online-1",
        "kind": "volunteer_service",
        "title": "Digital hjælp over video",
        "organisation": {"name": "IT-hjælperne", "type": "volunteer_group"},
        "categories": ["digital", "samtale"],
        "location": {"online": True},
        "schedule": {"slots": []},
        "accessibility": ["hearing_loop"],
        "languages": ["da", "en", "uk"],
        "contact": {"email": "hjaelp@example.dk"},
    },
    {  # seasonal, several slots, cost per season, org with CVR and contact, every extension field set
        "id": "season-1",
        "kind": "activity",
        "title": "Roning for alle",
        "description": "Vi ror på Kattegat, når vejret tillader det.",
        "organisation": {
            "id": "org-roklub",
            "name": "Grenaa Roklub",
            "type": "association",
            "description": "Roning siden 1899.",
            "cvr": "12345678",
            "contact": {
                "name": "Formand Hanne",
                "email": "formand@roklub.example.dk",
                "phone": "+45 86 32 10 00",
                "website": "https://roklub.example.dk",
            },
        },
        "categories": ["vand", "motion", "natur"],
        "location": {"address": "Havnevej 12", "postcode": "8500", "town": "Grenaa", "lat": 56.41, "lon": 10.92},
        "schedule": {
            "slots": [
                {"weekday": 4, "start": "17:00", "end": "19:00"},
                {"weekday": 2, "start": "17:00", "end": "19:00"},
                {"weekday": 6, "start": "9:30", "end": "12:00"},
            ],
            "valid_from": "2026-05-01",
            "valid_to": "2026-09-30",
        },
        "cost": {"amount_dkk": 400, "per": "sæson"},
        "accessibility": [
            "wheelchair",
            "accessible_toilet",
            "hearing_loop",
            "step_free",
            "parking",
            "near_public_transport",
        ],
        "languages": ["da", "de"],
        "audience": ["Seniorer", "relatives", "condition:dementia", "Mænd"],
        "age_min": 10,
        "age_max": 80,
        "group_size": "large",
        "newcomers_welcome": True,
        "companion_available": True,
        "transport_offered": True,
        "places_total": 40,
        "places_available": 0,
        "waitlist": 7,
        "volunteers": 5,
        "status": "paused",
        "last_verified": "2026-04-15",
        "contact": {"name": "Træner Ole", "phone": "86 32 10 01"},
    },
    {  # a category outside the default taxonomy, online and at an address, ended, no capacity figures
        "id": "fisk-1",
        "kind": "municipal_service",
        "title": "Fiskeklub for unge",
        "organisation": {"id": "norddjurs", "name": "Norddjurs Kommune", "type": "municipality", "cvr": "11223344"},
        "categories": ["fiskeri", "natur"],
        "location": {"address": "Søvej 3", "postcode": "8585", "town": "Glesborg", "online": True},
        "schedule": {"slots": [{"weekday": 1, "start": "9:00", "end": "11:30"}], "valid_from": "2026-01-05"},
        "cost": {"amount_dkk": 150, "per": "måned"},
        "audience": ["young_people"],
        "age_min": 18,
        "age_max": 30,
        "volunteers": 0,
        "status": "ended",
    },
    {  # no offer id, place from the gazetteer, cost per year with øre, two slots on one day
        "id": None,
        "kind": "activity",
        "title": "  Strik   og snak ",
        "description": "",
        "organisation": {"name": "Strikkecaféen", "type": "self_organised", "contact": {"phone": "+45 20 30 40 50"}},
        "categories": ["håndværk"],
        "location": {"town": "Anholt"},
        "schedule": {
            "slots": [
                {"weekday": 3, "start": "19:00", "end": "21:00"},
                {"weekday": 3, "start": "14:00", "end": "16:00"},
            ],
            "valid_from": "2026-02-01",
        },
        "cost": {"amount_dkk": 250.5, "per": "år"},
        "newcomers_welcome": True,
    },
]


def _schema() -> OfferSchema:
    return OfferSchema(known_categories=CATEGORIES)


def canonical_offers() -> list[dict[str, Any]]:
    """The hand-made offers in canonical form."""
    return [_schema().load(copy.deepcopy(raw)) for raw in RAW_OFFERS]


def demo_offers() -> tuple[list[dict[str, Any]], dict[str, str]]:
    parsed = fileformats.read_any(DEMO)
    cats = {**DEFAULT_CATEGORIES, **parsed.categories}
    schema = OfferSchema(known_categories=cats)
    loaded = []
    for record in parsed.records:
        try:
            loaded.append(schema.load(dict(record.data)))
        except ValidationError:
            continue  # the demo file's own tests judge its records; here only valid ones matter
    assert loaded, "no valid offer in the demo catalogue"
    return loaded, cats


# -- HSDS schemas -----------------------------------------------------------------------


def _checker() -> FormatChecker:
    """jsonschema checks uuid and email itself; uri and date-time need extra
    packages, so they are checked here."""
    checker = FormatChecker()

    def is_uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        return bool(re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", urlsplit(value).scheme)) and not re.search(r"\s", value)

    def is_datetime(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return "T" in value and parsed.tzinfo is not None

    checker.checks("uri")(is_uri)
    checker.checks("date-time", raises=ValueError)(is_datetime)
    return checker


class Schemas:
    def __init__(self, root: Path) -> None:
        def load(path: Path) -> Any:
            return json.loads(path.read_text(encoding="utf-8"))

        self.tabular = load(root / "schema" / "compiled" / "tabular.json")
        self.service = Draft7Validator(
            load(root / "schema" / "compiled" / "service_with_definitions.json"), format_checker=_checker()
        )
        full = load(root / "schema" / "compiled" / "service_with_definitions.json")
        self.organization = Draft7Validator({**full, "$ref": "#/definitions/organization"}, format_checker=_checker())
        base = "https://hsds.test/schema/"
        resources = [(base + p.name, load(p)) for p in sorted((root / "schema").glob("*.json"))]
        resources += [(base + p.name, load(p)) for p in sorted((root / "schema-3.1-dev").glob("*.json"))]
        resources += [(SERVICE_LIST_URL, load(root / "schema" / "compiled" / "service_list.json"))]
        registry: Registry[Any] = Registry().with_resources(
            (uri, Resource.from_contents(doc, default_specification=DRAFT7)) for uri, doc in resources
        )
        registry = registry.with_resource(
            "urn:hsds:openapi",
            Resource.from_contents(load(root / "schema" / "openapi.json"), default_specification=DRAFT202012),
        )
        pointer = "/paths/~1services/get/responses/200/content/application~1json/schema"
        self.envelope = Draft202012Validator(
            {"$ref": f"urn:hsds:openapi#{pointer}"}, registry=registry, format_checker=_checker()
        )
        self.capacity = Draft7Validator(
            {"$ref": base + "service_capacity.json"}, registry=registry, format_checker=_checker()
        )


def errors(validator: Any, instance: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)]


# -- helpers ------------------------------------------------------------------------------


def assert_round_trip(originals: list[dict[str, Any]], parsed: ParsedFile, cats: Mapping[str, str]) -> None:
    assert len(parsed.records) == len(originals)
    assert parsed.meta["warnings"] == []
    known = set(DEFAULT_CATEGORIES) | set(parsed.categories)
    for original, record in zip(originals, parsed.records, strict=True):
        restored = OfferSchema(known_categories=known).load(dict(record.data))
        assert restored == original, original["id"]
    expected = {c: cats[c] for o in originals for c in o["categories"] if c not in DEFAULT_CATEGORIES}
    assert parsed.categories == expected


def files_of(folder: Path) -> Iterator[tuple[str, bytes]]:
    for path in sorted(folder.iterdir()):
        yield path.name, path.read_bytes()
