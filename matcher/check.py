"""The independent check of the hard rules on one catalogue offer.

:mod:`matcher.rules` states the rules as filter clauses for the search
backends; this module states them again in plain Python on the store's
offer, so that a mistake in either shows up as a disagreement (a test holds
the two to the same answers over the whole demo catalogue). It deliberately
imports nothing from the indexer: the shared predicates come from
:mod:`catalogue.predicates`, distances from :mod:`catalogue.geo`.

Two readings of the rules, chosen for what a navigator would expect:
- offers without fixed times pass the time-of-day rules: "efter aftale"
  (e.g. a besøgsven), since the time is agreed with the citizen, and "unknown"
  (no times stated), which the explanation says ("tidspunkt ikke oplyst");
- a slot counts with its times whatever its frequency: "første tirsdag i
  måneden kl. 19-21" is an evening slot, never daytime;
- online offers pass the place-bound rules (distance, no car, wheelchair);
- an offer none of whose places has a point (its town is known by name only,
  :mod:`catalogue.gazetteer`) passes the distance rule, with a caution
  ("Afstanden er ukendt"), as an unknown price passes the cost rule; the no-car
  rule still asks for a sign that it can be reached (transport, bus, or near).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Final

from catalogue.costs import monthly_cost
from catalogue.gazetteer import default_gazetteer
from catalogue.geo import nearest_place
from catalogue.predicates import has_daytime_slot, has_evening_slot, is_language_learning
from catalogue.schedule import schedule_end

from .request import MatchRequest, Window

#: The monthly cost ceiling (DKK) for a citizen with the ``low_income`` barrier
#: and no explicit ceiling.
LOW_INCOME_MONTHLY_DKK: Final = 100.0
#: Without a car, an offer this close (km) is reachable even without transport.
NO_CAR_KM: Final = 5.0


def cost_limit(req: MatchRequest) -> float | None:
    """The monthly cost ceiling in DKK, if any."""
    if req.max_monthly_cost_dkk is not None:
        return req.max_monthly_cost_dkk
    return LOW_INCOME_MONTHLY_DKK if req.has("low_income") else None


def window_hours(window: Window) -> list[str]:
    """The hour buckets a citizen's window touches, as in ``SearchDocument.slot_hours``.

    A window 09:00-11:00 touches hours 9 and 10; it overlaps a slot when they
    share an hour (an hour's resolution is what a navigator's form gives)."""
    sh = int(window.start[:2])
    eh, em = int(window.end[:2]), int(window.end[3:])
    return [f"{window.weekday}-{h:02d}" for h in range(sh, eh + (1 if em > 0 else 0))]


def violations(req: MatchRequest, offer: Mapping[str, Any], today: date) -> list[str]:
    """Names of the hard rules this catalogue offer breaks for this request."""
    broken: list[str] = []
    loc = offer["location"]
    online = bool(loc.get("online"))
    has_point = loc.get("lat") is not None  # the main location (the island rule reads it)
    schedule = offer.get("schedule") or {}
    slots = schedule.get("slots") or []
    access = set(offer.get("accessibility") or [])
    if offer["status"] != "active":
        broken.append("status")
    valid_to = schedule_end(schedule)  # the season, or the end of every slot's own rule
    if valid_to is not None and str(valid_to)[:10] < today.isoformat():
        broken.append("season")
    if offer.get("places_available") == 0:
        broken.append("full")
    if req.age is not None:
        low = offer.get("age_min") or 0
        high = offer.get("age_max")
        if req.age < low or (high is not None and req.age > high):
            broken.append("age")
    if req.lat is not None and req.lon is not None:
        nearest = nearest_place(offer, req.lat, req.lon)  # of all the offer's places
        dist = nearest[1] if nearest else None
        if not online and dist is not None and dist > req.max_distance_km:  # no point at all: unknown, passes
            broken.append("distance")
        # the island is read from the main location, as the index does (indexer.documents: area)
        offer_on_island = loc.get("lat") is not None and default_gazetteer().is_island(loc["lat"], loc["lon"])
        if not (online and not has_point) and offer_on_island != req.on_island:
            broken.append("island")
        if req.has("no_car") and not (
            online
            or offer.get("transport_offered")
            or "near_public_transport" in access
            or (dist is not None and dist <= NO_CAR_KM)
        ):
            broken.append("no_car")
    if req.has("wheelchair_user") and not (online or access & {"wheelchair", "step_free"}):
        broken.append("wheelchair_user")
    limit = cost_limit(req)
    monthly = monthly_cost(offer.get("cost"))
    if limit is not None and monthly is not None and monthly > limit:  # unknown passes, with a caution
        broken.append("cost")
    if req.has("daytime_only") and slots and not has_daytime_slot(slots):
        broken.append("daytime_only")
    if req.has("evenings_only") and slots and not has_evening_slot(slots):
        broken.append("evenings_only")
    if req.availability and slots and not any(_overlaps_hour(s, w) for s in slots for w in req.availability):
        broken.append("availability")
    if (
        req.has("non_danish_speaker")
        and req.language not in (offer.get("languages") or [])
        and not is_language_learning(f"{offer['title']} {offer.get('description') or ''}")
    ):
        broken.append("language")
    if req.kinds and offer["kind"] not in req.kinds:
        broken.append("kind")
    if req.categories and not set(offer["categories"]) & set(req.categories):
        broken.append("category")
    return broken


def _overlaps_hour(slot: Mapping[str, Any], window: Window) -> bool:
    """Same weekday and a shared clock hour (the resolution of ``window_hours``)."""
    if slot.get("weekday") is None or int(slot["weekday"]) != window.weekday:  # a day of the month: no weekday
        return False
    slot_hours = set(range(int(slot["start"][:2]), int(slot["end"][:2]) + (1 if slot["end"][3:] != "00" else 0)))
    return bool(slot_hours & {int(h.split("-")[1]) for h in window_hours(window)})
