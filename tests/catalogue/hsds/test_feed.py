"""The public feed without HTTP (``catalogue.hsds.feed``): snapshot, text query, filters, places, paging.

Model-free: the text query gets a tiny stand-in analyser (the real one is the
search index's, which ``tests/api/test_hsds_api.py`` exercises through /hsds).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from catalogue.gazetteer import Gazetteer, Place
from catalogue.geo import haversine_km
from catalogue.hsds import CATEGORY_TAXONOMY, FM_TAXONOMY, FM_TERMS, feed, offer_to_service
from catalogue.store import Store
from tests.conftest import make_offer

from .support import CATEGORIES


def stems(text: str) -> Iterable[str]:
    """A stand-in analyser: lower-case words with a plural ``-ere``/``-er``/``-e`` cut off."""
    for word in text.casefold().split():
        word = word.strip(".,!?")
        for suffix in ("ere", "er", "e"):
            if len(word) > len(suffix) + 2 and word.endswith(suffix):
                word = word[: -len(suffix)]
                break
        if word and word not in {"og", "i"}:
            yield word


def _services(offers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [offer_to_service(o, CATEGORIES) for o in offers]


def _offer(offer_id: str, **overrides: Any) -> dict[str, Any]:
    return {**make_offer(offer_id), **overrides}


# -- text query --------------------------------------------------------------------------


def test_text_query_literal_is_case_and_whitespace_insensitive() -> None:
    query = feed.TextQuery("  Morgen   SVØM ", stems)
    assert query.matches("Vi tager en morgen svømmetur")
    assert query.matches(None, "MORGEN\n svøm i havet")
    assert not query.matches("svøm om morgenen")  # words in another order are no literal match ...
    assert feed.TextQuery("svøm", stems).matches("Morgensvømning"), "a word's beginning inside a word"


def test_text_query_needs_every_term_of_the_query() -> None:
    query = feed.TextQuery("sangere og kaffe", stems)
    assert query.terms == {"sang", "kaff"}
    assert query.matches("Kaffe efter sang")  # every stem, any order
    assert not query.matches("Sang uden noget at drikke")
    assert not feed.TextQuery("og i", stems).matches("i og"), "no terms: only the literal can match"
    assert feed.TextQuery("og i", stems).matches("kaffe og i dag")


def test_matching_filters_on_the_named_keys_only() -> None:
    items = [{"name": "Kor", "description": "sang"}, {"name": "Sang", "description": ""}, {"name": "Strik"}]
    assert feed.matching(items, "sang", stems, "name") == [items[1]]
    assert feed.matching(items, "sang", stems, "name", "description") == items[:2]
    assert feed.matching(items, None, stems, "name") == items
    assert feed.matching(items, "", stems, "name") == items


# -- filters ------------------------------------------------------------------------------


@pytest.fixture
def services() -> list[dict[str, Any]]:
    return _services(
        [
            _offer("a", title="Sangere i Grenaa", categories=["sang"], updated_at=datetime(2026, 1, 1, tzinfo=UTC)),
            _offer(
                "b",
                title="Strikkecafé",
                description="Strik og snak",
                categories=["håndværk"],
                organisation={"id": "org-strik", "name": "Strikkerne", "type": "volunteer_group"},
                updated_at=datetime(2026, 3, 1, tzinfo=UTC),
            ),
            _offer(  # no updated_at: no last_modified
                "c", title="Havsvømning", description="Vinterbadning for alle", categories=["vand", "motion"]
            ),
        ]
    )


def _names(services: list[dict[str, Any]]) -> list[str]:
    return [s["name"] for s in services]


def test_filter_by_term_code_or_id_and_by_taxonomy_id_or_name(services: list[dict[str, Any]]) -> None:
    assert _names(feed.filter_services(services, analyze=stems, taxonomy_term_id="sang")) == ["Sangere i Grenaa"]
    motion = next(a for a in services[2]["attributes"] if a["taxonomy_term"]["code"] == "motion")
    by_id = feed.filter_services(services, analyze=stems, taxonomy_term_id=motion["taxonomy_term_id"])
    assert _names(by_id) == ["Havsvømning"]
    for taxonomy in (CATEGORY_TAXONOMY["id"], CATEGORY_TAXONOMY["name"], FM_TAXONOMY["name"]):
        assert len(feed.filter_services(services, analyze=stems, taxonomy_id=taxonomy)) == 3
    assert feed.filter_services(services, analyze=stems, taxonomy_id="somebody-elses") == []
    assert feed.filter_services(services, analyze=stems, taxonomy_term_id="fm:kind") == services


def test_filter_by_organisation_modified_after_and_search_combine_with_and(services: list[dict[str, Any]]) -> None:
    org = services[1]["organization_id"]
    assert _names(feed.filter_services(services, analyze=stems, organization_id=org)) == ["Strikkecafé"]
    march = datetime(2026, 3, 1, tzinfo=UTC)
    assert _names(feed.filter_services(services, analyze=stems, modified_after=march)) == ["Strikkecafé"]
    later = feed.filter_services(services, analyze=stems, modified_after=march + timedelta(seconds=1))
    assert later == [], "inclusive bound; a service without last_modified never passes"
    assert _names(feed.filter_services(services, analyze=stems, search="sang")) == ["Sangere i Grenaa"]
    assert _names(feed.filter_services(services, analyze=stems, search="snak")) == ["Strikkecafé"]
    both = feed.filter_services(services, analyze=stems, search="sang", organization_id=org)
    assert both == []
    assert feed.filter_services(services, analyze=stems) == services


def test_organisations_once_by_name_with_their_services(services: list[dict[str, Any]]) -> None:
    orgs = feed.organizations_of(services)
    assert [o["name"] for o in orgs] == ["Strikkerne", "Testkoret"]
    nested = feed.organization_item(orgs[1], services, full=True)
    assert _names(nested["services"]) == ["Sangere i Grenaa", "Havsvømning"]
    assert all("organization" not in s and "service_at_locations" not in s for s in nested["services"])
    assert "services" not in feed.organization_item(orgs[1], services)
    assert (
        "service_at_locations" in feed.organization_item(orgs[1], services, full=True, full_service=True)["services"][0]
    )


def test_item_shapes(services: list[dict[str, Any]]) -> None:
    service = services[0]
    assert set(feed.service_item(service, minimal=True)) == {"id", "name", "status", "last_modified"}
    short = feed.service_item(service)
    assert "attributes" not in short and set(short["organization"]) <= set(service["organization"])
    assert feed.service_item(service, full=True) == service
    sal, owner = feed.service_at_locations(services)[0]
    assert owner is service
    assert "addresses" not in feed.sal_item(sal, owner)["location"]
    full = feed.sal_item(sal, owner, full=True)
    assert full["location"]["addresses"] and "service_at_locations" not in full["service"]
    assert feed.find(services, service["id"]) is service and feed.find(services, "nope") is None


def test_taxonomy_terms_are_the_ones_services_carry(services: list[dict[str, Any]]) -> None:
    terms = feed.taxonomy_terms(CATEGORIES)
    categories = [t for t in terms if t["taxonomy"] == CATEGORY_TAXONOMY["name"]]
    assert sorted(t["code"] for t in categories) == sorted(CATEGORIES)
    assert {t["code"] for t in terms if t["taxonomy"] == FM_TAXONOMY["name"]} == {f"fm:{k}" for k in FM_TERMS}
    carried = {a["taxonomy_term"]["id"]: a["taxonomy_term"] for s in services for a in s["attributes"]}
    by_id = {t["id"]: t for t in terms}
    assert all(by_id[tid] == term for tid, term in carried.items())
    only_fm = feed.find_terms(CATEGORIES, analyze=stems, taxonomy_id=FM_TAXONOMY["id"])
    assert len(only_fm) == len(FM_TERMS)
    assert [t["code"] for t in feed.find_terms(CATEGORIES, analyze=stems, search="fiskeri")] == ["fiskeri"]
    assert feed.find_terms(CATEGORIES, analyze=stems, parent_id="any") == [], "our taxonomies are flat"


# -- places ---------------------------------------------------------------------------------

CENTRE = Place(town="Midtby", postcode="8500", lat=56.0, lon=10.0)
GAZETTEER = Gazetteer([CENTRE, Place(town="Nordby", postcode="8581", lat=56.02, lon=10.0)])


def _located(offer_id: str, location: dict[str, Any]) -> dict[str, Any]:
    return _offer(offer_id, title=offer_id, location=location)


@pytest.fixture
def pairs() -> list[feed.SalPair]:
    offers = [
        _located("far", {"lat": 56.05, "lon": 10.0, "postcode": "8585"}),  # 5.6 km north
        _located("near", {"lat": 56.01, "lon": 10.0, "postcode": "8500"}),  # 1.1 km north
        _located("near-too", {"lat": 56.01, "lon": 10.0, "postcode": "8500"}),  # the same place
        _located("town-only", {"postcode": "8581", "town": "Nordby"}),  # 2.2 km via the gazetteer
        _located("online", {"online": True}),
    ]
    return feed.service_at_locations(_services(offers))


def _titles(pairs: list[feed.SalPair]) -> list[str]:
    return [str(service["name"]) for _, service in pairs]


def test_proximity_keeps_physical_places_within_metres_nearest_first(pairs: list[feed.SalPair]) -> None:
    assert haversine_km(56.0, 10.0, 56.01, 10.0) == pytest.approx(1.112, abs=0.001)
    assert _titles(feed.near(pairs, "8500", 1200, GAZETTEER)) == ["near", "near-too"], "equal distances keep order"
    assert _titles(feed.near(pairs, " 8500 ", 3000, GAZETTEER)) == ["near", "near-too", "town-only"]
    assert _titles(feed.near(pairs, "8500", 6000, GAZETTEER)) == ["near", "near-too", "town-only", "far"]
    assert feed.near(pairs, "8500", 1000, GAZETTEER) == []
    with pytest.raises(feed.UnknownPostcode, match="Postcode 1000 is not in the gazetteer"):
        feed.near(pairs, "1000", 5000, GAZETTEER)


def test_postcode_alone_keeps_addresses_with_it(pairs: list[feed.SalPair]) -> None:
    assert _titles(feed.with_postcode(pairs, "8500")) == ["near", "near-too"]
    assert _titles(feed.with_postcode(pairs, " 8581")) == ["town-only"]
    assert feed.with_postcode(pairs, "9999") == []


def test_place_of_locations() -> None:
    assert feed.place_of({"location_type": "virtual"}, GAZETTEER) is None
    assert feed.place_of({"location_type": "physical", "latitude": 1, "longitude": 2}, GAZETTEER) == (1.0, 2.0)
    by_city = {"location_type": "physical", "addresses": [{"city": "Nordby", "postal_code": "8500"}]}
    assert feed.place_of(by_city, GAZETTEER) == (56.02, 10.0), "the town wins over the postcode"
    assert feed.place_of({"location_type": "physical", "addresses": [{"city": "Ukendt"}]}, GAZETTEER) is None


# -- paging ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "per_page", "contents", "first", "last"),
    [
        (1, 2, ["0", "1"], True, False),
        (3, 2, ["4"], False, True),
        (4, 2, [], False, True),
        (1, 10, ["0", "1", "2", "3", "4"], True, True),
    ],
)
def test_page_envelope_and_shaping(page: int, per_page: int, contents: list[str], first: bool, last: bool) -> None:
    shaped: list[int] = []

    def shape(item: int) -> dict[str, Any]:
        shaped.append(item)
        return {"id": str(item)}

    body = feed.page(list(range(5)), page, per_page, shape)
    assert body == {
        "total_items": 5,
        "total_pages": math.ceil(5 / per_page),
        "page_number": page,
        "size": len(contents),
        "first_page": first,
        "last_page": last,
        "empty": not contents,
        "contents": [{"id": c} for c in contents],
    }
    assert shaped == [int(c) for c in contents], "only the page's items are shaped"


def test_empty_listing_is_one_empty_page() -> None:
    body = feed.page([], 1, 50, dict)
    assert (body["total_pages"], body["empty"], body["first_page"], body["last_page"]) == (1, True, True, True)


# -- the snapshot -----------------------------------------------------------------------------


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Offer ids as the feed converts them; changes are looked for from the moment a snapshot is built."""
    monkeypatch.setattr(feed, "SETTLE", timedelta(0))
    conversions: list[str] = []
    real = feed.offer_to_service

    def counting(offer: Any, categories: Any) -> Any:
        conversions.append(offer["id"])
        return real(offer, categories)

    monkeypatch.setattr(feed, "offer_to_service", counting)
    return conversions


def test_snapshot_is_reused_until_the_store_changes(sqlite_store: Store, counted: list[str]) -> None:
    offers = [make_offer("t-1"), make_offer("t-2", title="Strikkeklub"), make_offer("t-3", status="ended")]
    assert sqlite_store.import_offers(offers, actor="tests").committed
    first = feed.public_services(sqlite_store, max_age=60)
    assert _names(first) == ["Seniorkor i Grenaa", "Strikkeklub"], "an ended offer is not public"
    assert counted == ["t-1", "t-2"]
    assert feed.public_services(sqlite_store, max_age=60) is first
    assert len(counted) == 2, "an unchanged store is not converted again"

    offer = sqlite_store.get_offer("t-2")
    sqlite_store.update_offer("t-2", {"title": "Strikkecafé"}, expected_version=offer["version"], actor="tests")
    assert "Strikkecafé" in _names(feed.public_services(sqlite_store, max_age=60))

    sqlite_store.add_category("fiskeri", "Fiskeri", actor="tests")
    before = len(counted)
    feed.public_services(sqlite_store, max_age=60)
    assert len(counted) == before + 2, "a new category converts again"


def test_max_age_zero_converts_every_time(sqlite_store: Store, counted: list[str]) -> None:
    assert sqlite_store.import_offers([make_offer("t-1")], actor="tests").committed
    feed.public_services(sqlite_store, max_age=0)
    feed.public_services(sqlite_store, max_age=0)
    assert counted == ["t-1", "t-1"]


def test_a_village_known_by_name_only_has_no_point_in_the_feed() -> None:
    """Homå has no point: its location is unplaced (never 8500's town), and a proximity search skips it."""
    from catalogue.gazetteer import default_gazetteer

    homaa = {"location_type": "physical", "addresses": [{"city": "Homaa", "postal_code": "8500"}]}
    assert feed.place_of(homaa, default_gazetteer()) is None
    pair = ({"location": homaa}, {"id": "s-1"})
    assert feed.near([pair], "8500", 50_000, default_gazetteer()) == []
