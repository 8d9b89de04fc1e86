"""HSDS 3.0 export and import (``catalogue.hsds``).

Exports are checked against the published HSDS schemas in ``../shared/hsds``
(skipped with a reason when that folder is absent), and every offer must
survive a round trip through HSDS JSON and the tabular datapackage unchanged.
"""

from __future__ import annotations

import copy
import csv
import json
import re
import uuid
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft7Validator, Draft202012Validator, FormatChecker
from marshmallow import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7, DRAFT202012

from catalogue import formats
from catalogue.errors import FileFormatError
from catalogue.hsds import (
    NAMESPACE,
    export_document,
    export_organizations,
    export_services,
    offer_to_service,
    read_datapackage,
    read_hsds_json,
    services_to_records,
    write_datapackage,
)
from catalogue.schemas import OfferSchema
from catalogue.store import Store
from catalogue.taxonomy import DEFAULT_CATEGORIES

REPO = Path(__file__).resolve().parents[2]
HSDS = REPO.parent / "shared" / "hsds"
DEMO = REPO / "catalogue" / "data" / "demo_catalogue.json"
FOREIGN = Path(__file__).resolve().parents[1] / "data" / "hsds" / "foreign_service.json"
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


@pytest.fixture
def offers() -> list[dict[str, Any]]:
    """The hand-made offers in canonical form."""
    return [_schema().load(copy.deepcopy(raw)) for raw in RAW_OFFERS]


def _demo() -> tuple[list[dict[str, Any]], dict[str, str]]:
    if not DEMO.is_file():
        pytest.skip(f"no demo catalogue at {DEMO}")
    parsed = formats.read_file(DEMO)
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


@pytest.fixture(scope="module")
def hsds() -> Schemas:
    if not (HSDS / "schema" / "compiled" / "service_with_definitions.json").is_file():
        pytest.skip(f"HSDS 3.0 schemas not found at {HSDS} (expected the shared/hsds folder next to the repository)")
    return Schemas(HSDS)


def _errors(validator: Any, instance: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)]


# -- helpers ------------------------------------------------------------------------------


def _assert_round_trip(originals: list[dict[str, Any]], parsed: formats.ParsedFile, cats: Mapping[str, str]) -> None:
    assert len(parsed.records) == len(originals)
    assert parsed.meta["warnings"] == []
    known = set(DEFAULT_CATEGORIES) | set(parsed.categories)
    for original, record in zip(originals, parsed.records, strict=True):
        restored = OfferSchema(known_categories=known).load(dict(record.data))
        assert restored == original, original["id"]
    expected = {c: cats[c] for o in originals for c in o["categories"] if c not in DEFAULT_CATEGORIES}
    assert parsed.categories == expected


def _files(folder: Path) -> Iterator[tuple[str, bytes]]:
    for path in sorted(folder.iterdir()):
        yield path.name, path.read_bytes()


# -- export is valid HSDS ---------------------------------------------------------------


def test_exported_services_validate(hsds: Schemas, offers: list[dict[str, Any]]) -> None:
    for service in export_services(offers, CATEGORIES):
        assert _errors(hsds.service, service) == []
        for capacity in service.get("capacities", []):
            assert _errors(hsds.capacity, capacity) == []


def test_demo_services_validate(hsds: Schemas) -> None:
    demo, cats = _demo()
    for service in export_services(demo, cats):
        assert _errors(hsds.service, service) == [], service["name"]


def test_envelope_validates(hsds: Schemas, offers: list[dict[str, Any]]) -> None:
    doc = export_document(offers, CATEGORIES)
    assert _errors(hsds.envelope, doc) == []
    keys = {"total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"}
    assert set(doc) == keys
    assert (doc["total_items"], doc["total_pages"], doc["size"], doc["empty"]) == (4, 1, 4, False)
    empty = export_document([], CATEGORIES)
    assert _errors(hsds.envelope, empty) == []
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
        assert _errors(hsds.organization, org) == []


def test_mapping_details(offers: list[dict[str, Any]]) -> None:
    online, season, fisk, _ = export_services(offers, CATEGORIES)
    assert online["id"] == str(uuid.uuid5(NAMESPACE, "service|online-1"))  # published ids must never drift
    assert offer_to_service(offers[1], CATEGORIES) == season
    assert [sal["location"]["location_type"] for sal in online["service_at_locations"]] == ["virtual"]
    assert [sal["location"]["location_type"] for sal in fisk["service_at_locations"]] == ["physical", "virtual"]
    assert "schedules" not in online
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
            "amount_description": "400 kr. pr. sæson",
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


def test_json_round_trip(offers: list[dict[str, Any]]) -> None:
    text = json.dumps(export_document(offers, CATEGORIES), ensure_ascii=False, indent=1)
    _assert_round_trip(offers, read_hsds_json(text), CATEGORIES)


def test_json_round_trip_single_service_and_list(offers: list[dict[str, Any]]) -> None:
    services = export_services(offers, CATEGORIES)
    _assert_round_trip(offers[1:2], read_hsds_json(services[1]), CATEGORIES)
    _assert_round_trip(offers, read_hsds_json(json.dumps(services).encode()), CATEGORIES)
    _assert_round_trip(offers, services_to_records(services), CATEGORIES)


def test_demo_json_round_trip() -> None:
    demo, cats = _demo()
    text = json.dumps(export_document(demo, cats), ensure_ascii=False)
    _assert_round_trip(demo, read_hsds_json(text), cats)


def test_datapackage_round_trip(tmp_path: Path, offers: list[dict[str, Any]]) -> None:
    write_datapackage(offers, CATEGORIES, tmp_path)
    parsed = read_datapackage(tmp_path)
    _assert_round_trip(offers, parsed, CATEGORIES)
    assert [r.line for r in parsed.records] == [2, 3, 4, 5]


def test_demo_datapackage_round_trip(tmp_path: Path) -> None:
    demo, cats = _demo()
    write_datapackage(demo, cats, tmp_path)
    _assert_round_trip(demo, read_datapackage(tmp_path), cats)


def test_datapackage_follows_tabular_layout(hsds: Schemas, tmp_path: Path, offers: list[dict[str, Any]]) -> None:
    write_datapackage(offers, CATEGORIES, tmp_path)
    package = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert package["profile"] == "tabular-data-package"
    uuid_re = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    orders = []
    for resource in package["resources"]:
        table = hsds.tabular["properties"][resource["name"]]["items"]
        orders.append(table["datapackage_metadata"]["order"])
        assert resource["path"] == table["path"]
        columns = [k for k, p in table["properties"].items() if p.get("type") != "array" and "$ref" not in p]
        assert [f["name"] for f in resource["schema"]["fields"]] == columns
        with (tmp_path / resource["path"]).open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            assert reader.fieldnames == columns
            rows = list(reader)
        ids = [row["id"] for row in rows]
        assert len(ids) == len(set(ids)), resource["name"]
        for row in rows:
            for column in columns:
                if column == "id" or (column.endswith("_id") and row[column]):
                    assert uuid_re.fullmatch(row[column]), (resource["name"], column, row[column])
            for column in table.get("tabular_required", []):
                assert row[column], (resource["name"], column)
    assert orders == sorted(orders)
    services = list(csv.DictReader((tmp_path / "services.csv").open(encoding="utf-8")))
    assert len(services) == 4
    assert len(list(csv.DictReader((tmp_path / "taxonomies.csv").open(encoding="utf-8")))) == 2


def test_datapackage_reads_plural_service_at_locations_file(tmp_path: Path, offers: list[dict[str, Any]]) -> None:
    write_datapackage(offers, CATEGORIES, tmp_path)
    (tmp_path / "service_at_location.csv").rename(tmp_path / "service_at_locations.csv")
    spec = tmp_path / "datapackage.json"
    package = json.loads(spec.read_text(encoding="utf-8"))
    for resource in package["resources"]:
        if resource["name"] == "service_at_location":
            resource.update(name="service-at-locations", path="service_at_locations.csv")
    spec.write_text(json.dumps(package), encoding="utf-8")
    _assert_round_trip(offers, read_datapackage(tmp_path), CATEGORIES)


def test_export_is_deterministic(tmp_path: Path, offers: list[dict[str, Any]]) -> None:
    def dump() -> str:
        return json.dumps(export_document(copy.deepcopy(offers), dict(CATEGORIES)), ensure_ascii=False, indent=1)

    assert dump() == dump()
    write_datapackage(offers, CATEGORIES, tmp_path / "a")
    write_datapackage(copy.deepcopy(offers), dict(CATEGORIES), tmp_path / "b")
    assert list(_files(tmp_path / "a")) == list(_files(tmp_path / "b"))


def test_store_import_and_reexport(sqlite_store: Store, hsds: Schemas, offers: list[dict[str, Any]]) -> None:
    with_ids = [o for o in offers if o["id"]]
    parsed = read_hsds_json(json.dumps(export_document(with_ids, CATEGORIES)))
    report = sqlite_store.import_offers(parsed.records, actor="hsds-test", categories=parsed.categories)
    assert report.committed and report.created == 3, report.to_dict()
    stored = list(sqlite_store.iter_offers())
    doc = export_document(stored, sqlite_store.categories())
    assert _errors(hsds.envelope, doc) == []
    for service in doc["contents"]:
        assert _errors(hsds.service, service) == []
        assert service["last_modified"].endswith("+00:00")
    again = sqlite_store.import_offers(read_hsds_json(doc).records, actor="hsds-test")
    assert again.committed and again.unchanged == 3, again.to_dict()


# -- other publishers -------------------------------------------------------------------


def _foreign() -> dict[str, Any]:
    return json.loads(FOREIGN.read_text(encoding="utf-8"))


def test_foreign_fixture_is_valid_hsds(hsds: Schemas) -> None:
    assert _errors(hsds.service, _foreign()) == []


def test_foreign_service_imports() -> None:
    parsed = read_hsds_json(_foreign())
    assert parsed.categories == {}
    assert len(parsed.meta["warnings"]) == 1 and "MONTHLY" in parsed.meta["warnings"][0]
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
    ]
    assert offer["cost"] == {"amount_dkk": 100.0, "per": "år"}
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
    service["languages"] = [{"id": str(uuid.uuid4()), "code": "da-DK"}, {"id": str(uuid.uuid4()), "name": "Klingon"}]
    record = services_to_records([service]).records[0].data
    assert (record["status"], record["cost"], record["languages"]) == (
        "paused",
        {"amount_dkk": 60, "per": "måned"},
        ["da", "Klingon"],
    )
    service["service_at_locations"][0]["location"]["accessibility"] = [
        {"id": str(uuid.uuid4()), "description": "Desværre ikke kørestolsegnet"},
        {"id": str(uuid.uuid4()), "description": "Gratis parkering ved døren"},
    ]
    service["cost_options"][0]["currency"] = "EUR"
    parsed = services_to_records([service])
    assert "cost" not in parsed.records[0].data
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


def _fails(message: str) -> AbstractContextManager[Any]:
    return pytest.raises(FileFormatError, match=re.escape(message))


def test_malformed_datapackage(tmp_path: Path) -> None:
    with _fails("has no datapackage.json"):
        read_datapackage(tmp_path)
    spec = tmp_path / "datapackage.json"
    spec.write_text("{", encoding="utf-8")
    with _fails("datapackage.json cannot be read"):
        read_datapackage(tmp_path)
    spec.write_text('{"resources": [{"name": "organization", "path": "organizations.csv"}]}', encoding="utf-8")
    with _fails("no services resource"):
        read_datapackage(tmp_path)
    spec.write_text('{"resources": [{"name": "service", "path": "../services.csv"}]}', encoding="utf-8")
    with _fails("relative file path"):
        read_datapackage(tmp_path)
    spec.write_text('{"resources": [{"name": "service", "path": "services.csv"}]}', encoding="utf-8")
    with _fails("Cannot read services.csv"):
        read_datapackage(tmp_path)
    services = tmp_path / "services.csv"
    services.write_bytes(b"id,name\nx,Kor\xe6\n")
    with _fails("services.csv is not UTF-8"):
        read_datapackage(tmp_path)
    services.write_text("id,name\nx,Kor,extra\n", encoding="utf-8")
    with _fails("line 2 has more cells"):
        read_datapackage(tmp_path)
    services.write_text("name\nKor\n", encoding="utf-8")
    with _fails("no id column"):
        read_datapackage(tmp_path)
    services.write_text('id,name\nx,"Kor\n', encoding="utf-8")
    with _fails("services.csv"):
        read_datapackage(tmp_path)
