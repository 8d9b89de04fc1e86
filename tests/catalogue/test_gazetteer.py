"""The Norddjurs gazetteer: every town resolves, and distances are right."""

from __future__ import annotations

import pytest

from catalogue.gazetteer import default_gazetteer
from catalogue.geo import haversine_km
from catalogue.schemas import DK_LAT, DK_LON


def test_every_place_is_in_norddjurs_and_unique() -> None:
    gaz = default_gazetteer()
    assert len(gaz.places) >= 20
    names = [p.town for p in gaz.places]
    assert len(names) == len(set(names))
    for place in gaz.places:
        assert DK_LAT[0] <= place.lat <= DK_LAT[1] and DK_LON[0] <= place.lon <= DK_LON[1]
        assert len(place.postcode) == 4 and place.postcode.isdigit()
        if not place.island:  # the mainland part of the municipality
            assert haversine_km(place.lat, place.lon, 56.43, 10.65) < 30, place


def test_anholt_is_an_island_far_from_grenaa() -> None:
    gaz = default_gazetteer()
    anholt = gaz.resolve(postcode="8592")
    assert anholt is not None and anholt.town == "Anholt" and anholt.island
    grenaa = gaz.resolve(town="Grenaa")
    assert grenaa is not None and grenaa.postcode == "8500"
    assert 40 < haversine_km(anholt.lat, anholt.lon, grenaa.lat, grenaa.lon) < 55
    assert gaz.is_island(anholt.lat, anholt.lon) and not gaz.is_island(grenaa.lat, grenaa.lon)


@pytest.mark.parametrize("spelling", ["Grenå", "GRENAA", "  grenaa ", "grenå"])
def test_spellings_of_a_town(spelling: str) -> None:
    place = default_gazetteer().resolve(town=spelling)
    assert place is not None and place.town == "Grenaa"


def test_town_wins_over_postcode_and_unknowns_are_none() -> None:
    gaz = default_gazetteer()
    assert gaz.resolve(postcode="8500", town="Gjerrild").town == "Gjerrild"  # type: ignore[union-attr]
    assert gaz.resolve(town="Atlantis") is None
    assert gaz.resolve(postcode="9999") is None
    assert gaz.resolve() is None
