"""Flatten a catalogue offer into one search document.

Everything the matcher filters on is derived here, once, at index time, so
that both backends filter on identical values instead of each re-deriving
them from the offer (where they could drift apart).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np

from catalogue.costs import monthly_cost
from catalogue.gazetteer import Gazetteer, default_gazetteer
from catalogue.predicates import has_daytime_slot, has_evening_slot, is_language_learning
from catalogue.schedule import schedule_end
from catalogue.taxonomy import ACCESSIBILITY, DEFAULT_CATEGORIES, OFFER_KINDS

#: Stand-in for "no upper age limit", so that age filters are plain ranges.
AGE_MAX_OPEN = 150


@dataclass
class SearchDocument:
    """One offer as the search backends see it."""

    id: str
    title: str
    text: str  # the one BM25 field: the title twice (a boost), description, organisation, labels
    embedding_text: str  # what the embedding model reads
    organisation_id: str
    organisation_name: str
    kind: str
    status: str
    categories: list[str]
    languages: list[str]
    age_min: int
    age_max: int
    has_places: bool
    places_available: int | None
    monthly_cost: float | None  # DKK a month; None when the price is unknown (catalogue.costs)
    wheelchair: bool  # wheelchair-accessible or step-free
    step_free: bool
    hearing_loop: bool
    near_public_transport: bool
    transport_offered: bool
    companion_available: bool
    newcomers_welcome: bool
    language_learning: bool
    group_size: str  # small, medium, large or unknown
    has_daytime_slot: bool
    has_evening_slot: bool
    by_arrangement: bool  # no fixed slots: times are agreed (besøgsven, ledsager)
    weekdays: list[int]
    slot_hours: list[str]  # "2-10" = some slot covers Tuesday 10:00-10:59
    online: bool
    lat: float | None
    lon: float | None
    area: str  # "mainland", "anholt" (an island) or "online"
    town: str | None
    last_verified: str | None
    valid_to: str | None
    updated_at: str | None
    content_hash: str
    embedding: np.ndarray | None = field(default=None, repr=False, compare=False)

    def to_source(self) -> dict[str, Any]:
        """JSON-safe fields, without the embedding."""
        out = asdict(self)
        out.pop("embedding")
        return out


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def build_document(
    offer: Mapping[str, Any],
    categories: Mapping[str, str] | None = None,
    gazetteer: Gazetteer | None = None,
) -> SearchDocument:
    """Derive the search document of an offer (a canonical catalogue dict)."""
    labels = {**DEFAULT_CATEGORIES, **(categories or {})}
    cat_labels = [labels.get(c, c) for c in offer["categories"]]
    org = offer["organisation"]
    title, description = offer["title"], offer.get("description") or ""
    text = "\n".join([title, title, description, org["name"], " ".join(cat_labels), OFFER_KINDS[offer["kind"]]])
    embedding_text = f"{title}. {description} Arrangør: {org['name']}. Emner: {', '.join(cat_labels)}."
    loc = offer["location"]
    slots = (offer.get("schedule") or {}).get("slots") or []
    access = set(offer.get("accessibility") or [])
    available = offer.get("places_available")
    lat, lon = loc.get("lat"), loc.get("lon")
    if loc.get("online") and lat is None:
        area = "online"
    elif lat is not None and (gazetteer or default_gazetteer()).is_island(lat, lon):
        area = "anholt"
    else:
        area = "mainland"
    return SearchDocument(
        id=offer["id"],
        title=title,
        text=text,
        embedding_text=embedding_text,
        organisation_id=org["id"],
        organisation_name=org["name"],
        kind=offer["kind"],
        status=offer["status"],
        categories=list(offer["categories"]),
        languages=list(offer.get("languages") or []),
        age_min=offer.get("age_min") or 0,
        age_max=AGE_MAX_OPEN if offer.get("age_max") is None else offer["age_max"],
        has_places=available is None or available > 0,
        places_available=available,
        monthly_cost=monthly_cost(offer.get("cost")),
        wheelchair=bool(access & {"wheelchair", "step_free"}),
        step_free="step_free" in access,
        hearing_loop="hearing_loop" in access,
        near_public_transport="near_public_transport" in access,
        transport_offered=bool(offer.get("transport_offered")),
        companion_available=bool(offer.get("companion_available")),
        newcomers_welcome=bool(offer.get("newcomers_welcome")),
        language_learning=is_language_learning(f"{title} {description}"),
        group_size=offer.get("group_size") or "unknown",
        has_daytime_slot=has_daytime_slot(slots),
        has_evening_slot=has_evening_slot(slots),
        by_arrangement=not slots,
        # A slot's times count whatever its frequency; a day-of-the-month slot (no weekday) has no
        # weekday hours, so it never meets a weekday window (we cannot say which weekday it falls on).
        weekdays=sorted({int(s["weekday"]) for s in slots if s.get("weekday") is not None}),
        slot_hours=sorted(
            {
                f"{s['weekday']}-{h:02d}"
                for s in slots
                if s.get("weekday") is not None
                for h in _hours(s["start"], s["end"])
            }
        ),
        online=bool(loc.get("online")),
        lat=lat,
        lon=lon,
        area=area,
        town=loc.get("town"),
        last_verified=_iso(offer.get("last_verified")),
        valid_to=_iso(schedule_end(offer.get("schedule"))),  # the season, or the slots' own end
        updated_at=_iso(offer.get("updated_at")),
        content_hash=content_hash(embedding_text),
    )


def _hours(start: str, end: str) -> range:
    """Hours a slot touches: 10:00-12:00 touches 10 and 11; 10:30-11:15 touches 10 and 11."""
    sh, _ = map(int, start.split(":"))
    eh, em = map(int, end.split(":"))
    return range(sh, eh + (1 if em > 0 else 0))


def _iso(value: date | datetime | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value.isoformat()


#: Field name -> kind, for every field a filter may name. Both backends map
#: their columns from this table.
FILTER_FIELDS: dict[str, str] = {
    "id": "keyword",
    "organisation_id": "keyword",
    "kind": "keyword",
    "status": "keyword",
    "group_size": "keyword",
    "area": "keyword",
    "town": "keyword",
    "categories": "keyword_list",
    "languages": "keyword_list",
    "weekdays": "int_list",
    "slot_hours": "keyword_list",
    "age_min": "int",
    "age_max": "int",
    "places_available": "int",
    "monthly_cost": "float",
    "has_places": "bool",
    "wheelchair": "bool",
    "step_free": "bool",
    "hearing_loop": "bool",
    "near_public_transport": "bool",
    "transport_offered": "bool",
    "companion_available": "bool",
    "newcomers_welcome": "bool",
    "language_learning": "bool",
    "has_daytime_slot": "bool",
    "has_evening_slot": "bool",
    "by_arrangement": "bool",
    "online": "bool",
    "last_verified": "date",
    "valid_to": "date",
}

ACCESSIBILITY_CODES = tuple(ACCESSIBILITY)
