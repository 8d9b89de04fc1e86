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
    return box[0] <= place.lat <= box[1] and box[2] <= place.lon <= box[3]


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
    gaz = default_gazetteer()
    assert len(gaz.places) >= 30
    for place in gaz.places:
        assert _inside(ANHOLT if place.island else MAINLAND, place), place
    assert [p.town for p in gaz.places if p.island] == ["Anholt"]


def test_every_postcode_is_the_municipalitys_and_names_its_main_town() -> None:
    gaz = default_gazetteer()
    used = {p.postcode for p in gaz.places}
    # 8581 Nimtofte: the town is in Syddjurs; see gazetteer_SOURCES.md for why no row uses it.
    assert used == set(NORDDJURS_POSTCODES) - {"8581"}
    for code in used:
        main = gaz.resolve(postcode=code)
        assert main is not None and main.town == NORDDJURS_POSTCODES[code], code
    assert gaz.resolve(postcode=8586) == gaz.resolve(town="Ørum Djurs")


def test_every_row_has_a_source_note() -> None:
    text = (resources.files("catalogue") / "data" / "gazetteer_SOURCES.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| ([^|]+?) \| (\d{4}) \| (\w+) \| (\w+) \|", text, flags=re.MULTILINE)
    noted = {town: (postcode, coords, code_note) for town, postcode, coords, code_note in rows}
    gaz = default_gazetteer()
    assert set(noted) == set(gaz.towns())
    for place in gaz.places:
        postcode, coords, code_note = noted[place.town]
        assert postcode == place.postcode, place.town
        assert coords in {"checked", "carried", "estimate", "rough"}, place.town
        assert code_note in {"confirmed", "unconfirmed"}, place.town


def test_anholt_is_an_island_far_from_grenaa() -> None:
    gaz = default_gazetteer()
    anholt = gaz.resolve(postcode="8592")
    assert anholt is not None and anholt.town == "Anholt" and anholt.island
    grenaa = gaz.resolve(town="Grenaa")
    assert grenaa is not None and grenaa.postcode == "8500"
    assert 40 < haversine_km(anholt.lat, anholt.lon, grenaa.lat, grenaa.lon) < 55
    assert gaz.is_island(anholt.lat, anholt.lon) and not gaz.is_island(grenaa.lat, grenaa.lon)


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
