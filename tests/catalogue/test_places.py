"""An offer's further places: the text form (CSV), the schema, the store and HSDS."""

from __future__ import annotations

import copy
import io
import json
from typing import Any

import pytest
from marshmallow import ValidationError

from catalogue.formats import read_text, write_offers
from catalogue.hsds import read_hsds_json
from catalogue.places import format_places, parse_places
from catalogue.schemas import OfferSchema, flatten_errors
from catalogue.store import Store
from tests.catalogue.hsds.support import FOREIGN
from tests.conftest import make_offer


@pytest.mark.parametrize(
    ("text", "places"),
    [
        ("", []),
        ("8500 Grenaa", [{"postcode": "8500", "town": "Grenaa"}]),
        ("Ørum", [{"town": "Ørum"}]),
        (
            "Skolevej 2, 8586 Ørum Djurs @ 56.4401 10.6694",
            [{"address": "Skolevej 2", "postcode": "8586", "town": "Ørum Djurs", "lat": 56.4401, "lon": 10.6694}],
        ),
        ("Torvet 1, Auning | 8963", [{"address": "Torvet 1", "town": "Auning"}, {"postcode": "8963"}]),
        ("@ 56,27 10,41", [{"lat": 56.27, "lon": 10.41}]),  # a decimal comma
    ],
)
def test_parse_places(text: str, places: list[dict[str, Any]]) -> None:
    assert parse_places(text) == places


@pytest.mark.parametrize("text", ["Skolevej 2, @ x y", "Torvet 1, 8500 Grenaa @ 56.4", "12345"])
def test_unreadable_places_are_refused_with_an_example(text: str) -> None:
    with pytest.raises(ValueError, match="fx 'Skolevej 2, 8586 Ørum Djurs"):
        parse_places(text)


def test_format_is_the_inverse_of_parse() -> None:
    places = [
        {"address": "Skolevej 2", "postcode": "8586", "town": "Ørum Djurs", "lat": 56.4401, "lon": 10.6694},
        {"address": None, "postcode": "8963", "town": "Auning", "lat": 56.4308, "lon": 10.3782},
    ]
    text = format_places(places)
    assert text == "Skolevej 2, 8586 Ørum Djurs @ 56.4401 10.6694 | 8963 Auning @ 56.4308 10.3782"
    assert parse_places(text) == [{k: v for k, v in p.items() if v is not None} for p in places]


def test_schema_resolves_names_points_and_drops_repeats() -> None:
    offer = OfferSchema().load(
        make_offer(
            location={"town": "Grenaa", "address": "Torvet 3"},
            other_locations=[
                {"town": "Ørum"},  # the case's short name: stored as the gazetteer's "Ørum Djurs"
                {"town": "Orum Djurs"},  # the same place, spelled without ø
                {"address": "Torvet 3", "town": "Grenå"},  # the main location again
                {"address": "Havnen", "lat": 56.2, "lon": 10.5},
            ],
        )
    )
    assert offer["other_locations"] == [
        {"address": None, "postcode": "8586", "town": "Ørum Djurs", "lat": 56.466, "lon": 10.668},
        {"address": "Havnen", "postcode": None, "town": None, "lat": 56.2, "lon": 10.5},
    ]
    assert OfferSchema().load(make_offer())["other_locations"] == []


@pytest.mark.parametrize(
    ("places", "field", "fragment"),
    [
        ([{"town": "Atlantis"}], "other_locations.0", "known Norddjurs"),
        ([{"town": "Grenaa"}, {"lat": 56.0}], "other_locations.1.lon", "both lat and lon"),
        ([{"online": True}], "other_locations.0.online", "Unknown field"),
        ("Torvet 1, 8500 Grenaa @ 56.4", "other_locations", "kan ikke læses"),
        ([{"town": "Grenaa"}] * 21, "other_locations", "At most 20"),
    ],
)
def test_bad_places_name_the_field(places: Any, field: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as exc:
        OfferSchema().load(make_offer(other_locations=places))
    errors = flatten_errors(exc.value.messages)
    assert field in errors, errors
    assert fragment in " ".join(errors[field])


def test_csv_round_trip_keeps_every_place(sqlite_store: Store) -> None:
    text = (
        "id;kind;title;organisation.name;categories;location.town;other_locations\n"
        "p1;activity;Gåtur;Gåklubben;motion;Grenaa;Skolevej 2, 8586 Ørum @ 56.4401 10.6694 | Auning\n"
    )
    report = sqlite_store.import_offers(read_text(text, "csv").records, actor="t")
    assert report.committed, report.to_dict()
    stored = sqlite_store.get_offer("p1")["other_locations"]
    assert [(p["address"], p["town"], p["lat"]) for p in stored] == [
        ("Skolevej 2", "Ørum Djurs", 56.4401),
        (None, "Auning", 56.4308),
    ]
    buf = io.StringIO()
    write_offers(sqlite_store.iter_offers(), "csv", buf)
    again = sqlite_store.import_offers(read_text(buf.getvalue(), "csv").records, actor="t")
    assert again.ok and again.unchanged == 1, again.to_dict()


def test_hsds_service_at_two_places_keeps_both(store: Store) -> None:
    service = json.loads(FOREIGN.read_text(encoding="utf-8"))
    sal = service["service_at_locations"][0]
    second = copy.deepcopy(sal)
    second["id"] = second["location"]["id"] = "2f1e0d5c-4b3a-4c29-8d7e-6f5a4b3c2d1e"
    second["location"]["latitude"], second["location"]["longitude"] = 56.466, 10.668
    second["location"]["addresses"] = [
        {"id": "3a2b1c0d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "address_1": "Skolevej 2", "city": "Ørum", "postal_code": "8586"}
    ]
    second["location"].pop("accessibility", None)
    service["service_at_locations"].append(second)
    parsed = read_hsds_json(service)
    report = store.import_offers(parsed.records, actor="t")
    assert report.committed, report.to_dict()
    offer = store.get_offer(str(parsed.records[0].data["id"]))
    assert offer["location"]["town"] == "Grenaa"
    assert offer["other_locations"] == [
        {"address": "Skolevej 2", "postcode": "8586", "town": "Ørum Djurs", "lat": 56.466, "lon": 10.668}
    ]
