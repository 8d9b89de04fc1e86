"""The public Open Referral HSDS 3.0 read API under ``/hsds``: parse, call the feed, serialise.

Anyone may read it, without a key: it is the public directory of
Fællesskabsmatch in the shape municipal directories and national platforms
consume. What is public and how listings are filtered, searched, placed and
paged is :mod:`catalogue.hsds.feed`; the objects are the file export's
(:func:`catalogue.hsds.offer_to_service`), so ids, taxonomies and extension
attributes are identical in both. Every JSON body is dumped through the
schemas of :mod:`api.hsds_schemas`, so the OpenAPI document and the bytes agree.

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
API's one error envelope (422) naming the parameter; an unknown or ended
id is 404.

Readings of the standard where it leaves room (besides the feed's):

* ``minimal=true`` on ``/services`` gives ``id``, ``name``, ``status`` and
  ``last_modified`` and, unless ``per_page`` is given, all of them in one page.
* ``/service_at_locations/{id}`` returns the fully nested
  service_at_location its description promises (location and service
  included); the standard's response ``$ref`` to ``service.json`` there is
  taken as a copy-and-paste slip.

Responses say ``Cache-Control: public, max-age=60`` and allow any origin to
read them; the converted services are reused for ``HSDS_CACHE_SECONDS``
(see :func:`catalogue.hsds.feed.public_services`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from flask import Response, current_app, stream_with_context, url_for
from flask.views import MethodView
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import NotFound

from catalogue.hsds import feed
from catalogue.hsds.feed import DEFAULT_PER_PAGE
from indexer.analysis import analyze

from . import hsds_schemas as schemas
from .common import Blueprint
from .extensions import get_store

HSDS_VERSION = "3.0"
#: The HSDS 3.0 reference: we publish the base specification, extended only
#: through attributes with terms of our own three taxonomies.
DEFAULT_PROFILE_URL = "https://docs.openreferral.org/en/3.0/"
NDJSON = "application/x-ndjson"
CACHE_CONTROL = "public, max-age=60"

blp = Blueprint(
    "hsds",
    __name__,
    url_prefix="/hsds",
    description="Public Open Referral HSDS 3.0 read API: the directory of communities and offers. No key needed.",
)


# -- calling the feed ------------------------------------------------------------------


def _services() -> list[dict[str, Any]]:
    return feed.public_services(get_store(), max_age=float(current_app.config["HSDS_CACHE_SECONDS"]))


def _filtered(args: Mapping[str, Any]) -> list[dict[str, Any]]:
    return feed.filter_services(
        _services(),
        analyze=analyze,
        search=args.get("search"),
        taxonomy_term_id=args.get("taxonomy_term_id"),
        taxonomy_id=args.get("taxonomy_id"),
        organization_id=args.get("organization_id"),
        modified_after=args.get("modified_after"),
    )


def _found(item: Mapping[str, Any] | None, what: str, item_id: str) -> Mapping[str, Any]:
    if item is None:
        raise NotFound(f"No public {what} with id {item_id!r}.")
    return item


def listing(
    items: list[Any],
    args: Mapping[str, Any],
    shape: Callable[[Any], dict[str, Any]],
    item_schema: type[Schema],
    *,
    default_per_page: int | None = None,
) -> dict[str, Any] | Response:
    """A page of ``items`` for the response schema to dump, or (``format=ndjson``) all
    of them streamed, each line dumped through ``item_schema``; items are shaped only when sent."""
    if args.get("format") == "ndjson":
        schema = item_schema()
        lines = (
            json.dumps(schema.dump(shape(item)), ensure_ascii=False, separators=(",", ":")) + "\n" for item in items
        )
        return Response(stream_with_context(_stream(lines)), mimetype=NDJSON)
    per_page = args.get("per_page") or default_per_page or DEFAULT_PER_PAGE
    return feed.page(items, args["page"], per_page, shape)


def _stream(lines: Iterator[str]) -> Iterator[bytes]:
    for line in lines:
        yield line.encode("utf-8")


def _listing_response(page_schema: type[Schema], item_schema: type[Schema], what: str) -> Callable[[Any], Any]:
    """Documents and serialises a listing: a JSON page of ``page_schema`` or, with
    ``format=ndjson``, one ``item_schema`` object a line (both are the 200 response)."""
    description = f"{what} With format=ndjson: every result, one contents item a line, no paging."

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        view = blp.alt_response(200, schema=item_schema, content_type=NDJSON, description=description, success=True)(
            view
        )
        return blp.response(200, page_schema, description=description)(view)

    return decorate


@blp.after_request
def _public(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"  # open data: any web page may read it
    if response.status_code == 200:
        response.headers["Cache-Control"] = CACHE_CONTROL
    return response


# -- endpoints ------------------------------------------------------------------------------


@blp.route("/")
class Root(MethodView):
    @blp.response(
        200, schemas.HsdsRootSchema, description="HSDS version, profile and the OpenAPI document of this API."
    )
    def get(self) -> dict[str, Any]:
        """About this API and its relation to HSDS."""
        return {
            "version": HSDS_VERSION,
            "profile": current_app.config.get("HSDS_PROFILE_URL") or DEFAULT_PROFILE_URL,
            "openapi_url": url_for("hsds.OpenApi", _external=True),
        }


@blp.route("/openapi.json")
class OpenApi(MethodView):
    @blp.response(200, schemas.HsdsOpenApiSchema, description="The OpenAPI document of the /hsds endpoints.")
    def get(self) -> dict[str, Any]:
        """The OpenAPI document of this HSDS API (the /hsds part of the service's document)."""
        spec = current_app.extensions["api"].spec.to_dict()
        spec["paths"] = {p: v for p, v in spec.get("paths", {}).items() if p.startswith(blp.url_prefix or "/hsds")}
        spec["tags"] = [t for t in spec.get("tags", []) if t.get("name") == blp.name]
        spec["info"] = {
            **spec.get("info", {}),
            "title": "Fællesskabsmatch HSDS 3.0 API",
            "description": blp.description,
        }
        return dict(spec)


@blp.route("/services")
class Services(MethodView):
    @blp.arguments(schemas.HsdsServiceListArgs, location="query")
    @_listing_response(
        schemas.ServicePageSchema,
        schemas.ServiceSchema,
        "A page of services (HSDS service_list items; full services with full=true).",
    )
    def get(self, args: dict[str, Any]) -> dict[str, Any] | Response:
        """Public services, paged; filters combine with AND."""
        services = _filtered(args)
        full, minimal = args["full"], args["minimal"]
        return listing(
            services,
            args,
            lambda s: feed.service_item(s, full=full, minimal=minimal),
            schemas.ServiceSchema,
            default_per_page=max(len(services), 1) if minimal else None,
        )


@blp.route("/services/<string:service_id>")
class ServiceItem(MethodView):
    @blp.response(200, schemas.ServiceSchema, description="A fully nested service.")
    def get(self, service_id: str) -> Mapping[str, Any]:
        """One public service, fully nested, by its HSDS id."""
        return _found(feed.find(_services(), service_id), "service", service_id)


@blp.route("/organizations")
class Organizations(MethodView):
    @blp.arguments(schemas.HsdsOrganizationListArgs, location="query")
    @_listing_response(
        schemas.OrganizationPageSchema,
        schemas.HsdsOrganizationWithServicesSchema,
        "A page of organizations (HSDS organization_list items; nested with full=true).",
    )
    def get(self, args: dict[str, Any]) -> dict[str, Any] | Response:
        """Organisations that provide at least one public service, by name."""
        services = _services()
        orgs = feed.matching(feed.organizations_of(services), args.get("search"), analyze, "name", "description")
        full, full_service = args["full"], args["full_service"]
        return listing(
            orgs,
            args,
            lambda o: feed.organization_item(o, services, full=full, full_service=full_service),
            schemas.HsdsOrganizationWithServicesSchema,
        )


@blp.route("/organizations/<string:organization_id>")
class OrganizationItem(MethodView):
    @blp.arguments(schemas.HsdsOrganizationArgs, location="query")
    @blp.response(
        200,
        schemas.HsdsOrganizationWithServicesSchema,
        description="A fully nested organization with its public services.",
    )
    def get(self, args: dict[str, Any], organization_id: str) -> dict[str, Any]:
        """One organisation, fully nested, with its public services."""
        services = _services()
        org = _found(feed.find(feed.organizations_of(services), organization_id), "organization", organization_id)
        return feed.organization_item(org, services, full=True, full_service=args["full_service"])


@blp.route("/service_at_locations")
class ServiceAtLocations(MethodView):
    @blp.arguments(schemas.HsdsServiceAtLocationListArgs, location="query")
    @_listing_response(
        schemas.ServiceAtLocationPageSchema,
        schemas.HsdsServiceAtLocationItemSchema,
        "A page of service_at_locations (nested with full=true).",
    )
    def get(self, args: dict[str, Any]) -> dict[str, Any] | Response:
        """Where public services take place; postcode and proximity (metres) narrow by place."""
        pairs = feed.service_at_locations(_filtered(args))
        postcode = args.get("postcode") or ""
        if args.get("proximity") is not None:
            try:
                pairs = feed.near(pairs, postcode, args["proximity"], get_store().gazetteer)
            except feed.UnknownPostcode as exc:
                raise ValidationError({"postcode": [str(exc)]}) from None
        elif postcode.strip():
            pairs = feed.with_postcode(pairs, postcode)
        full = args["full"]
        return listing(
            pairs, args, lambda p: feed.sal_item(p[0], p[1], full=full), schemas.HsdsServiceAtLocationItemSchema
        )


@blp.route("/service_at_locations/<string:sal_id>")
class ServiceAtLocationItem(MethodView):
    @blp.response(
        200,
        schemas.HsdsServiceAtLocationItemSchema,
        description="A fully nested service_at_location, with its location and service.",
    )
    def get(self, sal_id: str) -> dict[str, Any]:
        """One service_at_location, fully nested."""
        for sal, service in feed.service_at_locations(_services()):
            if sal["id"] == sal_id:
                return feed.sal_item(sal, service, full=True)
        raise NotFound(f"No public service_at_location with id {sal_id!r}.")


@blp.route("/taxonomies")
class Taxonomies(MethodView):
    @blp.arguments(schemas.HsdsArgs, location="query")
    @_listing_response(schemas.TaxonomyPageSchema, schemas.TaxonomySchema, "A page of taxonomies.")
    def get(self, args: dict[str, Any]) -> dict[str, Any] | Response:
        """Our three taxonomies: extension fields, categories and audiences (målgrupper)."""
        items = feed.matching(feed.taxonomies(), args.get("search"), analyze, "name", "description")
        return listing(items, args, dict, schemas.TaxonomySchema)


@blp.route("/taxonomies/<string:taxonomy_id>")
class TaxonomyItem(MethodView):
    @blp.response(200, schemas.TaxonomySchema, description="A taxonomy.")
    def get(self, taxonomy_id: str) -> Mapping[str, Any]:
        """One taxonomy by its HSDS id."""
        return _found(feed.find(feed.taxonomies(), taxonomy_id), "taxonomy", taxonomy_id)


@blp.route("/taxonomy_terms")
class TaxonomyTerms(MethodView):
    @blp.arguments(schemas.HsdsTaxonomyTermListArgs, location="query")
    @_listing_response(schemas.TaxonomyTermPageSchema, schemas.TaxonomyTermSchema, "A page of taxonomy terms.")
    def get(self, args: dict[str, Any]) -> dict[str, Any] | Response:
        """Terms of our taxonomies: every category, every audience code, and the extension fields."""
        items = feed.find_terms(
            get_store().categories(),
            analyze=analyze,
            taxonomy_id=args.get("taxonomy_id"),
            parent_id=args.get("parent_id"),
            search=args.get("search"),
        )
        return listing(items, args, dict, schemas.TaxonomyTermSchema)


@blp.route("/taxonomy_terms/<string:term_id>")
class TaxonomyTermItem(MethodView):
    @blp.response(200, schemas.TaxonomyTermSchema, description="A taxonomy term.")
    def get(self, term_id: str) -> Mapping[str, Any]:
        """One taxonomy term by its HSDS id."""
        return _found(feed.find(feed.taxonomy_terms(get_store().categories()), term_id), "taxonomy term", term_id)
