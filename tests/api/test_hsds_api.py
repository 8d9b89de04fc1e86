"""The public HSDS 3.0 read API under ``/hsds`` (``api.hsds_api``).

Every response is checked against the published HSDS 3.0 API and object
schemas, copied into ``tests/data/hsds`` (CC BY-SA 4.0, see its README):
envelopes against the response schemas of ``openapi.json``, list items against ``compiled/*_list.json``, full objects against the object
schemas, with a ``referencing`` registry so the standard's ``$ref`` URLs
resolve to the local files.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft7Validator, Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7, DRAFT202012

import migrations
from api.extensions import get_store
from api.hsds_api import blp
from catalogue.audience import AudienceVocabulary
from catalogue.gazetteer import default_gazetteer
from catalogue.geo import haversine_km
from catalogue.hsds import AUDIENCE_TAXONOMY, CATEGORY_TAXONOMY, FM_TAXONOMY, FM_TERMS, feed, offer_to_service
from tests.api.conftest import auth
from tests.conftest import make_offer

SPEC = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
OPENAPI = "urn:hsds:openapi"
HSDS = Path(__file__).resolve().parents[1] / "data" / "hsds"
AUDIT_KEYS = {"updated_by", "created_at", "created_by", "key_hash", "referral", "referrals", "match_log", "prefix"}


# -- fixtures ---------------------------------------------------------------------------


def _with_hsds(app: Flask) -> Flask:
    """Until ``create_app`` registers the blueprint, register it before the first request."""
    if "hsds" not in app.blueprints:
        app.extensions["api"].register_blueprint(blp)
    return app


@pytest.fixture(scope="module")
def hsds_app(demo_app: Flask) -> Flask:
    return _with_hsds(demo_app)


@pytest.fixture
def client(hsds_app: Flask) -> FlaskClient:
    return hsds_app.test_client()


def _checker() -> FormatChecker:
    """``uuid`` and ``email`` are checked by jsonschema itself; ``uri`` and
    ``date-time`` would need extra packages, so they are checked here."""
    checker = FormatChecker()

    @checker.checks("uri")
    def _uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        return bool(re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", urlsplit(value).scheme)) and not re.search(r"\s", value)

    @checker.checks("date-time", raises=ValueError)
    def _datetime(value: object) -> bool:
        if not isinstance(value, str):
            return True
        return "T" in value and datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None

    return checker


class Schemas:
    """Validators for the standard's responses and objects, all from local files."""

    def __init__(self, root: Path) -> None:
        def load(path: Path) -> Any:
            return json.loads(path.read_text(encoding="utf-8"))

        schema_dir = root / "schema"
        resources: list[tuple[str, Any]] = [(SPEC + p.name, load(p)) for p in sorted(schema_dir.glob("*.json"))]
        resources += [(SPEC + "compiled/" + p.name, load(p)) for p in sorted((schema_dir / "compiled").glob("*.json"))]
        # openapi.json points at compiled service.json and organization.json, which the
        # 3.0 branch does not ship: service_with_definitions.json and organization.json are them.
        resources += [
            (SPEC + "compiled/service.json", {"$ref": SPEC + "compiled/service_with_definitions.json"}),
            (SPEC + "compiled/organization.json", {"$ref": SPEC + "organization.json"}),
        ]
        self.registry: Registry[Any] = Registry().with_resources(
            (uri, Resource.from_contents(doc, default_specification=DRAFT7)) for uri, doc in resources
        )
        self.registry = self.registry.with_resource(
            OPENAPI, Resource.from_contents(load(schema_dir / "openapi.json"), default_specification=DRAFT202012)
        )
        self.checker = _checker()

    def response(self, path: str) -> Draft202012Validator:
        """The 200 response schema of ``GET path`` in the standard's openapi.json."""
        escaped = path.replace("~", "~0").replace("/", "~1")
        pointer = f"/paths/{escaped}/get/responses/200/content/application~1json/schema"
        return Draft202012Validator(
            {"$ref": f"{OPENAPI}#{pointer}"}, registry=self.registry, format_checker=self.checker
        )

    def object(self, name: str) -> Draft7Validator:
        """An object schema, e.g. ``organization.json`` or ``compiled/service_with_definitions.json``."""
        return Draft7Validator({"$ref": SPEC + name}, registry=self.registry, format_checker=self.checker)


@pytest.fixture(scope="module")
def hsds() -> Schemas:
    """Validators from the copy of the HSDS 3.0 schemas in ``tests/data/hsds`` (see its README)."""
    return Schemas(HSDS)


def _errors(validator: Any, instance: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)]


def _valid(validator: Any, instance: Any) -> None:
    errors = _errors(validator, instance)
    assert not errors, errors[:10]


def body_of(res: Any) -> Any:
    body = res.get_json()
    assert body is not None, res.get_data(as_text=True)[:500]
    return body


def get(client: FlaskClient, path: str, **params: Any) -> Any:
    res = client.get(f"/hsds{path}" + (f"?{urlencode(params)}" if params else ""))
    assert res.status_code == 200, (path, params, res.get_data(as_text=True)[:500])
    return body_of(res)


def ndjson(client: FlaskClient, path: str, **params: Any) -> list[dict[str, Any]]:
    res = client.get(f"/hsds{path}?{urlencode({**params, 'format': 'ndjson'})}")
    assert res.status_code == 200, res.get_data(as_text=True)[:500]
    assert res.mimetype == "application/x-ndjson"
    text = res.get_data(as_text=True)
    assert text == "" or text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


def _walk(obj: Any, parent: str = "") -> Iterator[tuple[str, str, Any]]:
    """(parent key, key, value) of every member of every object, depth first."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield parent, key, value
            yield from _walk(value, key)
    elif isinstance(obj, list):
        for value in obj:
            yield from _walk(value, parent)


# -- the standard's schemas, endpoint by endpoint --------------------------------------------


def test_root_says_version_profile_and_openapi(client: FlaskClient, hsds: Schemas) -> None:
    body = get(client, "/")
    _valid(hsds.response("/"), body)
    assert body["version"] == "3.0"
    assert urlsplit(body["profile"]).scheme == "https"
    url = urlsplit(body["openapi_url"])
    assert url.scheme in ("http", "https") and url.netloc, "openapi_url must be absolute"
    spec = get(client, url.path.removeprefix("/hsds"))
    assert {"/hsds/services", "/hsds/services/{service_id}", "/hsds/taxonomy_terms"} <= set(spec["paths"])
    assert all(p.startswith("/hsds") for p in spec["paths"]), "only the public API is described"


LISTINGS = [
    ("/services", {}),
    ("/services", {"full": "true"}),
    ("/services", {"minimal": "true"}),
    ("/organizations", {}),
    ("/organizations", {"full": "true", "full_service": "true"}),
    ("/service_at_locations", {}),
    ("/service_at_locations", {"full": "true"}),
    ("/taxonomies", {}),
    ("/taxonomy_terms", {}),
]


@pytest.mark.parametrize(("path", "params"), LISTINGS, ids=[f"{p}?{urlencode(q)}" for p, q in LISTINGS])
def test_listing_validates_against_the_standard(
    client: FlaskClient, hsds: Schemas, path: str, params: dict[str, str]
) -> None:
    body = get(client, path, per_page=500, **params)
    _valid(hsds.response(path), body)
    assert set(body) == {
        "total_items",
        "total_pages",
        "page_number",
        "size",
        "first_page",
        "last_page",
        "empty",
        "contents",
    }
    assert body["contents"] and body["size"] == len(body["contents"]) == body["total_items"]
    full = params.get("full") == "true"
    for item in body["contents"]:
        if path == "/services" and full:
            _valid(hsds.object("compiled/service_with_definitions.json"), item)
        elif path == "/organizations" and full:
            _valid(hsds.object("organization.json"), item)
            for service in item["services"]:
                _valid(hsds.object("compiled/service_with_definitions.json"), service)
        elif path == "/service_at_locations" and full:
            _valid(hsds.object("service_at_location.json"), item)
            _valid(hsds.object("compiled/service_with_definitions.json"), item["service"])
        elif path == "/taxonomy_terms":
            _valid(hsds.object("taxonomy_term.json"), item)


def test_every_detail_endpoint_validates(client: FlaskClient, hsds: Schemas) -> None:
    service = get(client, "/services", per_page=1)["contents"][0]
    body = get(client, f"/services/{service['id']}")
    _valid(hsds.response("/services/{id}"), body)
    assert body["service_at_locations"] and body["attributes"]

    org = get(client, "/organizations", per_page=1)["contents"][0]
    body = get(client, f"/organizations/{org['id']}")
    _valid(hsds.response("/organizations/{id}"), body)
    assert body["services"] and all("service_at_locations" not in s for s in body["services"])
    full = get(client, f"/organizations/{org['id']}", full_service="true")
    for s in full["services"]:
        _valid(hsds.object("compiled/service_with_definitions.json"), s)
        assert s["service_at_locations"]

    sal = get(client, "/service_at_locations", per_page=1)["contents"][0]
    body = get(client, f"/service_at_locations/{sal['id']}")
    # The standard's openapi.json gives compiled/service.json as this response's schema, while
    # describing "a fully nested service_at_location"; we return the latter and check it so.
    _valid(hsds.object("service_at_location.json"), body)
    _valid(hsds.object("compiled/service_with_definitions.json"), body["service"])
    assert body["location"]["id"] == body["location_id"] and body["service"]["id"] == body["service_id"]

    for tax in get(client, "/taxonomies")["contents"]:
        _valid(hsds.response("/taxonomies/{id}"), get(client, f"/taxonomies/{tax['id']}"))
    term = get(client, "/taxonomy_terms", per_page=1)["contents"][0]
    _valid(hsds.response("/taxonomy_terms/{id}"), get(client, f"/taxonomy_terms/{term['id']}"))


# -- what is public --------------------------------------------------------------------------


def test_no_key_is_needed_and_responses_are_cacheable(client: FlaskClient) -> None:
    for path in ("/", "/services", "/organizations", "/service_at_locations", "/taxonomies", "/taxonomy_terms"):
        res = client.get(f"/hsds{path}")
        assert res.status_code == 200, path
        assert res.headers["Cache-Control"] == "public, max-age=60"
        assert res.headers["Access-Control-Allow-Origin"] == "*"
    res = client.get("/hsds/services", headers={"Authorization": "Bearer fm_nonsense-key-123456"})
    assert res.status_code == 200, "a stray or stale key does not lock anyone out of public data"


def test_ended_offers_and_audit_fields_never_appear(client: FlaskClient, hsds_app: Flask) -> None:
    store = get_store(hsds_app)
    ended = store.list_offers(status="ended")[0]
    assert ended, "the demo catalogue has ended offers"
    categories = store.categories()
    ended_services = [offer_to_service(o, categories) for o in ended]
    public_org_ids = {
        offer_to_service(o, categories)["organization_id"]
        for s in ("active", "paused")
        for o in store.list_offers(status=s)[0]
    }
    orphans = {s["organization_id"] for s in ended_services} - public_org_ids
    assert orphans, "the demo catalogue has organisations with only ended offers"

    services = ndjson(client, "/services", full="true")
    sals = ndjson(client, "/service_at_locations", full="true")
    orgs = ndjson(client, "/organizations", full="true", full_service="true")
    assert len(services) == store.list_offers(status="active")[1] + store.list_offers(status="paused")[1]
    assert {s["status"] for s in services} == {"active", "temporarily closed"}
    text = json.dumps([services, sals, orgs], ensure_ascii=False)
    for service in ended_services:
        assert service["id"] not in text and service["name"] not in text
        res = client.get(f"/hsds/services/{service['id']}")
        assert res.status_code == 404 and body_of(res)["code"] == "not_found"
        for sal in service["service_at_locations"]:
            assert client.get(f"/hsds/service_at_locations/{sal['id']}").status_code == 404
    for org_id in orphans:
        assert org_id not in ids(orgs)
        assert client.get(f"/hsds/organizations/{org_id}").status_code == 404

    for parent, key, value in _walk([services, sals, orgs]):
        assert key not in AUDIT_KEYS, (parent, key)
        assert key != "version" or parent == "taxonomy_detail", (parent, key)
        assert value != "demo", "the importing actor (updated_by) leaked"
    for secret in hsds_app.config["KEYS"].values():
        assert secret not in text


# -- filters ----------------------------------------------------------------------------------


def test_filters_combine_with_and(client: FlaskClient) -> None:
    every = ndjson(client, "/services", full="true")
    codes = sorted(
        {
            a["taxonomy_term"]["code"]
            for s in every
            for a in s["attributes"]
            if a["taxonomy_term"]["taxonomy"] == CATEGORY_TAXONOMY["name"]
        }
    )
    by_code = {c: set(ids(ndjson(client, "/services", taxonomy_term_id=c))) for c in codes}
    by_org: dict[str, set[str]] = {}
    for s in every:
        by_org.setdefault(s["organization_id"], set()).add(s["id"])
    words = ["Grenaa", "Auning", "Allingåbro", "kaffe", "fællesskab", "hold", "gåtur"]
    by_word = {w: set(ids(ndjson(client, "/services", search=w))) for w in words}
    # A combination in which every filter removes something the other two let through.
    combo = next(
        (c, o, w)
        for c in codes
        for o in by_org
        for w in words
        if (both := by_code[c] & by_org[o] & by_word[w])
        and both < by_code[c] & by_org[o]
        and both < by_org[o] & by_word[w]
        and both < by_code[c] & by_word[w]
    )
    code, org_id, word = combo
    single = {"taxonomy_term_id": code, "organization_id": org_id, "search": word}
    assert set(ids(ndjson(client, "/services", organization_id=org_id))) == by_org[org_id]
    combined = set(ids(ndjson(client, "/services", **single)))
    assert combined == by_code[code] & by_org[org_id] & by_word[word]
    # a term id means the same as its code
    target = next(s for s in every if s["id"] in combined)
    term_id = next(a["taxonomy_term_id"] for a in target["attributes"] if a["taxonomy_term"]["code"] == code)
    assert set(ids(ndjson(client, "/services", taxonomy_term_id=term_id))) == by_code[code]
    # taxonomy_id by id or by name; an unknown term gives nothing (not an error)
    assert len(ndjson(client, "/services", taxonomy_id=FM_TAXONOMY["id"])) == len(every)
    assert len(ndjson(client, "/services", taxonomy_id=CATEGORY_TAXONOMY["name"])) == len(every)
    assert ndjson(client, "/services", taxonomy_term_id=str(uuid.uuid4())) == []
    # modified_after is inclusive, and combines too
    oldest = min(datetime.fromisoformat(s["last_modified"]) for s in every)
    assert len(ndjson(client, "/services", modified_after=oldest.isoformat())) == len(every)
    future = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ndjson(client, "/services", modified_after=future) == []
    assert ndjson(client, "/services", modified_after=future, search=word) == []
    assert len(ndjson(client, "/services", modified_after="2000-01-01")) == len(every)
    # the same filters narrow service_at_locations
    sal_services = {s["service_id"] for s in ndjson(client, "/service_at_locations", **single)}
    assert sal_services == combined


def test_search_is_case_insensitive_and_danish_aware(client: FlaskClient) -> None:
    lower = ids(ndjson(client, "/services", search="sang"))
    assert lower and lower == ids(ndjson(client, "/services", search="SANG"))
    stemmed = ids(ndjson(client, "/services", search="sangere"))  # Danish stem: sang
    assert stemmed and set(stemmed) <= set(lower)
    prefix = ndjson(client, "/services", search="svøm", full="true")
    assert prefix and all("svøm" in (s["name"] + s["description"]).casefold() for s in prefix)
    assert ndjson(client, "/services", search="xyzzy-ingen-steder") == []
    orgs = ndjson(client, "/organizations", search="kommune")
    assert orgs and all("kommune" in (o["name"] + o["description"]).casefold() for o in orgs)


def test_proximity_around_grenaa_returns_only_nearby_services(client: FlaskClient, hsds: Schemas) -> None:
    grenaa = default_gazetteer().resolve(postcode="8500")
    assert grenaa is not None
    body = get(client, "/service_at_locations", postcode="8500", proximity=3000, per_page=500, full="true")
    _valid(hsds.response("/service_at_locations"), body)
    near = body["contents"]
    assert near
    distances = []
    for sal in near:
        loc = sal["location"]
        assert loc["location_type"] == "physical"
        km = haversine_km(grenaa.lat, grenaa.lon, loc["latitude"], loc["longitude"])
        assert km <= 3.0, (loc["name"], km)
        distances.append(km)
        assert "Auning" not in loc.get("name", "")
    assert distances == sorted(distances), "nearest first"
    every = ndjson(client, "/service_at_locations", full="true")
    physical = [
        s
        for s in every
        if s["location"].get("latitude") is not None
        and haversine_km(grenaa.lat, grenaa.lon, s["location"]["latitude"], s["location"]["longitude"]) <= 3.0
    ]
    assert {s["id"] for s in near} == {s["id"] for s in physical}, "nothing within reach is left out"
    wider = ids(ndjson(client, "/service_at_locations", postcode="8500", proximity=30000))
    assert set(ids(near)) < set(wider) and len(wider) < len(every), "online-only places are never near"
    # postcode alone: the locations with that postcode
    in_8500 = ndjson(client, "/service_at_locations", postcode="8500", full="true")
    assert in_8500 and all(any(a["postal_code"] == "8500" for a in s["location"]["addresses"]) for s in in_8500)
    # proximity combines with the other filters
    motion = ndjson(client, "/service_at_locations", postcode="8500", proximity=3000, taxonomy_term_id="motion")
    assert motion and set(ids(motion)) < set(ids(near))


# -- paging, formats, shapes ---------------------------------------------------------------


def test_paging_math(client: FlaskClient) -> None:
    every = ids(ndjson(client, "/services"))
    total = len(every)
    first = get(client, "/services")
    assert first["total_items"] == total and first["size"] == 50 and first["page_number"] == 1
    assert first["total_pages"] == math.ceil(total / 50) and first["first_page"] and not first["last_page"]
    pages = math.ceil(total / 7)
    seen: list[str] = []
    for page in range(1, pages + 1):
        body = get(client, "/services", per_page=7, page=page)
        assert body["total_pages"] == pages and body["page_number"] == page
        assert body["first_page"] == (page == 1) and body["last_page"] == (page == pages)
        assert body["size"] == len(body["contents"]) == (7 if page < pages else total - 7 * (pages - 1))
        assert not body["empty"]
        seen += ids(body["contents"])
    assert seen == every, "pages are disjoint, complete and in a stable order"
    beyond = get(client, "/services", per_page=7, page=pages + 1)
    assert beyond["contents"] == [] and beyond["size"] == 0 and beyond["empty"]
    assert beyond["last_page"] and not beyond["first_page"] and beyond["total_items"] == total
    nothing = get(client, "/services", search="xyzzy-ingen-steder")
    assert nothing["total_items"] == 0 and nothing["total_pages"] == 1 and nothing["empty"]
    assert nothing["first_page"] and nothing["last_page"]
    assert get(client, "/services", per_page=500)["size"] == min(total, 500)


def test_ndjson_streams_every_result_without_paging(client: FlaskClient, hsds: Schemas) -> None:
    total = get(client, "/services")["total_items"]
    lines = ndjson(client, "/services", full="true", per_page=3, page=2)
    assert len(lines) == total
    for service in lines[:20]:
        _valid(hsds.object("compiled/service_with_definitions.json"), service)
    default = ndjson(client, "/services")
    assert ids(default) == ids(lines) and "service_at_locations" not in default[0]
    for path in ("/organizations", "/service_at_locations", "/taxonomies", "/taxonomy_terms"):
        assert len(ndjson(client, path)) == get(client, path)["total_items"], path


def test_response_schemas_send_the_feeds_objects_unchanged(client: FlaskClient, hsds_app: Flask) -> None:
    """Dumping through the response schemas drops, adds or retypes nothing."""
    with hsds_app.app_context():
        expected = feed.public_services(get_store(hsds_app), max_age=0)
    as_json = json.loads(json.dumps(expected))
    assert ndjson(client, "/services", full="true") == as_json
    assert get(client, "/services", full="true", per_page=500)["contents"] == as_json[:500]
    one = expected[0]
    assert get(client, f"/services/{one['id']}") == json.loads(json.dumps(one))
    with_capacity = [s for s in as_json if s.get("capacities")]
    assert with_capacity, "the demo catalogue has services with capacities"
    sal, service = feed.service_at_locations(expected)[0]
    assert get(client, f"/service_at_locations/{sal['id']}") == json.loads(
        json.dumps(feed.sal_item(sal, service, full=True))
    )
    org = feed.organizations_of(expected)[0]
    nested = feed.organization_item(org, expected, full=True, full_service=True)
    assert get(client, f"/organizations/{org['id']}", full_service="true") == json.loads(json.dumps(nested))


def test_openapi_documents_the_bodies_sent(client: FlaskClient) -> None:
    spec = get(client, "/openapi.json")
    schemas = spec["components"]["schemas"]
    listing = spec["paths"]["/hsds/services"]["get"]["responses"]["200"]["content"]
    assert listing["application/json"]["schema"]["$ref"].endswith("/HsdsServicePage")
    assert "application/x-ndjson" in listing
    detail = spec["paths"]["/hsds/services/{service_id}"]["get"]["responses"]["200"]["content"]
    assert detail["application/json"]["schema"]["$ref"].endswith("/HsdsService")
    service = schemas["HsdsService"]["properties"]
    assert service["minimum_age"]["type"] == "integer" and service["last_modified"]["format"] == "date-time"
    assert {"organization", "service_at_locations", "schedules", "attributes", "capacities"} <= set(service)
    page = schemas["HsdsServicePage"]
    assert set(page["required"]) == {
        "total_items",
        "total_pages",
        "page_number",
        "size",
        "first_page",
        "last_page",
        "empty",
        "contents",
    }
    sal = spec["paths"]["/hsds/service_at_locations"]["get"]["parameters"]
    assert {"postcode", "proximity", "page", "per_page"} <= {p["name"] for p in sal}


def test_full_versus_default_items(client: FlaskClient) -> None:
    default = get(client, "/services", per_page=5)["contents"]
    full = get(client, "/services", per_page=5, full="true")["contents"]
    assert ids(default) == ids(full)
    for short, long in zip(default, full, strict=True):
        assert not any(isinstance(v, list) for v in short.values()), "list items hold one-to-one fields only"
        assert set(short["organization"]) <= {
            "id",
            "name",
            "alternate_name",
            "description",
            "email",
            "website",
            "tax_status",
            "tax_id",
            "year_incorporated",
            "legal_status",
            "logo",
            "uri",
            "parent_organization_id",
        }
        assert {"service_at_locations", "attributes", "schedules", "cost_options"} <= set(long)
        assert {k: v for k, v in long.items() if k in short and k != "organization"} == {
            k: v for k, v in short.items() if k != "organization"
        }
        assert get(client, f"/services/{long['id']}") == long
    minimal = get(client, "/services", minimal="true")
    assert minimal["total_pages"] == 1 and minimal["size"] == minimal["total_items"], "minimal: one page"
    assert all(set(s) <= {"id", "name", "status", "last_modified"} for s in minimal["contents"])
    assert get(client, "/services", minimal="true", per_page=10)["size"] == 10
    orgs = get(client, "/organizations", per_page=3)["contents"]
    assert all("services" not in o and "attributes" not in o for o in orgs)
    nested = get(client, "/organizations", per_page=3, full="true")["contents"]
    assert all(o["services"] and "attributes" in o for o in nested)
    sal = get(client, "/service_at_locations", per_page=1)["contents"][0]
    assert set(sal) >= {"id", "service_id", "location_id", "service"}
    assert "addresses" not in sal.get("location", {}) and "attributes" not in sal["service"]


def test_organizations_list_their_public_services(client: FlaskClient) -> None:
    services = ndjson(client, "/services")
    orgs = ndjson(client, "/organizations")
    assert sorted(ids(orgs)) == sorted({s["organization_id"] for s in services})
    names = [o["name"].casefold() for o in orgs]
    assert names == sorted(names)
    org = max(orgs, key=lambda o: sum(s["organization_id"] == o["id"] for s in services))
    detail = get(client, f"/organizations/{org['id']}")
    assert ids(detail["services"]) == ids(ndjson(client, "/services", organization_id=org["id"]))
    assert len(detail["services"]) > 1


def test_taxonomies_and_terms(client: FlaskClient, hsds_app: Flask) -> None:
    taxes = get(client, "/taxonomies")["contents"]
    assert {t["id"] for t in taxes} == {FM_TAXONOMY["id"], CATEGORY_TAXONOMY["id"], AUDIENCE_TAXONOMY["id"]}
    assert ids(get(client, "/taxonomies", search="kategorier")["contents"]) == [CATEGORY_TAXONOMY["id"]]
    terms = ndjson(client, "/taxonomy_terms")
    by_tax = {t["id"]: [x for x in terms if x["taxonomy_id"] == t["id"]] for t in taxes}
    assert {t["code"] for t in by_tax[CATEGORY_TAXONOMY["id"]]} == set(get_store(hsds_app).categories())
    assert {t["code"] for t in by_tax[FM_TAXONOMY["id"]]} == {f"fm:{k}" for k in FM_TERMS}
    assert {t["code"] for t in by_tax[AUDIENCE_TAXONOMY["id"]]} == set(AudienceVocabulary.default().codes())
    assert ids(ndjson(client, "/taxonomy_terms", taxonomy_id=CATEGORY_TAXONOMY["id"])) == ids(
        by_tax[CATEGORY_TAXONOMY["id"]]
    )
    assert ids(ndjson(client, "/taxonomy_terms", taxonomy_id=CATEGORY_TAXONOMY["name"])) == ids(
        by_tax[CATEGORY_TAXONOMY["id"]]
    )
    assert ndjson(client, "/taxonomy_terms", parent_id=str(uuid.uuid4())) == []
    assert [t["code"] for t in ndjson(client, "/taxonomy_terms", search="Sang")] == ["sang"]
    # every term a service or organisation carries is listed, identically
    listed = {t["id"]: t for t in terms}
    for parent, key, value in _walk(ndjson(client, "/services", full="true")):
        if key == "taxonomy_term":
            assert listed[value["id"]] == value, parent
    assert get(client, f"/taxonomy_terms/{terms[0]['id']}") == terms[0]


# -- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/services/00000000-0000-0000-0000-000000000000",
        "/services/demo-0001",  # native ids are not HSDS ids
        "/organizations/org-nk-sundhed-omsorg",
        "/service_at_locations/nope",
        "/taxonomies/nope",
        "/taxonomy_terms/sang",
        "/nothing-here",
    ],
)
def test_unknown_ids_get_the_404_envelope(client: FlaskClient, path: str) -> None:
    res = client.get(f"/hsds{path}")
    assert res.status_code == 404
    body = body_of(res)
    assert body["code"] == "not_found" and body["status"] == 404 and body["message"]
    assert set(body) >= {"code", "status", "message", "errors"}


@pytest.mark.parametrize(
    ("path", "query", "param"),
    [
        ("/services", "page=0", "page"),
        ("/services", "page=x", "page"),
        ("/services", "per_page=0", "per_page"),
        ("/services", "per_page=10000", "per_page"),
        ("/services", "modified_after=garbage", "modified_after"),
        ("/services", "modified_after=2026-13-40", "modified_after"),
        ("/service_at_locations", "postcode=8500&proximity=nan", "proximity"),
        ("/service_at_locations", "postcode=8500&proximity=inf", "proximity"),
        ("/services", "format=xml", "format"),
        ("/services", "full=maybe", "full"),
        ("/services", "minimal=maybe", "minimal"),
        ("/organizations", "per_page=501", "per_page"),
        ("/taxonomy_terms", "page=-1", "page"),
        ("/services", f"page={2**63}", "page"),
        ("/services", "search=kor%00", "search"),
        ("/taxonomies", "format=csv", "format"),
        ("/organizations/x", "full_service=perhaps", "full_service"),
        ("/service_at_locations", "postcode=8500&proximity=abc", "proximity"),
        ("/service_at_locations", "postcode=8500&proximity=-5", "proximity"),
        ("/service_at_locations", "postcode=8500&proximity=56.4,10.9,5", "proximity"),
        ("/service_at_locations", "proximity=5000", "proximity"),
        ("/service_at_locations", "postcode=Grenaa", "postcode"),
        ("/service_at_locations", "postcode=1000&proximity=5000", "postcode"),
    ],
)
def test_bad_parameters_get_the_envelope_naming_them(client: FlaskClient, path: str, query: str, param: str) -> None:
    res = client.get(f"/hsds{path}?{query}")
    assert res.status_code == 422, res.get_data(as_text=True)
    body = body_of(res)
    assert body["code"] == "unprocessable_entity" and body["status"] == 422
    assert param in body["errors"] and param in body["message"], body
    assert "Cache-Control" not in res.headers or "public" not in res.headers["Cache-Control"]


def test_other_hsds_parameters_are_ignored(client: FlaskClient) -> None:
    assert (
        get(client, "/services", top_only="true", full_service="false")["total_items"]
        == get(client, "/services")["total_items"]
    )


def test_the_private_api_still_needs_a_key(client: FlaskClient, hsds_app: Flask) -> None:
    """Mounting the public API changes nothing for the rest."""
    assert client.post("/api/v1/match", json={"interests": "sang"}).status_code == 401
    assert client.get("/hsds/services", headers=auth(hsds_app, "navigator")).status_code == 200


# -- freshness ------------------------------------------------------------------------------


@pytest.fixture
def small_app(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """A fresh app with three offers; snapshots look for changes from the moment they are built."""
    monkeypatch.setattr(feed, "SETTLE", timedelta(0))
    store = get_store(app)
    migrations.upgrade(store)
    offers = [
        make_offer("t-1"),
        make_offer("t-2", title="Strikkeklub", categories=["håndværk"]),
        make_offer("t-3", title="Morgensvømning", categories=["vand"]),
    ]
    assert store.import_offers(offers, actor="tests").committed
    return _with_hsds(app)


def test_changes_are_visible_at_once(small_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    client = small_app.test_client()
    store = get_store(small_app)
    conversions: list[str] = []
    real = feed.offer_to_service

    def counting(offer: Any, categories: Any) -> Any:
        conversions.append(offer["id"])
        return real(offer, categories)

    monkeypatch.setattr(feed, "offer_to_service", counting)
    first = get(client, "/services", full="true")
    assert first["total_items"] == 3
    built = len(conversions)
    assert get(client, "/services", full="true") == first
    assert len(conversions) == built, "an unchanged catalogue is not converted again"

    offer = store.get_offer("t-2")
    store.update_offer("t-2", {"title": "Strikkecafé"}, expected_version=offer["version"], actor="tests")
    assert "Strikkecafé" in [s["name"] for s in get(client, "/services")["contents"]]

    gone = next(s for s in first["contents"] if s["name"] == "Morgensvømning")
    store.retire_offer("t-3", expected_version=store.get_offer("t-3")["version"], actor="tests")
    assert gone["id"] not in ids(get(client, "/services")["contents"])
    assert small_app.test_client().get(f"/hsds/services/{gone['id']}").status_code == 404

    store.add_category("håndværk", "Håndværk og hobby", actor="tests")
    assert [t["name"] for t in ndjson(client, "/taxonomy_terms", search="håndværk")] == ["Håndværk og hobby"]
    service = next(s for s in get(client, "/services", full="true")["contents"] if s["name"] == "Strikkecafé")
    assert "Håndværk og hobby" in [a["taxonomy_term"]["name"] for a in service["attributes"]]

    small_app.config["HSDS_CACHE_SECONDS"] = 0
    before = len(conversions)
    get(client, "/services")
    get(client, "/services")
    assert len(conversions) == before + 4, "HSDS_CACHE_SECONDS=0 converts on every request"
