"""The citizen's plan: chosen offers in plain Danish, to print and take home.

:func:`plan_items` turns stored offers into :class:`PlanItem` s: what it is,
where, when (the weekly times and the next dates), the price, who to
contact, whether a companion can come, and how to get there. Nothing about
the citizen goes in: the plan is made from the catalogue only, and nothing
is stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from catalogue.store import Store

from .explain import danish_date, next_slots, price_phrase, schedule_phrase

#: The most offers one plan holds (a plan is a short list to take home, not a catalogue).
MAX_ITEMS: Final = 10


@dataclass(frozen=True)
class PlanItem:
    """One offer on the plan, every field plain Danish text (or empty lists)."""

    offer_id: str
    title: str
    organisation: str
    what: str  # the offer's description
    where: str  # "Online" or "Address, postcode town"
    when: str  # "hver tirsdag formiddag kl. 10.00–12.00"
    next_dates: list[str]  # ["tirsdag 3. december kl. 10.00", ...]
    price: str
    contact: list[str]  # "Telefon 86 00 00 00", "E-mail x@y.example", "Hjemmeside https://..."
    companion: str
    getting_there: list[str] = field(default_factory=list)


def plan_items(store: Store, offer_ids: Iterable[str], today: date) -> list[PlanItem]:
    """The plan's items in the order given; unknown or retired ids are left out (at most :data:`MAX_ITEMS`)."""
    wanted = list(dict.fromkeys(offer_ids))[:MAX_ITEMS]
    offers = store.get_offers(wanted)
    return [plan_item(offers[i], today) for i in wanted if i in offers and offers[i].get("status") != "retired"]


def plan_item(offer: Mapping[str, Any], today: date) -> PlanItem:
    """One stored offer (an ``OfferRecord``) as a plan item, with its next three dates from ``today``."""
    slots = (offer.get("schedule") or {}).get("slots") or []
    times = sorted({f"kl. {_clock(s['start'])}–{_clock(s['end'])}" for s in slots})
    when = schedule_phrase(slots) + (f" ({', '.join(times)})" if times else "")
    upcoming = [
        f"{s['weekday']} {danish_date(date.fromisoformat(s['date']))} kl. {_clock(s['start'])}"
        for s in next_slots(offer, today)
    ]
    organisation = offer.get("organisation") or {}
    return PlanItem(
        offer_id=str(offer["id"]),
        title=str(offer["title"]),
        organisation=str(organisation.get("name", "")),
        what=str(offer.get("description") or ""),
        where=_where(offer.get("location") or {}),
        when=when,
        next_dates=upcoming,
        price=price_phrase(offer.get("cost")),
        contact=_contact(offer.get("contact") or organisation.get("contact") or {}),
        companion=(
            "Du må gerne tage en ledsager med, og foreningen kan hjælpe med at finde en."
            if offer.get("companion_available")
            else "Spørg foreningen, om du må tage en ledsager med."
        ),
        getting_there=_getting_there(offer),
    )


def _clock(hhmm: str) -> str:
    return hhmm.replace(":", ".")


def _where(location: Mapping[str, Any]) -> str:
    if location.get("online"):
        return "Online (du får et link af foreningen)"
    town = " ".join(p for p in (location.get("postcode"), location.get("town")) if p)
    parts = [p for p in (location.get("address"), town) if p]
    return ", ".join(parts) or "Stedet er ikke oplyst – spørg foreningen"


def _contact(contact: Mapping[str, Any]) -> list[str]:
    out = []
    for key, label in (("name", "Kontaktperson"), ("phone", "Telefon"), ("email", "E-mail"), ("website", "Hjemmeside")):
        if contact.get(key):
            out.append(f"{label}: {contact[key]}")
    return out or ["Kontaktoplysninger er ikke oplyst"]


def _getting_there(offer: Mapping[str, Any]) -> list[str]:
    location = offer.get("location") or {}
    if location.get("online"):
        return ["Du deltager hjemmefra på computer, tablet eller telefon."]
    access = set(offer.get("accessibility") or [])
    out = []
    if offer.get("transport_offered"):
        out.append("Foreningen tilbyder kørsel – aftal det med dem.")
    if "near_public_transport" in access:
        out.append("Der er bus eller tog tæt på. Find afgange på rejseplanen.dk.")
    if "parking" in access:
        out.append("Der er parkering.")
    if "wheelchair" in access or "step_free" in access:
        out.append("Der er adgang uden trin.")
    return out or ["Spørg foreningen, hvordan du bedst kommer derhen."]
