"""The public Open Referral HSDS 3.0 read API under ``/hsds``.

Anyone may read it, without a key: it is the public directory of
Fællesskabsmatch in the shape municipal directories and national platforms
consume. The objects come from ``catalogue.hsds`` (the same mapping as the
file export), so ids, taxonomies and extension attributes are identical in
both.

What is public, and what is not:

* Only offers with status ``active`` or ``paused`` (HSDS ``active`` and
  ``temporarily closed``). An ended offer (HSDS ``defunct``) is kept by the
  store for history and statistics only; it is in no listing, and its id
  answers 404 like an unknown one. A public feed lists what a citizen can
  still join.
* Organisations are listed only while they provide at least one public
  service.
* Nothing else leaves the store: no audit fields (``updated_by``,
  ``version``, ``created_at``), no referrals, keys or match logs. The HSDS
  objects are built from the offer's public content only;
  ``last_modified`` is the one timestamp HSDS defines.

Endpoints follow the standard's ``openapi.json``: ``/``, ``/services``,
``/services/{id}``, ``/organizations``, ``/organizations/{id}``,
``/service_at_locations``, ``/service_at_locations/{id}``, ``/taxonomies``,
``/taxonomies/{id}``, ``/taxonomy_terms``, ``/taxonomy_terms/{id}``; every
listing is paged with the standard's envelope (``total_items``,
``total_pages``, ``page_number``, ``size``, ``first_page``, ``last_page``,
``empty``, ``contents``) or, with ``format=ndjson``, streams every result as
one JSON object per line without paging. Filters combine with AND. Paging:
``page`` starts at 1, ``per_page`` is 1 to 500 (default 50); a page beyond
the last one is an empty page, not an error. Invalid parameters get the
API's one error envelope (422) naming the parameter.

Readings of the standard where it leaves room:

* ``minimal=true`` on ``/services`` gives ``id``, ``name``, ``status`` and
  ``last_modified`` (name and status because the standard's list schema
  requires them) and, unless ``per_page`` is given, all of them in one page.
* ``postcode`` alone keeps locations whose address has that postcode (we
  publish no service areas); with ``proximity`` (metres, as the standard
  says) it keeps physical locations within that distance of the postcode's
  centroid from the gazetteer, nearest first. Online-only locations have no
  place and are left out of both.
* ``/service_at_locations/{id}`` returns the fully nested
  service_at_location its description promises (location and service
  included); the standard's response ``$ref`` to ``service.json`` there is
  taken as a copy-and-paste slip.
* ``taxonomy_term_id`` accepts a term's id or its code (a category code such
  as ``sang``); ``taxonomy_id`` a taxonomy's id or name.

The services are converted once and reused until the store shows a change
(see ``public_services``); responses say ``Cache-Control: public,
max-age=60`` and allow any origin to read them.
"""

from __future__ import annotations

import json
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Response, current_app, jsonify, stream_with_context, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema
from werkzeug.exceptions import NotFound

from catalogue.gazetteer import Gazetteer, default_gazetteer, haversine_km
from catalogue.hsds import CATEGORY_TAXONOMY, COLUMNS, FM_TAXONOMY, offer_to_service, page_envelope
from catalogue.models import utcnow
from catalogue.store import Store
from indexer.analysis import analyze

from .extensions import get_store

HSDS_VERSION = "3.0"
#: The HSDS 3.0 reference: we publish the base specification, extended only
#: through attributes with terms of our own two taxonomies.
DEFAULT_PROFILE_URL = "https://docs.openreferral.org/en/3.0/"
PUBLIC_STATUSES = ("active", "paused")
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 500
MAX_PROXIMITY_M = 500_000
NDJSON = "application/x-ndjson"
CACHE_CONTROL = "public, max-age=60"
#: A write stamps ``updated_at`` before it commits; changes stamped this long
#: before a snapshot was read are still looked for.
SETTLE = timedelta(seconds=5)

blp = Blueprint(
    "hsds",
    __name__,
    url_prefix="/hsds",
    description="Public Open Referral HSDS 3.0 read API: the directory of communities and offers. No key needed.",
)


# -- query parameters ----------------------------------------------------------------


class IsoDateTime(fields.Field):
    """An ISO 8601 date-time (``2026-01-31T12:00:00Z``) or date; without a zone, UTC."""

    default_error_messages = {"invalid": "Not an ISO 8601 date-time, e.g. 2026-01-31T00:00:00Z."}  # noqa: RUF012

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        try:
            parsed = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise self.make_error("invalid") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class HsdsArgs(Schema):
    class Meta:
        unknown = EXCLUDE  # other HSDS parameters are ignored, not refused

    search = fields.String(metadata={"description": "Full text search (Danish stems, or a literal substring)."})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, error="page starts at 1."))
    per_page = fields.Integer(
        validate=validate.Range(1, MAX_PER_PAGE, error=f"per_page is 1 to {MAX_PER_PAGE}."),
        metadata={"description": f"Results per page, 1 to {MAX_PER_PAGE}; default {DEFAULT_PER_PAGE}."},
    )
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(["json", "ndjson"], error="format is json or ndjson."),
        metadata={"description": "json (paged) or ndjson (every result, one JSON object per line, no paging)."},
    )


class HsdsServiceFilterArgs(HsdsArgs):
    taxonomy_term_id = fields.String(metadata={"description": "A term id, or a term code such as a category code."})
    taxonomy_id = fields.String(metadata={"description": "A taxonomy id or name."})
    organization_id = fields.String(metadata={"description": "HSDS id of the organization."})
    modified_after = IsoDateTime(
        metadata={
            "type": "string",
            "format": "date-time",
            "description": "Only results modified on or after this ISO 8601 date-time.",
        }
    )
    full = fields.Boolean(load_default=False, metadata={"description": "true: fully nested objects."})


class HsdsServiceListArgs(HsdsServiceFilterArgs):
    minimal = fields.Boolean(
        load_default=False, metadata={"description": "true: only id, name, status and last_modified, in one page."}
    )


class HsdsServiceAtLocationListArgs(HsdsServiceFilterArgs):
    postcode = fields.String(
        validate=validate.Regexp(r"^\s*\d{4}\s*$", error="postcode is a Danish postcode of 4 digits."),
        metadata={"description": "Locations with this postcode; with proximity, the centre of the search."},
    )
    proximity = fields.Float(
        validate=validate.Range(
            min=0, max=MAX_PROXIMITY_M, min_inclusive=False, error="proximity is metres, 1 to 500000."
        ),
        metadata={"description": "Metres from the centroid of postcode (needs postcode)."},
    )

    @validates_schema
    def _needs_postcode(self, data: Mapping[str, Any], **_: Any) -> None:
        if data.get("proximity") is not None and not data.get("postcode"):
            raise ValidationError("proximity needs postcode: the distance is measured from its centroid.", "proximity")


class HsdsOrganizationListArgs(HsdsArgs):
    full = fields.Boolean(load_default=False, metadata={"description": "true: fully nested organizations."})
    full_service = fields.Boolean(
        load_default=False, metadata={"description": "true: the organizations' services fully nested (with full)."}
    )


class HsdsOrganizationArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    full_service = fields.Boolean(load_default=False, metadata={"description": "true: fully nested services."})


class HsdsTaxonomyTermListArgs(HsdsArgs):
    taxonomy_id = fields.String(metadata={"description": "A taxonomy id or name."})
    parent_id = fields.String(metadata={"description": "Terms under this parent (our taxonomies are flat)."})
    top_only = fields.Boolean(
        load_default=False, metadata={"description": "Accepted; every term of ours is top level."}
    )


# -- the public directory ------------------------------------------------------------


@dataclass
class _Snapshot:
    built: float  # time.monotonic() when built
    since: datetime  # any change stamped after this may be missing from it
    offers: int
    organisations: int
    categories: dict[str, str]
    services: list[dict[str, Any]]


_snapshots: weakref.WeakKeyDictionary[Store, _Snapshot] = weakref.WeakKeyDictionary()


def public_services() -> list[dict[str, Any]]:
    """Every public offer as a full HSDS service, in the store's order (offer id).

    Converting a whole catalogue costs about 0.5 ms an offer, so the result
    is kept per store and reused while four counting queries show that no
    offer, organisation or category changed since. As a timestamp cannot
    prove that a long transaction committed nothing older, a snapshot is
    also never older than ``HSDS_CACHE_SECONDS`` (default 60, the
    ``max-age`` clients get anyway; 0 turns the cache off). Callers must
    not modify what they get."""
    store = get_store()
    categories = store.categories()
    offers_total = store.list_offers(limit=0)[1]
    organisations_total = store.list_organisations(limit=0)[1]
    max_age = float(current_app.config.get("HSDS_CACHE_SECONDS", 60))
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
    offers: list[dict[str, Any]] = []
    for status in PUBLIC_STATUSES:
        offers.extend(store.list_offers(status=status)[0])
    offers.sort(key=lambda o: o["id"])
    services = [offer_to_service(o, categories) for o in offers]
    if max_age > 0:
        _snapshots[store] = _Snapshot(built, since, offers_total, organisations_total, categories, services)
    return services


def taxonomies() -> list[dict[str, Any]]:
    return [dict(FM_TAXONOMY), dict(CATEGORY_TAXONOMY)]


def taxonomy_terms(categories: Mapping[str, str]) -> list[dict[str, Any]]:
    """Every term of our two taxonomies, exactly as services carry them.

    The terms are taken from a probe offer that states every extension field
    and every category, so ids, codes and labels cannot drift from the ones
    ``catalogue.hsds`` puts into services."""
    probe = {
        "id": "probe",
        "kind": "activity",
        "title": "probe",
        "organisation": {"id": "probe", "name": "probe", "type": "other"},
        "categories": list(categories),
        "location": {},
        "group_size": "small",
        **dict.fromkeys(("places_total", "places_available", "waitlist", "volunteers"), 0),
        "cost": {"amount_dkk": 0.0, "per": "gang"},
    }
    service = offer_to_service(probe, categories)
    terms: dict[str, dict[str, Any]] = {}
    for attr in [*service.get("attributes", []), *service["organization"].get("attributes", [])]:
        terms.setdefault(attr["taxonomy_term"]["id"], attr["taxonomy_term"])
    return sorted(terms.values(), key=lambda t: (t["taxonomy"], t["code"]))


def _term_keys(service: Mapping[str, Any]) -> tuple[set[str], set[str]]:
    """(term ids and codes, taxonomy ids and names) of a service's attributes."""
    terms: set[str] = set()
    taxes: set[str] = set()
    for attr in service.get("attributes", []):
        term = attr.get("taxonomy_term") or {}
        terms.update(str(v) for v in (attr.get("taxonomy_term_id"), term.get("id"), term.get("code")) if v)
        taxes.update(str(v) for v in (term.get("taxonomy_id"), term.get("taxonomy")) if v)
    return terms, taxes


class TextQuery:
    """Case-insensitive and Danish-aware: a text matches when it has every
    stem of the query (the Danish Snowball stems the search index uses, so
    ``sangere`` finds ``sang``), or when the query occurs in it as written
    (so a word's beginning, ``svøm``, finds ``svømning``)."""

    def __init__(self, query: str) -> None:
        self.literal = " ".join(query.casefold().split())
        self.stems = set(analyze(query))

    def matches(self, *texts: str | None) -> bool:
        text = " ".join(t for t in texts if t)
        if self.literal and self.literal in " ".join(text.casefold().split()):
            return True
        return bool(self.stems) and self.stems <= set(analyze(text))


def _modified(service: Mapping[str, Any]) -> datetime | None:
    value = service.get("last_modified")
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def filter_services(services: Iterable[dict[str, Any]], args: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The services every given filter accepts (AND)."""
    out = list(services)
    if args.get("search"):
        query = TextQuery(args["search"])
        out = [s for s in out if query.matches(s.get("name"), s.get("description"))]
    if args.get("taxonomy_term_id"):
        out = [s for s in out if args["taxonomy_term_id"] in _term_keys(s)[0]]
    if args.get("taxonomy_id"):
        out = [s for s in out if args["taxonomy_id"] in _term_keys(s)[1]]
    if args.get("organization_id"):
        out = [s for s in out if s.get("organization_id") == args["organization_id"]]
    if args.get("modified_after") is not None:
        after = args["modified_after"]
        out = [s for s in out if (m := _modified(s)) is not None and m >= after]
    return out


def organizations_of(services: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each organisation with a public service once, by name."""
    seen: dict[str, dict[str, Any]] = {}
    for service in services:
        seen.setdefault(service["organization"]["id"], service["organization"])
    return sorted(seen.values(), key=lambda o: (o["name"].casefold(), o["id"]))


# -- shapes ------------------------------------------------------------------------------


def one_to_one(obj: Mapping[str, Any], table: str) -> dict[str, Any]:
    """The fields of ``obj`` that are columns of the HSDS table (no nested lists)."""
    return {k: obj[k] for k in COLUMNS[table] if k in obj}


def service_item(service: Mapping[str, Any], *, full: bool = False, minimal: bool = False) -> dict[str, Any]:
    if minimal:
        return {k: service[k] for k in ("id", "name", "status", "last_modified") if k in service}
    if full:
        return dict(service)
    return {**one_to_one(service, "service"), "organization": one_to_one(service["organization"], "organization")}


def organization_item(
    org: Mapping[str, Any], services: Iterable[Mapping[str, Any]], *, full: bool = False, full_service: bool = False
) -> dict[str, Any]:
    if not full:
        return one_to_one(org, "organization")
    nested = []
    for service in services:
        if service.get("organization_id") == org["id"]:
            item = service_item(service, full=full_service)
            item.pop("organization", None)  # it is the enclosing object
            nested.append(item)
    return {**org, "services": nested}


def service_at_locations(services: Iterable[Mapping[str, Any]]) -> list[tuple[dict[str, Any], Mapping[str, Any]]]:
    """Every (service_at_location, its service) pair."""
    return [(dict(sal), s) for s in services for sal in s.get("service_at_locations", [])]


def sal_item(sal: Mapping[str, Any], service: Mapping[str, Any], *, full: bool = False) -> dict[str, Any]:
    if full:
        nested = {k: v for k, v in service.items() if k != "service_at_locations"}
        return {**sal, "service": nested}
    out = one_to_one(sal, "service_at_location")
    if sal.get("location"):
        out["location"] = one_to_one(sal["location"], "location")
    out["service"] = one_to_one(service, "service")
    return out


def _place(location: Mapping[str, Any]) -> tuple[float, float] | None:
    """A physical location's point; without coordinates, its town's or postcode's from the gazetteer."""
    if location.get("location_type") != "physical":
        return None
    if location.get("latitude") is not None and location.get("longitude") is not None:
        return float(location["latitude"]), float(location["longitude"])
    address = (location.get("addresses") or [{}])[0]
    place = _gazetteer().resolve(postcode=address.get("postal_code"), town=address.get("city"))
    return (place.lat, place.lon) if place else None


def _postcodes(location: Mapping[str, Any]) -> set[str]:
    return {str(a.get("postal_code")) for a in location.get("addresses") or [] if a.get("postal_code")}


def _gazetteer() -> Gazetteer:
    return get_store().gazetteer or default_gazetteer()


# -- responses ------------------------------------------------------------------------


def listing(
    items: list[Any],
    args: Mapping[str, Any],
    shape: Callable[[Any], dict[str, Any]],
    *,
    default_per_page: int | None = None,
) -> Response:
    """A page of ``items`` (or all of them as ndjson), each shaped only when sent."""
    if args.get("format") == "ndjson":
        lines = (json.dumps(shape(item), ensure_ascii=False, separators=(",", ":")) + "\n" for item in items)
        return Response(stream_with_context(_stream(lines)), mimetype=NDJSON)
    per_page = args.get("per_page") or default_per_page or DEFAULT_PER_PAGE
    body = page_envelope(items, args["page"], per_page)
    body["contents"] = [shape(item) for item in body["contents"]]
    return jsonify(body)


def _stream(lines: Iterator[str]) -> Iterator[bytes]:
    for line in lines:
        yield line.encode("utf-8")


@blp.after_request
def _public(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"  # open data: any web page may read it
    if response.status_code == 200:
        response.headers["Cache-Control"] = CACHE_CONTROL
    return response


def _one(items: Iterable[Mapping[str, Any]], item_id: str, what: str) -> Mapping[str, Any]:
    for item in items:
        if item.get("id") == item_id:
            return item
    raise NotFound(f"No public {what} with id {item_id!r}.")


# -- endpoints ------------------------------------------------------------------------------


@blp.route("/")
class Root(MethodView):
    @blp.response(200, description="HSDS version, profile and the OpenAPI document of this API.")
    def get(self) -> Response:
        """About this API and its relation to HSDS."""
        return jsonify(
            {
                "version": HSDS_VERSION,
                "profile": current_app.config.get("HSDS_PROFILE_URL") or DEFAULT_PROFILE_URL,
                "openapi_url": url_for("hsds.OpenApi", _external=True),
            }
        )


@blp.route("/openapi.json")
class OpenApi(MethodView):
    @blp.response(200, description="The OpenAPI document of the /hsds endpoints.")
    def get(self) -> Response:
        """The OpenAPI document of this HSDS API (the /hsds part of the service's document)."""
        spec = current_app.extensions["api"].spec.to_dict()
        spec["paths"] = {p: v for p, v in spec.get("paths", {}).items() if p.startswith(blp.url_prefix or "/hsds")}
        spec["tags"] = [t for t in spec.get("tags", []) if t.get("name") == blp.name]
        spec["info"] = {
            **spec.get("info", {}),
            "title": "Fællesskabsmatch HSDS 3.0 API",
            "description": blp.description,
        }
        return jsonify(spec)


@blp.route("/services")
class Services(MethodView):
    @blp.arguments(HsdsServiceListArgs, location="query")
    @blp.response(200, description="A page of services (HSDS service_list items; full services with full=true).")
    def get(self, args: dict[str, Any]) -> Response:
        """Public services, paged; filters combine with AND."""
        services = filter_services(public_services(), args)
        full, minimal = args["full"], args["minimal"]
        return listing(
            services,
            args,
            lambda s: service_item(s, full=full, minimal=minimal),
            default_per_page=max(len(services), 1) if minimal else None,
        )


@blp.route("/services/<string:service_id>")
class ServiceItem(MethodView):
    @blp.response(200, description="A fully nested service.")
    def get(self, service_id: str) -> Response:
        """One public service, fully nested, by its HSDS id."""
        return jsonify(_one(public_services(), service_id, "service"))


@blp.route("/organizations")
class Organizations(MethodView):
    @blp.arguments(HsdsOrganizationListArgs, location="query")
    @blp.response(200, description="A page of organizations (HSDS organization_list items; nested with full=true).")
    def get(self, args: dict[str, Any]) -> Response:
        """Organisations that provide at least one public service, by name."""
        services = public_services()
        orgs = organizations_of(services)
        if args.get("search"):
            query = TextQuery(args["search"])
            orgs = [o for o in orgs if query.matches(o.get("name"), o.get("description"))]
        full, full_service = args["full"], args["full_service"]
        return listing(orgs, args, lambda o: organization_item(o, services, full=full, full_service=full_service))


@blp.route("/organizations/<string:organization_id>")
class OrganizationItem(MethodView):
    @blp.arguments(HsdsOrganizationArgs, location="query")
    @blp.response(200, description="A fully nested organization with its public services.")
    def get(self, args: dict[str, Any], organization_id: str) -> Response:
        """One organisation, fully nested, with its public services."""
        services = public_services()
        org = _one(organizations_of(services), organization_id, "organization")
        return jsonify(organization_item(org, services, full=True, full_service=args["full_service"]))


@blp.route("/service_at_locations")
class ServiceAtLocations(MethodView):
    @blp.arguments(HsdsServiceAtLocationListArgs, location="query")
    @blp.response(200, description="A page of service_at_locations (nested with full=true).")
    def get(self, args: dict[str, Any]) -> Response:
        """Where public services take place; postcode and proximity (metres) narrow by place."""
        pairs = service_at_locations(filter_services(public_services(), args))
        postcode = (args.get("postcode") or "").strip()
        if args.get("proximity") is not None:
            centre = _gazetteer().resolve(postcode=postcode)
            if centre is None:
                raise ValidationError({"postcode": [f"Postcode {postcode} is not in the gazetteer of Norddjurs."]})
            limit_km = args["proximity"] / 1000
            near = []
            for sal, service in pairs:
                point = _place(sal.get("location") or {})
                if point is not None and (km := haversine_km(centre.lat, centre.lon, *point)) <= limit_km:
                    near.append((km, sal, service))
            near.sort(key=lambda t: t[0])  # stable: equal distances keep the store's order
            pairs = [(sal, service) for _, sal, service in near]
        elif postcode:
            pairs = [(sal, s) for sal, s in pairs if postcode in _postcodes(sal.get("location") or {})]
        full = args["full"]
        return listing(pairs, args, lambda p: sal_item(p[0], p[1], full=full))


@blp.route("/service_at_locations/<string:sal_id>")
class ServiceAtLocationItem(MethodView):
    @blp.response(200, description="A fully nested service_at_location, with its location and service.")
    def get(self, sal_id: str) -> Response:
        """One service_at_location, fully nested."""
        for sal, service in service_at_locations(public_services()):
            if sal["id"] == sal_id:
                return jsonify(sal_item(sal, service, full=True))
        raise NotFound(f"No public service_at_location with id {sal_id!r}.")


@blp.route("/taxonomies")
class Taxonomies(MethodView):
    @blp.arguments(HsdsArgs, location="query")
    @blp.response(200, description="A page of taxonomies.")
    def get(self, args: dict[str, Any]) -> Response:
        """Our two taxonomies: extension fields and categories."""
        items = taxonomies()
        if args.get("search"):
            query = TextQuery(args["search"])
            items = [t for t in items if query.matches(t["name"], t.get("description"))]
        return listing(items, args, dict)


@blp.route("/taxonomies/<string:taxonomy_id>")
class TaxonomyItem(MethodView):
    @blp.response(200, description="A taxonomy.")
    def get(self, taxonomy_id: str) -> Response:
        """One taxonomy by its HSDS id."""
        return jsonify(_one(taxonomies(), taxonomy_id, "taxonomy"))


@blp.route("/taxonomy_terms")
class TaxonomyTerms(MethodView):
    @blp.arguments(HsdsTaxonomyTermListArgs, location="query")
    @blp.response(200, description="A page of taxonomy terms.")
    def get(self, args: dict[str, Any]) -> Response:
        """Terms of our taxonomies: every category, and the extension fields."""
        items = taxonomy_terms(get_store().categories())
        if args.get("taxonomy_id"):
            items = [t for t in items if args["taxonomy_id"] in (t["taxonomy_id"], t["taxonomy"])]
        if args.get("parent_id"):
            items = [t for t in items if t.get("parent_id") == args["parent_id"]]
        if args.get("search"):
            query = TextQuery(args["search"])
            items = [t for t in items if query.matches(t["name"], t.get("code"), t.get("description"))]
        return listing(items, args, dict)


@blp.route("/taxonomy_terms/<string:term_id>")
class TaxonomyTermItem(MethodView):
    @blp.response(200, description="A taxonomy term.")
    def get(self, term_id: str) -> Response:
        """One taxonomy term by its HSDS id."""
        return jsonify(_one(taxonomy_terms(get_store().categories()), term_id, "taxonomy term"))
