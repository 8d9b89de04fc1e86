"""Plain-Danish explanations for each result.

A navigator reads these aloud with the citizen, so they are short, concrete
and tied to what the citizen said: why it fits (``reasons``), which barriers
it meets (``accommodations``), and what to check first (``cautions``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any, Final

from catalogue.costs import describe, is_free, monthly_cost
from catalogue.languages import name_da
from catalogue.schedule import occurrences, schedule_text
from catalogue.schedule.phrases import exceptions_phrase, is_plain_weekly
from catalogue.taxonomy import WEEKDAYS_DA
from indexer.analysis import analyze, tokens
from indexer.documents import SearchDocument

from .interests import Inference
from .request import MatchRequest

MONTHS_DA = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)
STALE_MONTHS = 12

#: Words navigators' notes are full of, which say nothing about the topic.
GENERIC_WORDS = frozenset(
    [
        "komme",
        "kommer",
        "kom",
        "gerne",
        "godt",
        "meget",
        "mere",
        "mest",
        "lidt",
        "bare",
        "altid",
        "aldrig",
        "savner",
        "savne",
        "savnet",
        "lide",
        "lider",
        "holde",
        "holdt",
        "holder",
        "mand",
        "kone",
        "manden",
        "konen",
        "børn",
        "andre",
        "anden",
        "ting",
        "gøre",
        "gør",
        "gjort",
        "hjemme",
        "hjem",
        "ude",
        "tid",
        "tiden",
        "dag",
        "dage",
        "gang",
        "gange",
        "år",
        "årig",
        "årige",
        "uge",
        "ugen",
        "plads",
        "føler",
        "føle",
        "følt",
        "svært",
        "svær",
        "nogen",
        "noget",
        "nogle",
        "ønsker",
        "ønske",
        "vil",
        "ville",
        "kunne",
        "kan",
        "måske",
        "lige",
        "stadig",
        "efter",
        "siden",
        "blevet",
        "været",
        "gået",
        "tage",
        "tager",
        "fået",
        "får",
        "have",
        "haft",
    ]
)


def day_part(start: str) -> str:
    hour = int(start[:2])
    if hour < 12:
        return "formiddag"
    if hour < 17:
        return "eftermiddag"
    return "aften"


def schedule_phrase(schedule: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> str:
    """'hver tirsdag formiddag', 'mandag eftermiddag og torsdag aften' for plain weekly slots;
    otherwise the exact Danish rule from :func:`catalogue.schedule.schedule_text` ('første tirsdag
    i måneden kl. 19–21', 'hver anden onsdag kl. 14–16', 'tirsdage i lige uger kl. 10–12;
    sommerpause i juli'); 'efter aftale' or, given the whole schedule with state "unknown",
    'tidspunkt ikke oplyst'. Takes the schedule or just its slots."""
    sched: Mapping[str, Any] = schedule if isinstance(schedule, Mapping) else {"slots": list(schedule)}
    slots = sched.get("slots") or []
    if not slots or not is_plain_weekly(slots) or exceptions_phrase(sched):
        return schedule_text(sched)
    parts = list(dict.fromkeys(f"{WEEKDAYS_DA[int(s['weekday'])]} {day_part(s['start'])}" for s in slots))
    if len(parts) == 1:
        return f"hver {parts[0]}"
    return ", ".join(parts[:-1]) + " og " + parts[-1]


def danish_date(day: date) -> str:
    return f"{day.day}. {MONTHS_DA[day.month - 1]}"


#: The caution for an offer whose price is unknown (never shown as free).
UNKNOWN_PRICE: Final = "Prisen er ikke oplyst – spørg foreningen"


def price_phrase(cost: Mapping[str, Any] | None) -> str:
    """'Gratis', '150 kr. pr. år', '37,50 kr. pr. gang', '600 kr. pr. år + 15 kr. pr. gang (kaffe)'
    (Danish decimal comma); an unknown price is 'Prisen er ikke oplyst', never 'Gratis'."""
    return describe(cost) or "Prisen er ikke oplyst"


def next_slots(offer: Mapping[str, Any], today: date, count: int = 3) -> list[dict[str, str]]:
    """The next meetings from today (``{"date", "weekday", "start", "end"}``), from each slot's
    rule (python-dateutil, :func:`catalogue.schedule.occurrences`), within the season and without
    the exceptions; none for a slot whose weeks are unknown ("hver anden onsdag" without a start)."""
    out: list[dict[str, str]] = []
    for day, slot in occurrences(offer.get("schedule") or {}, today):
        out.append(
            {
                "date": day.isoformat(),
                "weekday": WEEKDAYS_DA[day.isoweekday()],
                "start": slot["start"],
                "end": slot["end"],
            }
        )
        if len(out) == count:
            break
    return out


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def reasons(req: MatchRequest, offer: Mapping[str, Any], inference: Inference, labels: Mapping[str, str]) -> list[str]:
    """Why it fits, tied to the citizen's own words where they meet the offer's."""
    out: list[str] = []
    headline = set(analyze(f"{offer['title']} {' '.join(labels.get(c, c) for c in offer['categories'])}"))
    body = set(analyze(offer.get("description") or ""))
    words: list[str] = []
    for word in tokens(req.interests):
        if len(word) < 3 or word in GENERIC_WORDS or word in words:
            continue
        stems = set(analyze(word))
        # A word in the title or topic counts; one only in the description
        # must be a real content word, not "komme" or "gerne".
        if stems & headline or (len(word) >= 5 and stems & body):
            words.append(word)
    when = schedule_phrase((offer.get("schedule") or {}).get("slots") or [])
    if words:
        out.append(
            f"Du nævnte {_join(words[:3])} – her mødes man {when}."
            if when != "efter aftale"
            else f"Du nævnte {_join(words[:3])} – tiden aftales efter dine ønsker."
        )
    shared = [c for c in inference.categories if c in offer["categories"]]
    if shared:
        topic = ", ".join(labels.get(c, c).lower() for c in shared[:2])
        said = _join(list(dict.fromkeys(w for c in shared[:2] for w in inference.hits.get(c, ())))[:2])
        if not words:
            out.append(f"Du talte om {said}, og tilbuddet handler om {topic}.")
    if not out:
        topic = ", ".join(labels.get(c, c).lower() for c in offer["categories"][:2])
        out.append(f"Ligner det, du fortalte om (emne: {topic}).")
    if offer["kind"] == "volunteer_service":
        out.append("En frivillig giver sig tid til dig; tiden aftales med dig.")
    return out


def accommodations(
    req: MatchRequest, offer: Mapping[str, Any], doc: SearchDocument, distance_km: float | None
) -> list[str]:
    """Which of the citizen's barriers the offer meets."""
    access = set(offer.get("accessibility") or [])
    out: list[str] = []
    if req.has("wheelchair_user") or req.has("reduced_mobility"):
        if "wheelchair" in access:
            out.append("Kørestolsegnet")
        if "step_free" in access:
            out.append("Trinfri adgang")
        if "accessible_toilet" in access:
            out.append("Handicaptoilet")
    if req.has("low_income") or req.max_monthly_cost_dkk is not None:
        monthly = monthly_cost(offer.get("cost"))
        if is_free(offer.get("cost")):
            out.append("Gratis")
        elif monthly is not None:  # an unknown price is a caution (see cautions), not an accommodation
            out.append(f"Billigt: ca. {round(monthly)} kr. om måneden")
    if req.has("no_car") or req.has("reduced_mobility") or req.has("visually_impaired"):
        if offer.get("transport_offered"):
            out.append("Der tilbydes transport")
        if "near_public_transport" in access:
            out.append("Tæt på bus eller tog")
        if req.has("no_car") and distance_km is not None and distance_km <= 2:
            out.append(f"Kun {distance_km:.1f} km væk".replace(".", ","))
    if (req.has("needs_companion") or req.has("social_anxiety") or req.has("visually_impaired")) and offer.get(
        "companion_available"
    ):
        out.append("Der kan komme en ledsager med første gang")
    if req.has("social_anxiety"):
        if offer.get("group_size") == "small":
            out.append("Lille hold (højst 8)")
        if offer.get("newcomers_welcome"):
            out.append("Nye er særligt velkomne")
    if req.has("hearing_impaired") and "hearing_loop" in access:
        out.append("Teleslynge")
    if req.has("non_danish_speaker"):
        if req.language in (offer.get("languages") or []):
            out.append(f"Foregår også på {name_da(req.language)}")
        elif doc.language_learning:
            out.append("Sprogtilbud for nye i Danmark")
    slots = (offer.get("schedule") or {}).get("slots") or []
    if req.has("daytime_only") or req.has("evenings_only"):
        out.append("Tidspunkt: " + schedule_phrase(slots))
    if offer["location"].get("online"):
        out.append("Foregår online hjemmefra")
    return out


def cautions(req: MatchRequest, offer: Mapping[str, Any], today: date, distance_km: float | None) -> list[str]:
    """What the navigator should check before the citizen goes."""
    out: list[str] = []
    access = set(offer.get("accessibility") or [])
    if offer.get("group_size") == "large":
        out.append("Holdet er stort (over 20)")
    verified = _as_date(offer.get("last_verified"))
    if verified is None:
        out.append("Ikke bekræftet af arrangøren endnu")
    else:
        months = (today.year - verified.year) * 12 + today.month - verified.month
        if months >= STALE_MONTHS:
            out.append(f"Sidst bekræftet for {months} måneder siden")
    available = offer.get("places_available")
    if available is not None and 0 < available <= 3:
        out.append(f"Kun {available} {'ledig plads' if available == 1 else 'ledige pladser'}")
    schedule = offer.get("schedule") or {}
    valid_from, valid_to = _as_date(schedule.get("valid_from")), _as_date(schedule.get("valid_to"))
    if valid_from and valid_from > today:
        out.append(f"Starter først {danish_date(valid_from)}")
    if valid_to and today <= valid_to <= today + timedelta(days=45):
        out.append(f"Sæsonen slutter {danish_date(valid_to)}")
    if req.has("reduced_mobility") and not access & {"step_free", "wheelchair"} and not offer["location"].get("online"):
        out.append("Trinfri adgang er ikke oplyst")
    if req.has("hearing_impaired") and "hearing_loop" not in access and not offer["location"].get("online"):
        out.append("Ingen teleslynge oplyst")
    if req.has("no_car") and distance_km is not None and distance_km > 5 and offer.get("transport_offered"):
        out.append("Aftal transporten med arrangøren")
    if offer["location"].get("online"):
        out.append("Kræver computer, tablet eller smartphone")
    cost = offer.get("cost")
    if monthly_cost(cost) is None:
        out.append(UNKNOWN_PRICE)
    elif not is_free(cost) and not (req.has("low_income") or req.max_monthly_cost_dkk is not None):
        out.append(f"Pris: {price_phrase(cost)}")
    return out


def _join(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " og " + items[-1]
