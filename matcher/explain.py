"""Plain-Danish explanations for each result.

A navigator reads these aloud with the citizen, so they are short, concrete
and tied to what the citizen said: why it fits (``reasons``), which barriers
it meets (``accommodations``), and what to check first (``cautions``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Final

from catalogue.costs import describe, is_free, monthly_cost
from catalogue.geo import nearest_place, offer_places, place_name
from catalogue.languages import name_da
from catalogue.schedule import occurrences, schedule_text
from catalogue.schedule.phrases import BY_ARRANGEMENT, exceptions_phrase, is_plain_weekly
from catalogue.schedule.phrases import UNKNOWN as UNKNOWN_TIME
from catalogue.taxonomy import WEEKDAYS_DA
from indexer.analysis import analyze, tokens, word_terms
from indexer.documents import SearchDocument

from .audience import audience_caution
from .barrier_phrases import barrier_words
from .interests import Inference
from .request import MatchRequest
from .vague import vague_words

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
#: Without a car or with reduced mobility: an offer this close is named as near,
#: one further than FAR_KM gets a caution (the ranking weighs distance more, matcher.preferences).
NEAR_KM = 3.0
FAR_KM = 5.0

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
#: Said when an offer's times are not stated (HSDS without a schedule, a CSV without one): never "efter aftale".
UNKNOWN_TIME_CAUTION: Final = "Tidspunktet er ikke oplyst – spørg arrangøren, om det passer"


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


#: Words a note uses about the situation, not about what the citizen would like:
#: never quoted as interests ("Du nævnte aarhus, lægen og helst").
NOT_INTERESTS: Final = frozenset(
    [
        "helst",
        "læge",
        "lægen",
        "lægens",
        "egen",
        "henvist",
        "henvisning",
        "borger",
        "borgeren",
        "navigator",
        "fortæller",
        "fortalte",
        "siger",
        "sagde",
        "interesse",
        "interesseret",
        "bor",
        "boede",
        "flyttet",
        "flyttede",
        "ingen",
        "intet",
        "uden",
        "længere",
        "igen",
        "hele",
        "trods",
        "fordi",
        "desværre",
    ]
)
#: Barrier words: what stands in the way is not what the citizen wants to do.
BARRIER_WORDS: Final = frozenset(
    [
        "bil",
        "bilen",
        "kørekort",
        "kørekortet",
        "kørestol",
        "kørestolen",
        "rollator",
        "stok",
        "gangbesvær",
        "hørelse",
        "hørelsen",
        "høreapparat",
        "syn",
        "synet",
        "penge",
        "pengene",
        "økonomi",
        "økonomien",
        "råd",
        "nervøs",
        "utryg",
        "bus",
        "bussen",
        "transport",
        "mørke",
        "mørket",
    ]
)
#: A word after one of these (skipping :data:`_NEGATION_FILLERS`) is negated: "ingen bil", "ikke lyst til at synge".
NEGATIONS: Final = frozenset(["ikke", "ingen", "intet", "aldrig", "uden"])
_NEGATION_FILLERS: Final = frozenset(
    ["en", "et", "nogen", "noget", "mere", "længere", "så", "at", "helt", "rigtig", "lyst", "til", "have", "kan", "vil"]
)
#: Other Danish towns a note may name ("flyttet fra Aarhus"); Norddjurs towns come from the gazetteer.
OTHER_PLACES: Final = frozenset(
    ["aarhus", "århus", "randers", "københavn", "odense", "aalborg", "ebeltoft", "djursland", "norddjurs", "syddjurs"]
)
_RAW_WORD: Final = re.compile(r"[^\W_]+")


@lru_cache(maxsize=1)
def _place_words() -> frozenset[str]:
    from catalogue.gazetteer import default_gazetteer

    words = {w for town in default_gazetteer().towns() for w in _RAW_WORD.findall(town.casefold())}
    return frozenset(words | OTHER_PLACES)


def unquotable(text: str) -> set[str]:
    """Lowercased words of ``text`` that an explanation must not quote as
    interests: negated words ("bil" in "ingen bil"), the words of barrier
    phrases (:mod:`matcher.barrier_phrases`) and of vague phrases ("ved" in "Ved
    ikke", :mod:`matcher.vague`), and place names. Filler and barrier
    vocabulary (:data:`NOT_INTERESTS`, :data:`BARRIER_WORDS`,
    :data:`GENERIC_WORDS`) is refused by :func:`quotable` for every text."""
    raw = _RAW_WORD.findall(text.casefold())
    out: set[str] = set()
    for i, word in enumerate(raw):
        if word not in NEGATIONS:
            continue
        for follower in raw[i + 1 : i + 6]:
            if follower not in _NEGATION_FILLERS:
                out.add(follower)
                break
    return out | barrier_words(text) | vague_words(text) | (set(raw) & _place_words())


def quotable(word: str, refused: set[str]) -> bool:
    """Whether a citizen's word may be quoted as what carried the match."""
    return (
        len(word) >= 3
        and not word.isdigit()
        and word not in GENERIC_WORDS
        and word not in NOT_INTERESTS
        and word not in BARRIER_WORDS
        and word not in refused
    )


@lru_cache(maxsize=8192)
def _offer_terms(text: str) -> frozenset[str]:
    """The analysed terms of an offer's text (title and topics, or description). Cached by
    the text itself, so an edited offer is analysed afresh; never a citizen's text."""
    return frozenset(analyze(text))


def reasons(
    req: MatchRequest,
    offer: Mapping[str, Any],
    inference: Inference,
    labels: Mapping[str, str],
    refused: set[str] | None = None,
) -> list[str]:
    """Why it fits, in Danish, tied to the citizen's own words where they meet the offer's.

    Quotes only words that carried the match (:func:`quotable`); when none can be
    quoted (another language, a compound, a topic inferred from the embedding)
    the sentence names the topic without a quote: never an empty slot. ``refused`` is
    :func:`unquotable` of ``req.interests``, computed here when not given (a caller
    explaining several offers for one request passes it once)."""
    out: list[str] = []
    if refused is None:
        refused = unquotable(req.interests)
    headline = _offer_terms(f"{offer['title']} {' '.join(labels.get(c, c) for c in offer['categories'])}")
    body = _offer_terms(offer.get("description") or "")
    words: list[str] = []
    for word in tokens(req.interests):
        if not quotable(word, refused) or word in words:
            continue
        stems = set(word_terms(word))
        # A word in the title or topic counts; one only in the description
        # must be a real content word, not "komme" or "gerne".
        if stems & headline or (len(word) >= 5 and stems & body):
            words.append(word)
    # The whole schedule, so times that are not stated are never told as "efter aftale".
    when = schedule_phrase(offer.get("schedule") or {"state": "unknown"})
    if words:
        if when == BY_ARRANGEMENT:
            out.append(f"Du nævnte {_join(words[:3])} – tiden aftales efter dine ønsker.")
        elif when == UNKNOWN_TIME:
            out.append(f"Du nævnte {_join(words[:3])}.")  # the caution says the time is not stated
        else:
            out.append(f"Du nævnte {_join(words[:3])} – her mødes man {when}.")
    else:
        shared = [c for c in inference.categories if c in offer["categories"]]
        about = shared or list(offer["categories"])
        topic = _join([labels.get(c, c).lower() for c in about[:2]]) or offer["title"]
        said = [w for c in shared[:2] for w in inference.hits.get(c, ()) if quotable(w, refused)]
        if said:
            out.append(f"Du talte om {_join(list(dict.fromkeys(said))[:2])}, og tilbuddet handler om {topic}.")
        else:
            out.append(f"Det, du fortalte, ligner det, tilbuddet handler om: {topic}.")
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
    if (req.has("no_car") or req.has("reduced_mobility")) and distance_km is not None and distance_km <= NEAR_KM:
        why = "nært, når man ikke har bil" if req.has("no_car") else "kort vej"
        out.append(f"Kun {_km(distance_km)} km væk – {why}")
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
    schedule = offer.get("schedule") or {"state": "unknown"}
    if (req.has("daytime_only") or req.has("evenings_only")) and schedule_phrase(schedule) != UNKNOWN_TIME:
        out.append("Tidspunkt: " + schedule_phrase(schedule))
    if offer["location"].get("online"):
        out.append("Foregår online hjemmefra")
    nearest = nearest_place_phrase(req, offer)
    if nearest:
        out.append(nearest)
    return out


def nearest_place_phrase(req: MatchRequest, offer: Mapping[str, Any]) -> str | None:
    """For an offer that meets at several places: which is nearest the citizen, e.g.
    ``"Mødes flere steder; nærmest: Skolevej 2, 8586 Ørum Djurs (3,4 km)"``; None for one place
    or when the citizen's point is not known."""
    if req.lat is None or req.lon is None or len(offer_places(offer)) < 2:
        return None
    found = nearest_place(offer, req.lat, req.lon)
    if found is None:
        return None
    place, km = found
    distance = f"{km:.1f}".replace(".", ",")
    return f"Mødes flere steder; nærmest: {place_name(place)} ({distance} km)"


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
    schedule = offer.get("schedule") or {"state": "unknown"}
    if schedule_phrase(schedule) == UNKNOWN_TIME:
        out.append(UNKNOWN_TIME_CAUTION)
    valid_from, valid_to = _as_date(schedule.get("valid_from")), _as_date(schedule.get("valid_to"))
    if valid_from and valid_from > today:
        out.append(f"Starter først {danish_date(valid_from)}")
    if valid_to and today <= valid_to <= today + timedelta(days=45):
        out.append(f"Sæsonen slutter {danish_date(valid_to)}")
    if req.has("reduced_mobility") and not access & {"step_free", "wheelchair"} and not offer["location"].get("online"):
        out.append("Trinfri adgang er ikke oplyst")
    if req.has("hearing_impaired") and "hearing_loop" not in access and not offer["location"].get("online"):
        out.append("Ingen teleslynge oplyst")
    if req.has("no_car") and distance_km is not None and distance_km > FAR_KM and offer.get("transport_offered"):
        out.append("Aftal transporten med arrangøren")
    elif (req.has("no_car") or req.has("reduced_mobility")) and distance_km is not None and distance_km > FAR_KM:
        why = "uden bil" if req.has("no_car") else "med gangbesvær"
        out.append(
            f"{_km(distance_km)} km væk er langt {why} – tjek bus eller kørsel; afstanden trækker ned i sorteringen"
        )
    if req.lat is not None and distance_km is None and not offer["location"].get("online"):
        out.append(unknown_distance_caution(offer))
    if offer["location"].get("online"):
        out.append("Kræver computer, tablet eller smartphone")
    other_group = audience_caution(offer.get("audience"), req.age, req.gender)
    if other_group:
        out.append(other_group)
    cost = offer.get("cost")
    if monthly_cost(cost) is None:
        out.append(UNKNOWN_PRICE)
    elif not is_free(cost) and not (req.has("low_income") or req.max_monthly_cost_dkk is not None):
        out.append(f"Pris: {price_phrase(cost)}")
    return out


def unknown_distance_caution(offer: Mapping[str, Any]) -> str:
    """The caution for a place-bound offer with no point (its town is known by name only):
    its distance is unknown, never shown as 0 km."""
    town = offer["location"].get("town")
    where = f"{town} kendes, men ikke hvor den ligger" if town else "stedet har ingen placering"
    return f"Afstanden er ukendt ({where}) – tjek selv, hvor langt der er"


def _km(km: float) -> str:
    return f"{km:.1f}".replace(".", ",")


def _join(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " og " + items[-1]
