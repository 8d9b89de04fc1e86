"""Our offers as HSDS 3.0: fully nested services, organisations and the paged envelope.

Municipal directories and national platforms speak HSDS (Open Referral,
openreferral.org, CC BY-SA 4.0), so offers are published as fully nested
services. Ids are derived (:mod:`.ids`), and fields HSDS lacks are attributes
with terms of our taxonomies (:mod:`.terms`), so a round trip loses nothing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from catalogue.costs import canonical_cost, describe
from catalogue.languages import name_da
from catalogue.store import name_key
from catalogue.taxonomy import ACCESSIBILITY, COST_PERIODS, DEFAULT_CATEGORIES

from .ids import uid
from .schedules import export_schedules
from .schedules import extension_values as schedule_extension
from .terms import (
    CATEGORY_TAXONOMY,
    CVR_SCHEME,
    FM_TAXONOMY_NAME,
    STATUS_TO_HSDS,
    attribute,
    fm_attributes,
    taxonomy_term,
)


def _iso(value: Any) -> str | None:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    return value.isoformat() if isinstance(value, date) else value


def _clean(obj: dict[str, Any]) -> dict[str, Any]:
    """HSDS fields are typed without null, so absent values are left out."""
    return {k: v for k, v in obj.items() if v is not None and v != []}


def _org_key(org: Mapping[str, Any]) -> str:
    return org.get("id") or "name:" + name_key(org["name"])


def _contact(contact: Mapping[str, Any] | None, owner_id: str, url_key: str) -> dict[str, Any]:
    """Website, e-mail and phone belong to the service or organisation itself;
    a named person becomes an HSDS contact."""
    if not contact:
        return {}
    out: dict[str, Any] = {url_key: contact.get("website"), "email": contact.get("email")}
    if contact.get("phone"):
        out["phones"] = [{"id": uid(owner_id, "phone"), "number": contact["phone"], "type": "voice"}]
    if contact.get("name"):
        person = {"id": uid(owner_id, "contact"), "name": contact["name"], "email": contact.get("email")}
        out["contacts"] = [_clean(person)]
    return out


def _organization(org: Mapping[str, Any]) -> dict[str, Any]:
    oid = uid("organization", _org_key(org))
    out = {"id": oid, "name": org["name"], "description": org.get("description") or ""}
    out.update(_contact(org.get("contact"), oid, "website"))
    if org.get("cvr"):
        out["organization_identifiers"] = [
            {
                "id": uid(oid, "cvr"),
                "organization_id": oid,
                "identifier_scheme": CVR_SCHEME,
                "identifier_type": "CVR-nummer",
                "identifier": org["cvr"],
            }
        ]
    extension = {"native_id": org.get("id"), "organisation_type": org.get("type") or "other"}
    out["attributes"] = fm_attributes(oid, "organization", extension)
    return _clean(out)


def _region(postcode: str | None) -> str:
    """Denmark has no states; the region is the nearest equivalent. Every 8xxx
    postcode (Norddjurs included) lies in Region Midtjylland; elsewhere postcodes
    cross regional borders, so it is left blank rather than guessed."""
    return "Region Midtjylland" if postcode and postcode.startswith("8") else ""


def _service_at_locations(offer: Mapping[str, Any], sid: str, org_id: str) -> list[dict[str, Any]]:
    """A physical location when there is an address or a point, and a virtual
    one when the offer is (also) online, so ``online`` needs no attribute."""
    loc = offer["location"]
    locations: list[dict[str, Any]] = []
    if any(loc.get(k) is not None for k in ("address", "postcode", "town", "lat")):
        lid = uid(sid, "location", "physical")
        address = None
        if any(loc.get(k) for k in ("address", "postcode", "town")):
            address = [
                {
                    "id": uid(lid, "address"),
                    "location_id": lid,
                    "address_1": loc.get("address") or "",
                    "city": loc.get("town") or "",
                    "state_province": _region(loc.get("postcode")),
                    "postal_code": loc.get("postcode") or "",
                    "country": "DK",
                    "address_type": "physical",
                }
            ]
        place = " ".join(filter(None, [loc.get("postcode"), loc.get("town")]))
        name = ", ".join(filter(None, [loc.get("address"), place])) or None
        locations.append(
            {
                "id": lid,
                "location_type": "physical",
                "organization_id": org_id,
                "name": name,
                "latitude": loc.get("lat"),
                "longitude": loc.get("lon"),
                "addresses": address,
            }
        )
    if loc.get("online"):
        locations.append(
            {
                "id": uid(sid, "location", "virtual"),
                "location_type": "virtual",
                "organization_id": org_id,
                "name": "Online",
                "description": "Tilbuddet foregår online.",
            }
        )
    if locations:  # accessibility describes where people go: the physical place if there is one
        first = locations[0]
        first["accessibility"] = [
            {
                "id": uid(first["id"], "accessibility", code),
                "location_id": first["id"],
                "description": ACCESSIBILITY.get(code, code),
            }
            for code in offer.get("accessibility") or []
        ]
    return [
        {
            "id": uid(sid, "service_at_location", lc["id"]),
            "service_id": sid,
            "location_id": lc["id"],
            "location": _clean(lc),
        }
        for lc in locations
    ]


def _schedules(offer: Mapping[str, Any], sid: str) -> list[dict[str, Any]]:
    """The offer's schedule as HSDS rules (:func:`.schedules.export_schedules`)."""
    return [_clean(s) for s in export_schedules(offer, sid)]


def _ages(lo: int | None, hi: int | None) -> str | None:
    if lo is not None and hi is not None:
        return f"{lo}-{hi} år"
    return f"Fra {lo} år" if lo is not None else (f"Op til {hi} år" if hi is not None else None)


def _capacities(offer: Mapping[str, Any], sid: str) -> list[dict[str, Any]]:
    """HSDS 3.1 ``service_capacity`` (unknown to 3.0 validators, which allow it).
    Needs a count of available places and a time: the last update, else the
    date last verified. The attributes stay the authoritative copy."""
    verified = offer.get("last_verified")
    updated = _iso(offer.get("updated_at")) or (f"{_iso(verified)}T00:00:00Z" if verified else None)
    if offer.get("places_available") is None or updated is None:
        return []
    unit = {"id": uid("unit", "plads"), "name": "Plads", "scheme": FM_TAXONOMY_NAME, "identifier": "place"}
    capacity = {
        "id": uid(sid, "capacity"),
        "service_id": sid,
        "unit": unit,
        "unit_id": unit["id"],
        "available": offer["places_available"],
        "maximum": offer.get("places_total"),
        "description": "Ledige pladser på holdet",
        "updated": updated,
    }
    return [_clean(capacity)]


def offer_to_service(offer: Mapping[str, Any], categories: Mapping[str, str]) -> dict[str, Any]:
    """One canonical offer as a fully nested HSDS 3.0 service."""
    org = _organization(offer["organisation"])
    sid = uid("service", offer.get("id") or f"untitled:{offer['title']}|{_org_key(offer['organisation'])}")
    options = canonical_cost(offer.get("cost"))["options"]
    extension = {
        "native_id": offer.get("id"),
        "kind": offer["kind"],
        "group_size": offer.get("group_size"),
        **{k: bool(offer.get(k)) for k in ("newcomers_welcome", "companion_available", "transport_offered")},
        **{k: offer.get(k) for k in ("places_total", "places_available", "waitlist", "volunteers")},
        # read by importers of exports made before cost options; each option now names its own period
        "cost_per": options[0]["per"] if options else None,
        **schedule_extension(offer),
    }
    attributes = fm_attributes(sid, "service", extension)
    for rank, code in enumerate(offer["categories"], start=1):
        label = categories.get(code) or DEFAULT_CATEGORIES.get(code) or code
        term = taxonomy_term(CATEGORY_TAXONOMY, code, label, f"Kategori i Fællesskabsmatch: {label}")
        attributes.append(attribute(sid, "service", term, str(rank)))
    service: dict[str, Any] = {
        "id": sid,
        "organization_id": org["id"],
        "name": offer["title"],
        "description": offer.get("description") or "",
        "status": STATUS_TO_HSDS[offer.get("status") or "active"],
        "fees_description": describe(offer.get("cost")),
        "eligibility_description": _ages(offer.get("age_min"), offer.get("age_max")),
        "minimum_age": offer.get("age_min"),
        "maximum_age": offer.get("age_max"),
        "assured_date": _iso(offer.get("last_verified")),
        "last_modified": _iso(offer.get("updated_at")),
    }
    service.update(_contact(offer.get("contact"), sid, "url"))
    service["organization"] = org
    service["service_at_locations"] = _service_at_locations(offer, sid, org["id"])
    service["schedules"] = _schedules(offer, sid)
    service["cost_options"] = [
        _clean(
            {
                "id": uid(sid, "cost") if pos == 0 else uid(sid, "cost", str(pos)),
                "option": COST_PERIODS.get(opt["per"] or ""),
                "currency": opt["currency"],
                "amount": opt["amount"],
                "amount_description": opt["text"],
            }
        )
        for pos, opt in enumerate(options)
    ]
    service["languages"] = [
        {"id": uid(sid, "language", code), "name": name_da(code), "code": code} for code in offer.get("languages") or []
    ]
    service["capacities"] = _capacities(offer, sid)
    service["attributes"] = attributes
    return _clean(service)


def export_services(offers: Iterable[Mapping[str, Any]], categories: Mapping[str, str]) -> list[dict[str, Any]]:
    return [offer_to_service(o, categories) for o in offers]


def export_document(
    offers: Iterable[Mapping[str, Any]], categories: Mapping[str, str], *, page: int = 1, per_page: int | None = None
) -> dict[str, Any]:
    """The paged envelope of the HSDS ``/services`` API, with full services
    (as ``?full=true``) so the document alone is a complete export."""
    if page < 1 or (per_page is not None and per_page < 1):
        raise ValueError("page and per_page start at 1")
    services = export_services(offers, categories)
    return page_envelope(services, page, per_page or max(len(services), 1))


def page_envelope(items: list[Any], page: int, per_page: int) -> dict[str, Any]:
    """The standard's paged envelope. ``total_pages`` is at least 1; a page
    past the end is empty, and is the last page."""
    pages = max(1, math.ceil(len(items) / per_page))
    chunk = items[(page - 1) * per_page : page * per_page]
    return {
        "total_items": len(items),
        "total_pages": pages,
        "page_number": page,
        "size": len(chunk),
        "first_page": page == 1,
        "last_page": page >= pages,
        "empty": not chunk,
        "contents": chunk,
    }


def export_organizations(offers: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each organisation once, as in the HSDS ``/organizations`` listing."""
    seen: dict[str, dict[str, Any]] = {}
    for offer in offers:
        org = _organization(offer["organisation"])
        seen.setdefault(org["id"], org)
    return list(seen.values())
