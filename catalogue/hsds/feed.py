"""The public HSDS 3.0 feed: what ``/hsds`` publishes, without the HTTP.

What is public, and what is not:

* Only offers with status ``active`` or ``paused`` (HSDS ``active`` and
  ``temporarily closed``). An ended offer (HSDS ``defunct``) is kept by the
  store for history and statistics only; it is in no listing, and its id is
  found like an unknown one (``None``). A public feed lists what a citizen
  can still join.
* Organisations are listed only while they provide at least one public service.
* Nothing else leaves the store: the HSDS objects are built from the offer's
  public content only (:func:`catalogue.hsds.offer_to_service`).

The services are converted once per store and reused until the store shows a
change (:func:`public_services`). Text queries take the analyser of the
search index as an argument (:data:`Analyzer`), so this package does not
depend on the indexer above it.

Readings of the standard where it leaves room: ``postcode`` alone keeps
locations whose address has that postcode (we publish no service areas); with
a proximity (metres, as the standard says) it keeps physical locations within
that distance of the postcode's centroid from the gazetteer, nearest first.
Online-only locations have no place and are left out of both.
``taxonomy_term_id`` accepts a term's id or code, ``taxonomy_id`` a
taxonomy's id or name.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from catalogue.audience import AudienceVocabulary
from catalogue.gazetteer import Gazetteer, default_gazetteer
from catalogue.geo import haversine_km
from catalogue.models import utcnow
from catalogue.records import OfferRecord
from catalogue.store import Store

from .export import offer_to_service, page_envelope
from .tabular import COLUMNS
from .terms import AUDIENCE_TAXONOMY, CATEGORY_TAXONOMY, FM_TAXONOMY

PUBLIC_STATUSES = ("active", "paused")
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 500
MAX_PROXIMITY_M = 500_000
#: A write stamps ``updated_at`` before it commits; changes stamped this long
#: before a snapshot was read are still looked for.
SETTLE = timedelta(seconds=5)

#: Text -> its search terms (the index's Danish analyser, ``indexer.analysis.analyze``).
Analyzer = Callable[[str], Iterable[str]]
#: A (service_at_location, its service) pair.
SalPair = tuple[dict[str, Any], Mapping[str, Any]]


class UnknownPostcode(ValueError):
    """A proximity search from a postcode the gazetteer does not know."""

    def __init__(self, postcode: str) -> None:
        super().__init__(f"Postcode {postcode} is not in the gazetteer of Norddjurs.")
        self.postcode = postcode


# -- the snapshot of public services -------------------------------------------------


@dataclass
class _Snapshot:
    built: float  # time.monotonic() when built
    since: datetime  # any change stamped after this may be missing from it
    offers: int
    organisations: int
    categories: dict[str, str]
    services: list[dict[str, Any]]


_snapshots: weakref.WeakKeyDictionary[Store, _Snapshot] = weakref.WeakKeyDictionary()


def public_services(store: Store, *, max_age: float = 60) -> list[dict[str, Any]]:
    """Every public offer as a full HSDS service, in the store's order (offer id).

    Converting a whole catalogue costs about 0.5 ms an offer, so the result
    is kept per store and reused while four counting queries show that no
    offer, organisation or category changed since. As a timestamp cannot
    prove that a long transaction committed nothing older, a snapshot is
    also never older than ``max_age`` seconds (0 turns the cache off).
    Callers must not modify what they get."""
    categories = store.categories()
    offers_total = store.list_offers(limit=0)[1]
    organisations_total = store.list_organisations(limit=0)[1]
    snap = _snapshots.get(store)
    if (
        snap is not None
        and time.monotonic() - snap.built < max_age
        and (snap.categories, snap.offers, snap.organisations) == (categories, offers_total, organisations_total)
        and store.list_offers(modified_after=snap.since, limit=0)[1] == 0
        and store.list_organisations(modified_after=snap.since, limit=0)[1] == 0
    ):
        return snap.services
    built, since = time.monotonic(), utcnow() - SETTLE
    offers: list[OfferRecord] = []
    for status in PUBLIC_STATUSES:
        offers.extend(store.list_offers(status=status)[0])
    offers.sort(key=lambda o: o["id"])
    services = [offer_to_service(o, categories) for o in offers]
    if max_age > 0:
        _snapshots[store] = _Snapshot(built, since, offers_total, organisations_total, categories, services)
    return services


def taxonomies() -> list[dict[str, Any]]:
    """Our three taxonomies: the extension fields, the categories, the audiences (målgrupper)."""
    return [dict(FM_TAXONOMY), dict(CATEGORY_TAXONOMY), dict(AUDIENCE_TAXONOMY)]


def taxonomy_terms(categories: Mapping[str, str]) -> list[dict[str, Any]]:
    """Every term of our three taxonomies, exactly as services carry them, by (taxonomy, code).

    The terms are taken from a probe offer that states every extension field,
    every category and every built-in audience code, so ids, codes and labels cannot drift from the ones
    :func:`offer_to_service` puts into services."""
    probe = {
        "id": "probe",
        "kind": "activity",
        "title": "probe",
        "organisation": {"id": "probe", "name": "probe", "type": "other"},
        "categories": list(categories),
        "audience": AudienceVocabulary.default().codes(),
        "location": {},
        "group_size": "small",
        **dict.fromkeys(("places_total", "places_available", "waitlist", "volunteers"), 0),
        "cost": {"options": [{"amount": 0.0, "currency": "DKK", "per": "gang", "text": None}]},
        "schedule": {"state": "by_arrangement", "exception_months": [7]},
    }
    service = offer_to_service(probe, categories)
    terms: dict[str, dict[str, Any]] = {}
    for attr in [*service.get("attributes", []), *service["organization"].get("attributes", [])]:
        terms.setdefault(attr["taxonomy_term"]["id"], attr["taxonomy_term"])
    return sorted(terms.values(), key=lambda t: (t["taxonomy"], t["code"]))


def find_terms(
    categories: Mapping[str, str],
    *,
    analyze: Analyzer,
    taxonomy_id: str | None = None,
    parent_id: str | None = None,
    search: str | None = None,
) -> list[dict[str, Any]]:
    """The :func:`taxonomy_terms` of a taxonomy (id or name), under a parent (ours are flat,
    so none), matching a :class:`TextQuery` on name, code and description."""
    items = taxonomy_terms(categories)
    if taxonomy_id:
        items = [t for t in items if taxonomy_id in (t["taxonomy_id"], t["taxonomy"])]
    if parent_id:
        items = [t for t in items if t.get("parent_id") == parent_id]
    return matching(items, search, analyze, "name", "code", "description")


# -- text query and filters ------------------------------------------------------------


class TextQuery:
    """Case-insensitive and Danish-aware: a text matches when it has every
    term ``analyze`` gives for the query (with the index's Danish Snowball
    stems, ``sangere`` finds ``sang``), or when the query occurs in it as
    written, whitespace collapsed (so a word's beginning, ``svøm``, finds
    ``svømning``)."""

    def __init__(self, query: str, analyze: Analyzer) -> None:
        self.literal = " ".join(query.casefold().split())
        self.analyze = analyze
        self.terms = set(analyze(query))

    def matches(self, *texts: str | None) -> bool:
        """True when the texts, joined, match the query (``None`` texts are skipped)."""
        text = " ".join(t for t in texts if t)
        if self.literal and self.literal in " ".join(text.casefold().split()):
            return True
        return bool(self.terms) and self.terms <= set(self.analyze(text))


def matching(items: list[dict[str, Any]], query: str | None, analyze: Analyzer, *keys: str) -> list[dict[str, Any]]:
    """The items whose ``keys`` texts match ``query``; all of them when there is no query."""
    if not query:
        return items
    text_query = TextQuery(query, analyze)
    return [item for item in items if text_query.matches(*(item.get(k) for k in keys))]


def _term_keys(service: Mapping[str, Any]) -> tuple[set[str], set[str]]:
    """(term ids and codes, taxonomy ids and names) of a service's attributes."""
    terms: set[str] = set()
    taxes: set[str] = set()
    for attr in service.get("attributes", []):
        term = attr.get("taxonomy_term") or {}
        terms.update(str(v) for v in (attr.get("taxonomy_term_id"), term.get("id"), term.get("code")) if v)
        taxes.update(str(v) for v in (term.get("taxonomy_id"), term.get("taxonomy")) if v)
    return terms, taxes


def _modified(service: Mapping[str, Any]) -> datetime | None:
    value = service.get("last_modified")
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def filter_services(
    services: Iterable[dict[str, Any]],
    *,
    analyze: Analyzer,
    search: str | None = None,
    taxonomy_term_id: str | None = None,
    taxonomy_id: str | None = None,
    organization_id: str | None = None,
    modified_after: datetime | None = None,
) -> list[dict[str, Any]]:
    """The services every given filter accepts (AND), in their order.

    ``search`` is a :class:`TextQuery` on name and description;
    ``taxonomy_term_id`` a term id or code; ``taxonomy_id`` a taxonomy id or
    name; ``modified_after`` an aware datetime (inclusive)."""
    out = list(services)
    if search:
        query = TextQuery(search, analyze)
        out = [s for s in out if query.matches(s.get("name"), s.get("description"))]
    if taxonomy_term_id:
        out = [s for s in out if taxonomy_term_id in _term_keys(s)[0]]
    if taxonomy_id:
        out = [s for s in out if taxonomy_id in _term_keys(s)[1]]
    if organization_id:
        out = [s for s in out if s.get("organization_id") == organization_id]
    if modified_after is not None:
        out = [s for s in out if (m := _modified(s)) is not None and m >= modified_after]
    return out


def organizations_of(services: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each organisation with a public service once, by name (case-insensitive), then id."""
    seen: dict[str, dict[str, Any]] = {}
    for service in services:
        seen.setdefault(service["organization"]["id"], service["organization"])
    return sorted(seen.values(), key=lambda o: (o["name"].casefold(), o["id"]))


def find(items: Iterable[Mapping[str, Any]], item_id: str) -> Mapping[str, Any] | None:
    """The item with HSDS id ``item_id``, or ``None``."""
    return next((item for item in items if item.get("id") == item_id), None)


# -- places ------------------------------------------------------------------------------


def service_at_locations(services: Iterable[Mapping[str, Any]]) -> list[SalPair]:
    """Every (service_at_location, its service) pair, in the services' order."""
    return [(dict(sal), s) for s in services for sal in s.get("service_at_locations", [])]


def place_of(location: Mapping[str, Any], gazetteer: Gazetteer) -> tuple[float, float] | None:
    """A physical location's (lat, lon); without coordinates, its postcode's or town's from the gazetteer."""
    if location.get("location_type") != "physical":
        return None
    if location.get("latitude") is not None and location.get("longitude") is not None:
        return float(location["latitude"]), float(location["longitude"])
    address = (location.get("addresses") or [{}])[0]
    place = gazetteer.resolve(postcode=address.get("postal_code"), town=address.get("city"))
    if place is None or place.lat is None or place.lon is None:  # a village known by name only: no point
        return None
    return place.lat, place.lon


def near(
    pairs: Iterable[SalPair], postcode: str, proximity_m: float, gazetteer: Gazetteer | None = None
) -> list[SalPair]:
    """The pairs whose location lies within ``proximity_m`` metres (great-circle) of the
    centroid of ``postcode``, nearest first (equal distances keep their order).

    Raises :class:`UnknownPostcode` when the gazetteer does not know the postcode."""
    gazetteer = gazetteer or default_gazetteer()
    postcode = postcode.strip()
    centre = gazetteer.resolve(postcode=postcode)
    if centre is None or centre.lat is None or centre.lon is None:
        raise UnknownPostcode(postcode)
    limit_km = proximity_m / 1000
    found = []
    for sal, service in pairs:
        point = place_of(sal.get("location") or {}, gazetteer)
        if point is not None and (km := haversine_km(centre.lat, centre.lon, *point)) <= limit_km:
            found.append((km, sal, service))
    found.sort(key=lambda t: t[0])
    return [(sal, service) for _, sal, service in found]


def with_postcode(pairs: Iterable[SalPair], postcode: str) -> list[SalPair]:
    """The pairs whose location has an address with ``postcode``."""
    postcode = postcode.strip()
    return [(sal, s) for sal, s in pairs if postcode in _postcodes(sal.get("location") or {})]


def _postcodes(location: Mapping[str, Any]) -> set[str]:
    return {str(a.get("postal_code")) for a in location.get("addresses") or [] if a.get("postal_code")}


# -- shapes and paging --------------------------------------------------------------------


def one_to_one(obj: Mapping[str, Any], table: str) -> dict[str, Any]:
    """The fields of ``obj`` that are columns of the HSDS table (no nested lists)."""
    return {k: obj[k] for k in COLUMNS[table] if k in obj}


def service_item(service: Mapping[str, Any], *, full: bool = False, minimal: bool = False) -> dict[str, Any]:
    """A ``/services`` item: ``minimal`` gives id, name, status and last_modified (name and
    status because the standard's list schema requires them); ``full`` the nested service;
    otherwise the service's columns with its organisation's columns."""
    if minimal:
        return {k: service[k] for k in ("id", "name", "status", "last_modified") if k in service}
    if full:
        return dict(service)
    return {**one_to_one(service, "service"), "organization": one_to_one(service["organization"], "organization")}


def organization_item(
    org: Mapping[str, Any], services: Iterable[Mapping[str, Any]], *, full: bool = False, full_service: bool = False
) -> dict[str, Any]:
    """An organisation's columns, or (``full``) the nested organisation with its ``services``."""
    if not full:
        return one_to_one(org, "organization")
    nested = []
    for service in services:
        if service.get("organization_id") == org["id"]:
            item = service_item(service, full=full_service)
            item.pop("organization", None)  # it is the enclosing object
            nested.append(item)
    return {**org, "services": nested}


def sal_item(sal: Mapping[str, Any], service: Mapping[str, Any], *, full: bool = False) -> dict[str, Any]:
    """A service_at_location with its location and service: nested (``full``) or their columns."""
    if full:
        nested = {k: v for k, v in service.items() if k != "service_at_locations"}
        return {**sal, "service": nested}
    out = one_to_one(sal, "service_at_location")
    if sal.get("location"):
        out["location"] = one_to_one(sal["location"], "location")
    out["service"] = one_to_one(service, "service")
    return out


def page(items: list[Any], page_number: int, per_page: int, shape: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """The standard's paged envelope of ``items`` (see :func:`page_envelope`), each
    item of the page passed through ``shape``. ``page_number`` and ``per_page`` start at 1."""
    body = page_envelope(items, page_number, per_page)
    body["contents"] = [shape(item) for item in body["contents"]]
    return body
