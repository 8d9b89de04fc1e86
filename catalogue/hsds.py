"""Open Referral HSDS 3.0 export and import of the catalogue.

Municipal directories and national platforms speak HSDS, so offers are
published as fully nested HSDS services (JSON, or the tabular datapackage)
and services from other publishers can be imported.

Design choices:

* HSDS ids must be UUIDs. Ours are derived with ``uuid5`` from our own ids
  under one fixed namespace, so exporting twice gives identical files and a
  consumer can follow an offer across exports.
* Whatever HSDS has no field for (kind, group size, capacity, the cost
  period, native ids, organisation type, ...) travels as ``attributes``
  linked to terms of our taxonomy ``faellesskabsmatch``; categories are terms
  of a second taxonomy ``faellesskabsmatch-kategorier`` with Danish labels.
  A round trip through either format therefore loses nothing.
* Importing a foreign service maps what HSDS holds and leaves the rest to
  the offer schema, which rejects a record with a per-field message rather
  than guessing (e.g. a category nobody mapped). What cannot be mapped
  safely (monthly rules, other currencies, negated accessibility text) is
  left out and listed in ``ParsedFile.meta["warnings"]``.

HSDS itself (Open Referral, openreferral.org) is licensed CC BY-SA 4.0; this
module only writes and reads data shaped by it.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from .errors import FileFormatError
from .formats import ParsedFile
from .store import RawRecord, name_key
from .taxonomy import ACCESSIBILITY, COST_PERIODS, DEFAULT_CATEGORIES, ISO_639_1, WEEKDAYS_DA

#: Fixed namespace of all our HSDS ids. Never change it: every published id depends on it.
NAMESPACE = uuid.UUID("39463587-577e-4e58-bb28-6245fe512552")

FM_TAXONOMY_NAME = "faellesskabsmatch"
CATEGORY_TAXONOMY_NAME = "faellesskabsmatch-kategorier"
CURRENCY = "DKK"
CVR_SCHEME = "DK-CVR"  # org-id.guide scheme of the Danish Central Business Register

STATUS_TO_HSDS = {"active": "active", "paused": "temporarily closed", "ended": "defunct"}
STATUS_FROM_HSDS = {"active": "active", "temporarily closed": "paused", "inactive": "paused", "defunct": "ended"}
RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
LOCAL_TIME_NOTE = "Tidspunkter er dansk lokaltid (Europe/Copenhagen)."

#: Our extension terms: key -> (Danish name, description, value type).
FM_TERMS: dict[str, tuple[str, str, str]] = {
    "native_id": ("Fællesskabsmatch-id", "Id for tilbuddet eller organisationen i Fællesskabsmatch.", "str"),
    "kind": ("Tilbudstype", "activity, volunteer_service eller municipal_service.", "str"),
    "organisation_type": (
        "Organisationstype",
        "association, volunteer_group, municipality, self_organised, other.",
        "str",
    ),
    "group_size": ("Holdstørrelse", "small (højst 8), medium (9-20) eller large (over 20).", "str"),
    "newcomers_welcome": ("Nye er velkomne", "true/false: nye deltagere tages særligt godt imod.", "bool"),
    "companion_available": ("Følgeven", "true/false: en frivillig kan følge en ny deltager de første gange.", "bool"),
    "transport_offered": ("Transport", "true/false: tilbuddet hjælper med transport.", "bool"),
    "places_total": ("Pladser i alt", "Antal pladser i alt (heltal).", "int"),
    "places_available": ("Ledige pladser", "Antal ledige pladser (heltal).", "int"),
    "waitlist": ("Venteliste", "Antal personer på venteliste (heltal).", "int"),
    "volunteers": ("Frivillige", "Antal frivillige bag tilbuddet (heltal).", "int"),
    "cost_per": ("Prisperiode", "Hvad prisen dækker: gang, måned, år eller sæson.", "str"),
}
_SERVICE_TERMS = [k for k in FM_TERMS if k != "organisation_type"]

#: "ISO-639-1 Danish-name English-name other-codes..." entries; the names and the ISO 639-2/3
#: codes let us read other publishers' languages, the Danish name labels ours.
_LANGUAGE_TABLE = """da dansk danish dan | en engelsk english eng | de tysk german deu ger | sv svensk swedish swe
    | no norsk norwegian nor | nb bokmål bokmål nob | uk ukrainsk ukrainian ukr | ar arabisk arabic ara
    | pl polsk polish pol | ro rumænsk romanian ron rum | lt litauisk lithuanian lit | so somali somali som
    | fa persisk persian fas per farsi | tr tyrkisk turkish tur | ti tigrinya tigrinya tir | ru russisk russian rus
    | es spansk spanish spa | fr fransk french fra fre | it italiensk italian ita | fo færøsk faroese fao
    | kl grønlandsk greenlandic kal | is islandsk icelandic isl ice | ur urdu urdu urd | ku kurdisk kurdish kur"""
_LANGUAGES = [entry.split() for entry in _LANGUAGE_TABLE.split("|")]
_LANG_NAME_DA = {entry[0]: entry[1] for entry in _LANGUAGES}
_LANG_LOOKUP = {key: entry[0] for entry in _LANGUAGES for key in entry[1:]}

_ACCESS_KEYWORDS = {
    "wheelchair": r"kørestol|korestol|wheelchair|rullestol",
    "accessible_toilet": r"handicap-?toilet|handicapvenligt toilet|(accessible|disabled) (toilet|restroom|bathroom)",
    "hearing_loop": r"teleslynge|høreslynge|(hearing|induction) loop",
    "step_free": r"trinfri|niveaufri|uden trin|step[- ]free|level access|\brampe?\b",
    "parking": r"parkering|parking|p-plads",
    "near_public_transport": r"offentlig transport|public transport|\bbus(stop|stoppested|station|linje)?\b|togstation|"
    r"train station|letbane|\btram(way)?s?\b",
}
#: Text saying what is missing ("ikke kørestolsegnet", "no parking") is not read as a feature.
_NEGATION = re.compile(r"\b(ikke|not|no|ingen|intet|desværre|unfortunately)\b")
_PER_KEYWORDS = (
    ("måned", r"måned|\bmdr?\b|month"),
    ("sæson", r"sæson|season|semester"),
    ("år", r"\bår\b|årlig|year|annual"),
)
_CATEGORY_CODE_RE = re.compile(r"[a-zæøå_]{2,50}")

# -- ids and taxonomy terms ----------------------------------------------------------


def _uid(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "|".join(parts)))


def _taxonomy(name: str, description: str) -> dict[str, Any]:
    return {
        "id": _uid("taxonomy", name),
        "name": name,
        "description": description,
        "uri": f"urn:{name}",
        "version": "1",
    }


FM_TAXONOMY = _taxonomy(FM_TAXONOMY_NAME, "Fællesskabsmatch' egne felter, som HSDS 3.0 ikke har.")
CATEGORY_TAXONOMY = _taxonomy(CATEGORY_TAXONOMY_NAME, "Fællesskabsmatch' kategorier af fællesskaber (danske navne).")
_FM_TERM_IDS = {_uid("term", FM_TAXONOMY_NAME, key): key for key in FM_TERMS}


def _term(taxonomy: Mapping[str, Any], code: str, name: str, description: str) -> dict[str, Any]:
    tax, local = taxonomy["name"], code.removeprefix("fm:")
    return {
        "id": _uid("term", tax, local),
        "code": code,
        "name": name,
        "description": description,
        "taxonomy": tax,
        "taxonomy_id": taxonomy["id"],
        "taxonomy_detail": dict(taxonomy),
        "language": "da",
        "term_uri": f"urn:{tax}:{local}",
    }


def _attribute(link_id: str, link_entity: str, term: dict[str, Any], value: str) -> dict[str, Any]:
    return {
        "id": _uid("attribute", link_id, term["id"]),
        "link_id": link_id,
        "link_entity": link_entity,
        "taxonomy_term_id": term["id"],
        "value": value,
        "taxonomy_term": term,
    }


def _fm_attributes(link_id: str, link_entity: str, values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Extension fields as attributes; ``None`` means "not stated" and is left out."""
    out = []
    for key, value in values.items():
        if value is None:
            continue
        name, description, _ = FM_TERMS[key]
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        out.append(_attribute(link_id, link_entity, _term(FM_TAXONOMY, f"fm:{key}", name, description), text))
    return out


# -- export ------------------------------------------------------------------------


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
        out["phones"] = [{"id": _uid(owner_id, "phone"), "number": contact["phone"], "type": "voice"}]
    if contact.get("name"):
        person = {"id": _uid(owner_id, "contact"), "name": contact["name"], "email": contact.get("email")}
        out["contacts"] = [_clean(person)]
    return out


def _organization(org: Mapping[str, Any]) -> dict[str, Any]:
    oid = _uid("organization", _org_key(org))
    out = {"id": oid, "name": org["name"], "description": org.get("description") or ""}
    out.update(_contact(org.get("contact"), oid, "website"))
    if org.get("cvr"):
        out["organization_identifiers"] = [
            {
                "id": _uid(oid, "cvr"),
                "organization_id": oid,
                "identifier_scheme": CVR_SCHEME,
                "identifier_type": "CVR-nummer",
                "identifier": org["cvr"],
            }
        ]
    extension = {"native_id": org.get("id"), "organisation_type": org.get("type") or "other"}
    out["attributes"] = _fm_attributes(oid, "organization", extension)
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
        lid = _uid(sid, "location", "physical")
        address = None
        if any(loc.get(k) for k in ("address", "postcode", "town")):
            address = [
                {
                    "id": _uid(lid, "address"),
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
                "id": _uid(sid, "location", "virtual"),
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
                "id": _uid(first["id"], "accessibility", code),
                "location_id": first["id"],
                "description": ACCESSIBILITY.get(code, code),
            }
            for code in offer.get("accessibility") or []
        ]
    return [
        {
            "id": _uid(sid, "service_at_location", lc["id"]),
            "service_id": sid,
            "location_id": lc["id"],
            "location": _clean(lc),
        }
        for lc in locations
    ]


def _days_da(days: list[int]) -> str:
    names = [WEEKDAYS_DA[d] for d in days]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " og " + names[-1]


def _schedules(offer: Mapping[str, Any], sid: str) -> list[dict[str, Any]]:
    """One weekly RRULE per opening time, with every weekday sharing it in ``byday``."""
    schedule = offer.get("schedule") or {}
    valid_from, valid_to = _iso(schedule.get("valid_from")), _iso(schedule.get("valid_to"))
    groups: dict[tuple[str, str], set[int]] = {}
    for slot in schedule.get("slots") or []:
        groups.setdefault((slot["start"], slot["end"]), set()).add(int(slot["weekday"]))
    out = []
    for (start, end), day_set in sorted(groups.items(), key=lambda kv: (min(kv[1]), kv[0])):
        days = sorted(day_set)
        out.append(
            {
                "id": _uid(sid, "schedule", start, end),
                "valid_from": valid_from,
                "valid_to": valid_to,
                "freq": "WEEKLY",
                "interval": 1,
                "wkst": "MO",
                "byday": ",".join(RRULE_DAYS[d - 1] for d in days),
                "opens_at": start,
                "closes_at": end,
                "description": f"{_days_da(days)} kl. {start}-{end}".capitalize(),
                "notes": LOCAL_TIME_NOTE,
            }
        )
    if not out and (valid_from or valid_to):
        out.append(
            {
                "id": _uid(sid, "schedule", "period"),
                "valid_from": valid_from,
                "valid_to": valid_to,
                "description": "Tilbuddets periode; ingen faste ugentlige tidspunkter.",
            }
        )
    return [_clean(s) for s in out]


def _kroner(amount: float) -> str:
    return (f"{amount:.0f}" if float(amount).is_integer() else f"{amount:.2f}".replace(".", ",")) + " kr."


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
    unit = {"id": _uid("unit", "plads"), "name": "Plads", "scheme": FM_TAXONOMY_NAME, "identifier": "place"}
    capacity = {
        "id": _uid(sid, "capacity"),
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
    sid = _uid("service", offer.get("id") or f"untitled:{offer['title']}|{_org_key(offer['organisation'])}")
    cost = offer.get("cost") or {"amount_dkk": 0.0, "per": "gang"}
    amount, per = float(cost["amount_dkk"]), cost.get("per") or "gang"
    fees = "Gratis" if amount == 0 else f"{_kroner(amount)} {COST_PERIODS.get(per, per)}"
    extension = {
        "native_id": offer.get("id"),
        "kind": offer["kind"],
        "group_size": offer.get("group_size"),
        **{k: bool(offer.get(k)) for k in ("newcomers_welcome", "companion_available", "transport_offered")},
        **{k: offer.get(k) for k in ("places_total", "places_available", "waitlist", "volunteers")},
        "cost_per": per,
    }
    attributes = _fm_attributes(sid, "service", extension)
    for rank, code in enumerate(offer["categories"], start=1):
        label = categories.get(code) or DEFAULT_CATEGORIES.get(code) or code
        term = _term(CATEGORY_TAXONOMY, code, label, f"Kategori i Fællesskabsmatch: {label}")
        attributes.append(_attribute(sid, "service", term, str(rank)))
    service: dict[str, Any] = {
        "id": sid,
        "organization_id": org["id"],
        "name": offer["title"],
        "description": offer.get("description") or "",
        "status": STATUS_TO_HSDS[offer.get("status") or "active"],
        "fees_description": fees,
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
        {
            "id": _uid(sid, "cost"),
            "option": COST_PERIODS.get(per, per),
            "currency": CURRENCY,
            "amount": amount,
            "amount_description": fees,
        }
    ]
    service["languages"] = [
        {"id": _uid(sid, "language", code), "name": _LANG_NAME_DA.get(code, code), "code": code}
        for code in offer.get("languages") or []
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


# -- import --------------------------------------------------------------------------


def _obj(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _maps(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else (None if value is None else str(value))


def _whole(value: Any) -> Any:
    """Integral numbers as int (HSDS numbers and CSV cells); anything else as is,
    so the offer schema names the field that is wrong."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return value


def _day(value: Any) -> str | None:
    text = _text(value)
    return text[:10] if text and re.match(r"\d{4}-\d{2}-\d{2}", text) else text


def _hhmm(value: Any) -> str | None:
    """``10:00``, ``10:00:00``, ``10:00Z`` or ``10:00+01:00``; an offset is
    ignored, as an offer's times are local."""
    m = re.match(r"\s*(\d{1,2}):(\d{2})", str(value or ""))
    return f"{int(m.group(1)):02d}:{m.group(2)}" if m else None


def _term_of(attr: Mapping[str, Any]) -> tuple[Mapping[str, Any], str | None, str | None]:
    term = _obj(attr.get("taxonomy_term"))
    tax_id = term.get("taxonomy_id") or _obj(term.get("taxonomy_detail")).get("id")
    return term, attr.get("taxonomy_term_id") or term.get("id"), tax_id


def _fm_values(obj: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for attr in _maps(obj.get("attributes")):
        _, term_id, _ = _term_of(attr)
        key = _FM_TERM_IDS.get(str(term_id))
        if key is None:
            continue
        value, kind = attr.get("value"), FM_TERMS[key][2]
        if kind == "bool" and isinstance(value, str) and value.strip().lower() in ("true", "false"):
            value = value.strip().lower() == "true"
        elif kind == "int":
            value = _whole(value)
        out[key] = value
    return out


def _categories(svc: Mapping[str, Any], known: Mapping[str, str]) -> tuple[list[str] | None, dict[str, str]]:
    """Terms of our category taxonomy give the codes (ordered by rank) and
    labels; other publishers' terms count when their code, name or label
    matches a known category. Unmatched ones are passed on by name so the
    import rejects the record saying which category is missing."""
    ours: list[tuple[float, int, str]] = []
    labels: dict[str, str] = {}
    matched: list[str] = []
    unmatched: list[str] = []
    by_label = {label.casefold(): code for code, label in known.items()}
    for pos, attr in enumerate(_maps(svc.get("attributes"))):
        term, term_id, tax_id = _term_of(attr)
        if str(term_id) in _FM_TERM_IDS:
            continue
        code, name = _text(term.get("code")), _text(term.get("name"))
        if tax_id == CATEGORY_TAXONOMY["id"] or term.get("taxonomy") == CATEGORY_TAXONOMY_NAME:
            if code:
                rank = _whole(attr.get("value"))
                ours.append((rank if isinstance(rank, int) else math.inf, pos, code))
                if name and _CATEGORY_CODE_RE.fullmatch(code):
                    labels[code] = name
            continue
        keys = [k.casefold() for k in (code, name) if k]
        hit = next((k for k in keys if k in known), None) or next((by_label[k] for k in keys if k in by_label), None)
        hit = hit or next((k.replace(" ", "_") for k in keys if k.replace(" ", "_") in known), None)
        if hit:
            matched.append(hit)
        elif name or code:
            unmatched.append(str(name or code))
    codes = [c for _, _, c in sorted(ours)] + matched + unmatched
    return (codes or None), labels


def _language(obj: Mapping[str, Any]) -> str | None:
    for raw in (obj.get("code"), obj.get("name")):
        text = (_text(raw) or "").casefold()
        base = re.split(r"[-_]", text)[0]
        if base in ISO_639_1:
            return base
        if text in _LANG_LOOKUP or base in _LANG_LOOKUP:
            return _LANG_LOOKUP.get(text) or _LANG_LOOKUP[base]
    return _text(obj.get("code")) or _text(obj.get("name"))


def _accessibility(locations: list[Mapping[str, Any]], warn: list[str]) -> list[str]:
    """Our own labels exactly, else keywords in Danish or English. A false
    "wheelchair" sends someone to a door they cannot pass, so a negated text
    is reported rather than read."""
    by_label = {label.casefold(): code for code, label in ACCESSIBILITY.items()}
    found: set[str] = set()
    for loc in locations:
        for item in _maps(loc.get("accessibility")):
            text = " ".join(filter(None, [_text(item.get("description")), _text(item.get("details"))])).casefold()
            if text in by_label:
                found.add(by_label[text])
            elif _NEGATION.search(text):
                warn.append(f"accessibility {text!r} not mapped; check it by hand")
            else:
                found.update(code for code, pattern in _ACCESS_KEYWORDS.items() if re.search(pattern, text))
    return sorted(found)


def _read_contact(obj: Mapping[str, Any], url_key: str) -> dict[str, Any] | None:
    contacts = _maps(obj.get("contacts"))
    person = contacts[0] if contacts else {}
    phones = _maps(obj.get("phones")) or _maps(person.get("phones"))
    phone = _text(phones[0].get("number")) if phones else None
    if phone:  # "+45 86-12 34.56" -> "+45 86 12 34 56", the form our schema accepts
        phone = " ".join(re.sub(r"[-().]", " ", phone).split())
    out = {
        "name": _text(person.get("name")),
        "email": _text(obj.get("email")) or _text(person.get("email")),
        "phone": phone,
        "website": _text(obj.get(url_key)),
    }
    return {k: v for k, v in out.items() if v is not None} or None


def _read_org(org: Mapping[str, Any]) -> dict[str, Any]:
    """Only what the source states, so an import never blanks fields of an
    organisation we already hold."""
    fm = _fm_values(org)
    cvr = None
    for ident in _maps(org.get("organization_identifiers")):
        scheme = f"{ident.get('identifier_scheme') or ''} {ident.get('identifier_type') or ''}".upper()
        if "CVR" in scheme:
            cvr = re.sub(r"^DK-?|\s", "", str(ident.get("identifier") or ""), flags=re.IGNORECASE) or None
            break
    out = {
        "id": fm.get("native_id") if fm else _text(org.get("id")),
        "name": _text(org.get("name")),
        "type": fm.get("organisation_type"),
        "description": org.get("description"),
        "contact": _read_contact(org, "website"),
        "cvr": cvr,
    }
    return {k: v for k, v in out.items() if v is not None}


def _read_schedule(svc: Mapping[str, Any], sals: list[Mapping[str, Any]], warn: list[str]) -> dict[str, Any] | None:
    """Weekly rules with interval 1 become slots. Monthly or fortnightly rules
    have no place in our weekly model and are reported, not approximated."""
    rules = _maps(svc.get("schedules"))
    if not rules:  # other publishers may attach schedules to the place instead
        for sal in sals:
            rules += _maps(sal.get("schedules")) + _maps(_obj(sal.get("location")).get("schedules"))
    if not rules:
        return None
    slots: list[dict[str, Any]] = []
    starts: list[str | None] = []
    ends: list[str | None] = []
    for rule in rules:
        starts.append(_day(rule.get("valid_from")))
        ends.append(_day(rule.get("valid_to")))
        days = [d.strip().upper() for d in str(rule.get("byday") or "").split(",") if d.strip()]
        if not days:
            continue
        opens, closes = _hhmm(rule.get("opens_at")), _hhmm(rule.get("closes_at"))
        freq, interval = str(rule.get("freq") or "WEEKLY").upper(), _whole(rule.get("interval") or 1)
        if freq != "WEEKLY" or interval != 1 or not set(days) <= set(RRULE_DAYS) or not (opens and closes):
            warn.append(
                f"schedule {rule.get('id') or '?'} ({freq}, interval {interval}, byday {rule.get('byday')}, "
                f"{rule.get('opens_at')}-{rule.get('closes_at')}) is not a weekly time slot; left out"
            )
            continue
        slots += [{"weekday": RRULE_DAYS.index(d) + 1, "start": opens, "end": closes} for d in days]
    return {
        "slots": slots,
        "valid_from": min(d for d in starts if d) if all(starts) else None,
        "valid_to": max(d for d in ends if d) if all(ends) else None,
    }


def _read_location(locations: list[Mapping[str, Any]]) -> dict[str, Any]:
    """The first physical location gives address and point; any virtual one means online."""
    location: dict[str, Any] = {"online": any(lc.get("location_type") == "virtual" for lc in locations)}
    physical = next((lc for lc in locations if lc.get("location_type") != "virtual"), None)
    if physical is not None:
        addresses = _maps(physical.get("addresses"))
        addr = next((a for a in addresses if a.get("address_type") != "postal"), addresses[0] if addresses else {})
        postcode = _text(addr.get("postal_code"))
        location["address"] = ", ".join(filter(None, [_text(addr.get("address_1")), _text(addr.get("address_2"))]))
        location["postcode"] = re.sub(r"^DK-?|\s", "", postcode, flags=re.IGNORECASE) if postcode else None
        location.update(town=_text(addr.get("city")), lat=physical.get("latitude"), lon=physical.get("longitude"))
    return {k: v for k, v in location.items() if v is not None and v != ""}


def _read_cost(svc: Mapping[str, Any], per: str | None, warn: list[str]) -> dict[str, Any] | None:
    """The first priced option; the period from our attribute, else from its text."""
    options = [c for c in _maps(svc.get("cost_options")) if c.get("amount") is not None]
    if not options:
        return None
    opt = options[0]
    currency = str(opt.get("currency") or CURRENCY).upper()
    if currency != CURRENCY:
        warn.append(f"cost in {currency} left out; only DKK is supported")
        return None
    text = f"{opt.get('option') or ''} {opt.get('amount_description') or ''}".casefold()
    per = per or next((p for p, pattern in _PER_KEYWORDS if re.search(pattern, text)), "gang")
    return {"amount_dkk": opt["amount"], "per": per}


def _service_record(
    svc: Mapping[str, Any], known: Mapping[str, str], warn: list[str]
) -> tuple[dict[str, Any], dict[str, str]]:
    fm = _fm_values(svc)
    ours = bool(fm)
    sals = _maps(svc.get("service_at_locations"))
    locations = [_obj(s.get("location")) for s in sals if isinstance(s.get("location"), Mapping)]
    languages = _maps(svc.get("languages")) or [lang for lc in locations for lang in _maps(lc.get("languages"))]
    categories, labels = _categories(svc, known)
    if not ours:  # places from HSDS 3.1 capacities, if the publisher has them
        capacity = next(iter(_maps(svc.get("capacities"))), {})
        fm.update(places_available=_whole(capacity.get("available")), places_total=_whole(capacity.get("maximum")))
    status = _text(svc.get("status"))
    org = svc.get("organization")
    record = {
        "id": fm.get("native_id") if ours else _text(svc.get("id")),
        "kind": fm.get("kind") or "activity",
        "title": _text(svc.get("name")),
        "description": svc.get("description") or "",
        "organisation": _read_org(org) if isinstance(org, Mapping) else None,
        "categories": categories,
        "location": _read_location(locations),
        "schedule": _read_schedule(svc, sals, warn),
        "cost": _read_cost(svc, fm.get("cost_per"), warn),
        "accessibility": _accessibility(locations, warn),
        "languages": list(dict.fromkeys(filter(None, map(_language, languages)))) or None,
        "age_min": _whole(svc.get("minimum_age")),
        "age_max": _whole(svc.get("maximum_age")),
        **{k: fm.get(k) for k in _SERVICE_TERMS if k not in ("native_id", "kind", "cost_per")},
        "status": STATUS_FROM_HSDS.get(status.lower(), status) if status else None,
        "last_verified": _day(svc.get("assured_date")),
        "contact": _read_contact(svc, "url"),
    }
    return {k: v for k, v in record.items() if v is not None}, labels


def _to_parsed(
    services: Iterable[tuple[int | None, Mapping[str, Any]]],
    known: Mapping[str, str] | None,
    fmt: str,
    warnings: list[str] | None = None,
) -> ParsedFile:
    known = dict(known or DEFAULT_CATEGORIES)
    records: list[RawRecord] = []
    found: dict[str, str] = {}
    warnings = list(warnings or [])
    for pos, (line, svc) in enumerate(services, start=1):
        warn: list[str] = []
        record, labels = _service_record(svc, known, warn)
        records.append(RawRecord(record, line=line))
        found.update(labels)
        warnings += [f"record {pos} ({svc.get('id') or svc.get('name') or '?'}): {w}" for w in warn]
    categories = {code: label for code, label in found.items() if code not in DEFAULT_CATEGORIES}
    return ParsedFile(records, categories, {"format": fmt, "warnings": warnings})


def services_to_records(
    services: Iterable[Mapping[str, Any]], *, known_categories: Mapping[str, str] | None = None
) -> ParsedFile:
    """HSDS services as native raw records for ``Store.import_offers``.

    ``known_categories`` (code -> label, default: the default taxonomy) is what
    other publishers' taxonomy terms are matched against; ``categories`` of
    the result holds the labels of codes from our own category taxonomy.
    """
    return _to_parsed(((None, s) for s in services), known_categories, "hsds")


def read_hsds_json(source: str | bytes | Any, *, known_categories: Mapping[str, str] | None = None) -> ParsedFile:
    """A single service, a list of services or a paged ``/services`` envelope."""
    doc = source
    if isinstance(source, (str, bytes, bytearray)):
        try:
            doc = json.loads(source)
        except UnicodeDecodeError:
            raise FileFormatError("The HSDS file is not UTF-8 text.") from None
        except json.JSONDecodeError as exc:
            raise FileFormatError(f"Not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.") from None
    warnings = []
    if isinstance(doc, Mapping) and "contents" in doc:
        services = doc["contents"]
        if not isinstance(services, list):
            raise FileFormatError('"contents" of an HSDS page must be a list of services.')
        if isinstance(doc.get("total_pages"), int) and doc["total_pages"] > 1:
            warnings.append(
                f"page {doc.get('page_number')} of {doc['total_pages']}: only this page's services were read"
            )
    elif isinstance(doc, Mapping) and "offers" in doc:
        raise FileFormatError('This is a native Fællesskabsmatch file ("offers"), not HSDS; import it as json.')
    elif isinstance(doc, Mapping) and ("id" in doc or "name" in doc):
        services = [doc]
    elif isinstance(doc, list):
        services = doc
    else:
        raise FileFormatError('HSDS JSON must be a service, a list of services, or a page with "contents".')
    for pos, svc in enumerate(services, start=1):
        if not isinstance(svc, Mapping):
            raise FileFormatError(f"Service {pos} is not a JSON object.")
    return _to_parsed(((None, s) for s in services), known_categories, "hsds", warnings)


# -- tabular datapackage --------------------------------------------------------------

#: Tables we write, in the order of the HSDS tabular layout: name -> (file, columns).
TABLES: dict[str, tuple[str, str]] = {
    "organization": (
        "organizations.csv",
        "id name alternate_name description email website tax_status tax_id "
        "year_incorporated legal_status logo uri parent_organization_id",
    ),
    "service": (
        "services.csv",
        "id organization_id program_id name alternate_name description url email status "
        "interpretation_services application_process fees_description wait_time fees accreditations "
        "eligibility_description minimum_age maximum_age assured_date assurer_email licenses alert last_modified",
    ),
    "attribute": ("attributes.csv", "id link_id taxonomy_term_id link_type link_entity value"),
    "service_at_location": ("service_at_location.csv", "id service_id location_id description"),
    "location": (
        "locations.csv",
        "id location_type url organization_id name alternate_name description transportation "
        "latitude longitude external_identifier external_identifier_type",
    ),
    "phone": (
        "phones.csv",
        "id location_id service_id organization_id contact_id service_at_location_id number extension type description",
    ),
    "contact": (
        "contacts.csv",
        "id organization_id service_id service_at_location_id location_id name title department email",
    ),
    "address": (
        "addresses.csv",
        "id location_id attention address_1 address_2 city region state_province postal_code country address_type",
    ),
    "schedule": (
        "schedules.csv",
        "id service_id location_id service_at_location_id valid_from valid_to dtstart timezone "
        "until count wkst freq interval byday byweekno bymonthday byyearday description opens_at closes_at "
        "schedule_link attending_type notes",
    ),
    "language": ("languages.csv", "id service_id location_id phone_id name code note"),
    "accessibility": ("accessibility.csv", "id location_id description details url"),
    "taxonomy_term": (
        "taxonomy_terms.csv",
        "id code name description parent_id taxonomy language taxonomy_id term_uri",
    ),
    "cost_option": ("cost_options.csv", "id service_id valid_from valid_to option currency amount amount_description"),
    "organization_identifier": (
        "organization_identifiers.csv",
        "id organization_id identifier_scheme identifier_type identifier",
    ),
    "taxonomy": ("taxonomies.csv", "id name description uri version"),
}
COLUMNS = {name: cols.split() for name, (_, cols) in TABLES.items()}
#: Nested lists: parent table -> (JSON key, child table, column pointing at the parent).
CHILDREN: dict[str, list[tuple[str, str, str]]] = {
    "service": [
        ("service_at_locations", "service_at_location", "service_id"),
        ("schedules", "schedule", "service_id"),
        ("cost_options", "cost_option", "service_id"),
        ("languages", "language", "service_id"),
        ("phones", "phone", "service_id"),
        ("contacts", "contact", "service_id"),
        ("attributes", "attribute", "link_id"),
    ],
    "organization": [
        ("phones", "phone", "organization_id"),
        ("contacts", "contact", "organization_id"),
        ("organization_identifiers", "organization_identifier", "organization_id"),
        ("attributes", "attribute", "link_id"),
    ],
    "service_at_location": [("schedules", "schedule", "service_at_location_id")],
    "location": [
        ("addresses", "address", "location_id"),
        ("accessibility", "accessibility", "location_id"),
        ("languages", "language", "location_id"),
        ("phones", "phone", "location_id"),
        ("schedules", "schedule", "location_id"),
        ("attributes", "attribute", "link_id"),
    ],
    "contact": [("phones", "phone", "contact_id")],
}
#: Nested single objects: table -> (JSON key, referenced table, column holding its id).
REFS = {
    "service": ("organization", "organization", "organization_id"),
    "service_at_location": ("location", "location", "location_id"),
    "attribute": ("taxonomy_term", "taxonomy_term", "taxonomy_term_id"),
    "taxonomy_term": ("taxonomy_detail", "taxonomy", "taxonomy_id"),
}
#: Numeric columns we read (others, e.g. ``count``, stay text: nothing here interprets them).
_NUMBERS = {"latitude", "longitude", "amount", "minimum_age", "maximum_age", "interval", "extension"}
_DATES = {"valid_from", "valid_to", "dtstart", "until", "assured_date"}
_URIS = {"url", "website", "uri", "term_uri", "schedule_link"}


def _flatten(
    table: str, obj: Mapping[str, Any], rows: dict[str, dict[str, dict[str, Any]]], fk: Mapping[str, str]
) -> None:
    if str(obj.get("id")) in rows[table]:
        return
    row = {c: obj[c] for c in COLUMNS[table] if obj.get(c) is not None} | dict(fk)
    if table in REFS and isinstance(obj.get(REFS[table][0]), Mapping):
        key, ref_table, column = REFS[table]
        row[column] = obj[key]["id"]
        _flatten(ref_table, obj[key], rows, {})
    rows[table][str(obj.get("id"))] = row
    for key, child, column in CHILDREN.get(table, []):
        link = {"link_entity": table} if child == "attribute" else {}
        for item in _maps(obj.get(key)):
            _flatten(child, item, rows, {column: obj["id"], **link})


def _field(column: str) -> dict[str, Any]:
    if column in _NUMBERS:
        return {"name": column, "type": "number"}
    if column in _DATES:
        return {"name": column, "type": "date"}
    if column in ("opens_at", "closes_at"):
        return {"name": column, "type": "time", "format": "%H:%M"}
    if column == "last_modified":
        return {"name": column, "type": "datetime"}
    fmt = {"id": "uuid", "email": "email"}.get(column.rpartition("_")[2]) or ("uri" if column in _URIS else None)
    return {"name": column, "type": "string", **({"format": fmt} if fmt else {})}


def _resource(table: str) -> dict[str, Any]:
    keys = [
        {"fields": c, "reference": {"resource": c.removesuffix("_id"), "fields": "id"}}
        for c in COLUMNS[table]
        if c.endswith("_id") and c.removesuffix("_id") in TABLES
    ]
    schema = {"fields": [_field(c) for c in COLUMNS[table]], "primaryKey": "id", "foreignKeys": keys}
    return {
        "name": table,
        "path": TABLES[table][0],
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": schema,
    }


def write_datapackage(offers: Iterable[Mapping[str, Any]], categories: Mapping[str, str], folder: Path) -> None:
    """The HSDS tabular layout: one CSV per table plus ``datapackage.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    rows: dict[str, dict[str, dict[str, Any]]] = {t: {} for t in TABLES}
    for service in export_services(offers, categories):
        _flatten("service", service, rows, {})
    for table, (path, _) in TABLES.items():
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=COLUMNS[table], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows[table].values())
        (folder / path).write_text(buf.getvalue(), encoding="utf-8")
    package = {
        "name": "faellesskabsmatch-hsds",
        "title": "Fællesskabsmatch: fællesskaber og tilbud (HSDS 3.0)",
        "description": "Tabular HSDS 3.0 (Open Referral Human Services Data Specification). Fields HSDS lacks are "
        f"attributes with terms of the taxonomies {FM_TAXONOMY_NAME} and {CATEGORY_TAXONOMY_NAME}.",
        "profile": "tabular-data-package",
        "resources": [_resource(t) for t in TABLES],
    }
    (folder / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _number(cell: str) -> Any:
    """CSV number cells as int or float; anything else stays text for validation to name."""
    if re.fullmatch(r"-?\d+", cell):
        return int(cell)
    return float(cell) if re.fullmatch(r"-?\d+\.\d*([eE][-+]?\d+)?|-?\d+[eE][-+]?\d+", cell) else cell


def _read_table(path: Path) -> list[tuple[int, dict[str, Any]]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise FileFormatError(f"Cannot read {path.name}: {exc.strerror or exc}.") from None
    except UnicodeDecodeError as exc:
        raise FileFormatError(f"{path.name} is not UTF-8 (byte {exc.start}).") from None
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    out = []
    try:
        if "id" not in (reader.fieldnames or []):
            raise FileFormatError(f"{path.name} has no id column (header: {', '.join(reader.fieldnames or [])}).")
        for row in reader:
            if None in row:
                raise FileFormatError(f"{path.name} line {reader.line_num} has more cells than the header.")
            cells = {k: _number(v) if k in _NUMBERS else v for k, v in row.items() if v != ""}
            if cells:
                out.append((reader.line_num, cells))
    except csv.Error as exc:
        raise FileFormatError(f"{path.name} line {reader.line_num}: {exc}.") from None
    return out


def _nest(
    table: str,
    row: Mapping[str, Any],
    by_id: dict[str, dict[str, dict[str, Any]]],
    by_fk: dict[tuple[str, str], dict[str, list[Any]]],
) -> dict[str, Any]:
    obj = dict(row)
    if table in REFS:
        key, ref_table, column = REFS[table]
        ref = by_id[ref_table].get(str(row.get(column)))
        if ref is not None:
            obj[key] = _nest(ref_table, ref, by_id, by_fk)
    for key, child, column in CHILDREN.get(table, []):
        items = by_fk.get((child, column), {}).get(str(row.get("id")), [])
        if items:
            obj[key] = [_nest(child, item, by_id, by_fk) for item in items]
    return obj


def read_datapackage(folder: Path, *, known_categories: Mapping[str, str] | None = None) -> ParsedFile:
    """Read an HSDS tabular datapackage (ours or another publisher's) by joining the CSVs on ids."""
    folder = Path(folder)
    spec = folder / "datapackage.json"
    if not spec.is_file():
        raise FileFormatError(
            f"{folder.name or folder} has no datapackage.json; an HSDS datapackage is a folder "
            "with datapackage.json and CSV files such as services.csv."
        )
    try:
        package = json.loads(spec.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FileFormatError(f"datapackage.json cannot be read: {exc}.") from None
    resources = package.get("resources") if isinstance(package, Mapping) else None
    if not isinstance(resources, list):
        raise FileFormatError('datapackage.json has no "resources" list.')
    by_file = {path: name for name, (path, _) in TABLES.items()} | {"service_at_locations.csv": "service_at_location"}
    paths: dict[str, Path] = {}
    for res in _maps(resources):
        rel = res.get("path")
        if not isinstance(rel, str) or PurePosixPath(rel).is_absolute() or ".." in PurePosixPath(rel).parts:
            raise FileFormatError(
                f"Resource {res.get('name')!r} in datapackage.json needs a relative file path inside the folder."
            )
        table = res.get("name") if res.get("name") in TABLES else by_file.get(PurePosixPath(rel).name)
        if table:
            paths[table] = folder / rel
    if "service" not in paths:
        raise FileFormatError("datapackage.json lists no services resource (services.csv).")
    tables = {t: _read_table(p) for t, p in paths.items()}
    by_id = {t: {str(r["id"]): r for _, r in tables.get(t, []) if "id" in r} for t in TABLES}
    by_fk: dict[tuple[str, str], dict[str, list[Any]]] = {}
    for _, child, column in (link for links in CHILDREN.values() for link in links):
        index = by_fk.setdefault((child, column), {})
        for _, row in tables.get(child, []):
            if column in row:
                index.setdefault(str(row[column]), []).append(row)
    services = [(line, _nest("service", row, by_id, by_fk)) for line, row in tables["service"]]
    return _to_parsed(services, known_categories, "hsds-datapackage")


__all__ = [
    "CATEGORY_TAXONOMY_NAME",
    "FM_TAXONOMY_NAME",
    "NAMESPACE",
    "export_document",
    "export_organizations",
    "export_services",
    "offer_to_service",
    "read_datapackage",
    "read_hsds_json",
    "services_to_records",
    "write_datapackage",
]
