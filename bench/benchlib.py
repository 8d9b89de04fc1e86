"""Shared pieces of the benchmarks: a synthetic catalogue and small statistics helpers.

Why a generator instead of a fixture file: the national-scale benchmark needs
100,000 offers, which must not be committed, and the matcher benchmark needs a
few thousand offers that look like the demo catalogue (Danish text the model
and the BM25 analyser can chew on, real filter fields). Offers are made from
word lists and templates with a seeded RNG, so a run is reproducible and two
runs of the same size measure the same catalogue.

Offers are returned as *raw* records (what an import file holds, dates as ISO
strings). :func:`load_offers` turns them into the canonical dicts the rest of
the code expects, either through ``OfferSchema().load`` (the import path) or
directly through ``catalogue.schemas.canonical_offer`` for speed, checking on
a sample that both give the same dict, so the fast path is provably valid.
"""

from __future__ import annotations

import math
import random
import resource
import statistics
import zlib
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from catalogue.gazetteer import default_gazetteer
from catalogue.schemas import OfferSchema, canonical_offer

TODAY = date(2026, 11, 22)  # the vignettes' "today"; keeps filters and generated dates consistent

# Bounding box the synthetic offers stay in (mainland Denmark and the larger islands, not Bornholm).
LAT_RANGE = (54.6, 57.7)
LON_RANGE = (8.1, 12.6)

#: (town, postcode, lat, lon, inhabitants in thousands): offers are spread by population.
DK_TOWNS: tuple[tuple[str, str, float, float, float], ...] = (
    ("København", "1050", 55.676, 12.568, 650),
    ("Frederiksberg", "2000", 55.679, 12.532, 100),
    ("Aarhus", "8000", 56.157, 10.211, 290),
    ("Odense", "5000", 55.403, 10.402, 180),
    ("Aalborg", "9000", 57.048, 9.919, 120),
    ("Esbjerg", "6700", 55.476, 8.459, 72),
    ("Randers", "8900", 56.461, 10.036, 63),
    ("Kolding", "6000", 55.490, 9.472, 62),
    ("Horsens", "8700", 55.861, 9.850, 60),
    ("Vejle", "7100", 55.709, 9.536, 60),
    ("Roskilde", "4000", 55.642, 12.080, 52),
    ("Herning", "7400", 56.139, 8.974, 51),
    ("Silkeborg", "8600", 56.170, 9.545, 50),
    ("Næstved", "4700", 55.230, 11.761, 44),
    ("Fredericia", "7000", 55.565, 9.752, 41),
    ("Viborg", "8800", 56.453, 9.402, 41),
    ("Køge", "4600", 55.458, 12.182, 38),
    ("Holstebro", "7500", 56.360, 8.616, 37),
    ("Hillerød", "3400", 55.927, 12.311, 36),
    ("Slagelse", "4200", 55.402, 11.355, 33),
    ("Taastrup", "2630", 55.650, 12.300, 33),
    ("Lyngby", "2800", 55.771, 12.504, 55),
    ("Ballerup", "2750", 55.731, 12.363, 50),
    ("Greve", "2670", 55.583, 12.300, 50),
    ("Helsingør", "3000", 56.036, 12.590, 47),
    ("Herlev", "2730", 55.724, 12.440, 29),
    ("Holbæk", "4300", 55.717, 11.713, 28),
    ("Sønderborg", "6400", 54.909, 9.792, 27),
    ("Svendborg", "5700", 55.060, 10.607, 27),
    ("Hjørring", "9800", 57.464, 9.982, 25),
    ("Ringsted", "4100", 55.443, 11.790, 23),
    ("Frederikshavn", "9900", 57.441, 10.537, 22),
    ("Haderslev", "6100", 55.249, 9.488, 22),
    ("Skive", "7800", 56.567, 9.028, 21),
    ("Skanderborg", "8660", 56.034, 9.931, 20),
    ("Nyborg", "5800", 55.313, 10.790, 17),
    ("Nykøbing F", "4800", 54.769, 11.874, 17),
    ("Kalundborg", "4400", 55.681, 11.089, 16),
    ("Aabenraa", "6200", 55.044, 9.419, 16),
    ("Middelfart", "5500", 55.506, 9.731, 16),
    ("Frederikssund", "3600", 55.839, 12.069, 16),
    ("Ikast", "7430", 56.139, 9.158, 15),
    ("Varde", "6800", 55.621, 8.481, 14),
    ("Thisted", "7700", 56.955, 8.694, 13),
    ("Odder", "8300", 55.973, 10.153, 12),
    ("Hobro", "9500", 56.643, 9.790, 12),
    ("Nakskov", "4900", 54.831, 11.136, 12),
    ("Vordingborg", "4760", 55.009, 11.911, 12),
    ("Brønderslev", "9700", 57.270, 9.945, 12),
    ("Grindsted", "7200", 55.757, 8.922, 10),
    ("Struer", "7600", 56.491, 8.589, 10),
    ("Nykøbing M", "7900", 56.795, 8.860, 9),
    ("Ribe", "6760", 55.328, 8.762, 8),
    ("Skagen", "9990", 57.700, 10.583, 8),
    ("Faaborg", "5600", 55.095, 10.242, 7),
    ("Tønder", "6270", 54.933, 8.864, 7),
    ("Lemvig", "7620", 56.548, 8.310, 7),
    ("Ebeltoft", "8400", 56.195, 10.681, 7),
    ("Assens", "5610", 55.270, 9.900, 6),
    ("Rønde", "8410", 56.302, 10.477, 4),
    ("Løgstør", "9670", 56.966, 9.253, 4),
)

#: Inhabitants (thousands) of the Norddjurs gazetteer towns not listed here count as 1.
NORDDJURS_POPULATION = {"Grenaa": 15.0, "Auning": 3.0, "Ørum Djurs": 1.5, "Allingåbro": 1.5, "Glesborg": 1.2}

#: Category -> activities (title material) and sentences about what happens.
ACTIVITIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "motion": (
        (
            "Stolegymnastik",
            "Gåklub",
            "Stavgang",
            "Seniorfitness",
            "Motionshold",
            "Pilates",
            "Yoga",
            "Cykelklub",
            "Petanque",
            "Krolf",
            "Badminton",
            "Bordtennis",
            "Styrketræning",
            "Walking football",
            "Løbeklub",
            "Balancetræning",
        ),
        (
            "Vi træner i roligt tempo, og alle kan være med uanset form.",
            "Træningen styrker balance, ryg og ben, så hverdagen bliver lettere.",
            "Vi går en tur på 3 til 5 kilometer og holder pause undervejs.",
            "Instruktøren tilpasser øvelserne, så du kan lave dem siddende eller stående.",
            "Efter træningen strækker vi ud og snakker lidt sammen.",
        ),
    ),
    "natur": (
        ("Naturvandring", "Fugletur", "Svampetur", "Strandrens", "Naturpleje", "Bålaften", "Skovtur", "Naturfotografi"),
        (
            "Vi går ud i skoven eller langs stranden og ser på det, årstiden byder på.",
            "En naturvejleder fortæller om fugle, planter og dyr undervejs.",
            "Vi samler affald på stranden og slutter med kaffe i det fri.",
            "Turen er på stier, der også kan bruges med rollator.",
            "Frisk luft og stilhed er en stor del af oplevelsen.",
        ),
    ),
    "kreativ": (
        (
            "Strikkecafé",
            "Maleværksted",
            "Keramikhold",
            "Hæklehold",
            "Tegneskole",
            "Syklub",
            "Kreativt værksted",
            "Akvarelhold",
        ),
        (
            "Du kan tage dit eget strikketøj med eller få hjælp til at komme i gang.",
            "Vi maler med akvarel og akryl, og der er materialer til låns.",
            "Vi former ler og brænder tingene i vores egen ovn.",
            "Erfarne deltagere hjælper gerne nye med mønstre og teknik.",
            "Det vigtigste er hyggen, ikke at blive færdig.",
        ),
    ),
    "musik": (
        ("Harmonikaklub", "Spillemandslaug", "Guitarhold", "Seniorband", "Musikcafé", "Blæserorkester"),
        (
            "Vi spiller sammen efter noder og efter gehør.",
            "Du kan låne et instrument, hvis du vil prøve det af.",
            "Vi øver kendte melodier og spiller somme tider til arrangementer i byen.",
            "Ingen krav om erfaring, men lysten til musik skal være der.",
        ),
    ),
    "mad": (
        ("Fællesspisning", "Madklub for mænd", "Suppecafé", "Madlavningshold", "Bagedag", "Aftensmad i fællesskab"),
        (
            "Vi laver maden sammen og spiser bagefter ved et langt bord.",
            "Maden er enkel og sund, og vi bruger årstidens grøntsager.",
            "Du betaler kun for råvarerne, og alle hjælper med opvasken.",
            "Det er et godt sted at møde nye mennesker over et måltid.",
        ),
    ),
    "spil": (
        ("Bankospil", "Bridgeklub", "Skakklub", "Brætspilsaften", "Whistklub", "Kortspil og kaffe"),
        (
            "Vi spiller kort og brætspil, og nye lærer reglerne undervejs.",
            "Der spilles om små præmier, men det handler mest om samværet.",
            "Bridge for begyndere med en erfaren makker ved bordet.",
            "Spillet giver noget at tale om, også hvis man er ny.",
        ),
    ),
    "samtale": (
        ("Kaffeklub", "Mandegruppe", "Snakkecafé", "Formiddagskaffe", "Åbent hus", "Netværkscafé", "Seniorcafé"),
        (
            "Kom forbi til en kop kaffe og en snak med andre.",
            "Mange kommer alene første gang, og en vært tager imod dig.",
            "Her kan du møde andre, der også savner nogen at tale med.",
            "Vi taler om løst og fast og hjælper hinanden med store og små ting.",
        ),
    ),
    "læring": (
        ("Foredragsrække", "Læsekreds", "Sprogcafé", "Lokalhistorisk aften", "Studiekreds", "Højskoleformiddag"),
        (
            "Hver gang kommer en foredragsholder og fortæller om et emne.",
            "Vi læser en bog om måneden og mødes for at tale om den.",
            "Øv dig i at tale dansk i en afslappet stemning med frivillige.",
            "Der er tid til spørgsmål og kaffe efter oplægget.",
        ),
    ),
    "kultur": (
        ("Filmklub", "Museumsvenner", "Teatertur", "Kunstforening", "Biblioteksklub", "Kulturcafé"),
        (
            "Vi ser en film sammen og taler om den bagefter.",
            "Vi tager på udflugt til museer og udstillinger i regionen.",
            "Foreningen arrangerer fælles teaterture med bus.",
            "Oplevelserne deler vi over kaffe og kage.",
        ),
    ),
    "frivilligt_arbejde": (
        (
            "Frivillig i genbrugsbutikken",
            "Frivillige chauffører",
            "Lektiehjælp",
            "Frivillig besøgsven",
            "Frivillig i caféen",
        ),
        (
            "Som frivillig gør du en forskel for andre og bliver en del af et fællesskab.",
            "Du bestemmer selv, hvor mange timer du vil give.",
            "Vi søger frivillige, der har lyst til at hjælpe en gang om ugen.",
            "Nye frivillige får en makker de første gange.",
        ),
    ),
    "støttegruppe": (
        (
            "Samtalegruppe om angst",
            "Pårørendegruppe",
            "Netværk for kræftramte",
            "Demenscafé",
            "Hjerteforeningens gruppe",
        ),
        (
            "I gruppen taler vi med andre i samme situation.",
            "En uddannet frivillig leder samtalen, og det er frivilligt, hvad du fortæller.",
            "Gruppen er lukket, så vi lærer hinanden at kende.",
            "Pårørende er også velkomne.",
        ),
    ),
    "digital": (
        ("IT-café", "Hjælp til MitID", "iPad-hold", "Digital hjælp", "Smartphone for seniorer"),
        (
            "Frivillige hjælper med computer, telefon og tablet.",
            "Tag din egen mobil eller iPad med, så lærer du det på den.",
            "Vi hjælper med MitID, e-Boks og videoopkald med familien.",
            "Ingen spørgsmål er for små.",
        ),
    ),
    "dyr": (
        ("Hundeluftere", "Besøgshund", "Hestestald for voksne", "Hønselaug", "Gåtur med hund"),
        (
            "Vi går tur med hundene fra internatet.",
            "Du kan hjælpe med at fodre og passe dyrene på gården.",
            "En besøgshund og dens fører kommer forbi til en snak.",
            "Dyrene giver ro og noget at samles om.",
        ),
    ),
    "have": (
        ("Nyttehave", "Haveklub", "Fælleshave", "Køkkenhavehold", "Blomsterlaug"),
        (
            "Vi dyrker grøntsager og blomster i fællesskab.",
            "Redskaber og frø er til rådighed, og høsten deles.",
            "Der er højbede, så man kan arbejde uden at bøje sig.",
            "Erfarne haveejere deler gerne ud af deres råd.",
        ),
    ),
    "håndværk": (
        ("Træværksted", "Reparationscafé", "Mandeværksted", "Cykelværksted", "Smedeværksted"),
        (
            "I værkstedet laver vi ting i træ og reparerer møbler.",
            "Tag noget med, der skal repareres, så hjælper vi hinanden.",
            "Der er maskiner og værktøj, og en frivillig viser, hvordan de bruges.",
            "Vi laver også ting til børnehaven og plejehjemmet.",
        ),
    ),
    "tro": (
        ("Sogneeftermiddag", "Kirkekaffe", "Babysalmesang", "Bibelkreds", "Pilgrimsvandring"),
        (
            "Vi mødes i sognehuset til kaffe, sang og et kort oplæg.",
            "Præsten fortæller, og der er tid til samtale bagefter.",
            "Alle er velkomne, uanset tro.",
            "Vi synger salmer og sange fra højskolesangbogen.",
        ),
    ),
    "sang": (
        ("Seniorkor", "Fællessang", "Mandskor", "Gospelkor", "Syng sammen", "Korskole"),
        (
            "Vi synger flerstemmigt og øver både gamle og nye sange.",
            "Du behøver ikke kunne læse noder for at synge med.",
            "Fællessang fra højskolesangbogen med pianist.",
            "At synge sammen giver energi og glæde.",
        ),
    ),
    "dans": (
        ("Seniordans", "Linedance", "Folkedans", "Squaredance", "Dansehold for begyndere"),
        (
            "Vi danser i rækker, så du ikke behøver en partner.",
            "Trinene bliver vist langsomt, og vi gentager meget.",
            "Dans er god motion og godt selskab.",
            "Der spilles musik fra 60'erne og 70'erne.",
        ),
    ),
    "vand": (
        ("Vinterbadning", "Seniorsvømning", "Vandgymnastik", "Kajakklub", "Roklub", "Sejlerlaug"),
        (
            "Vi svømmer i varmtvandsbassinet i et roligt tempo.",
            "Vinterbaderne mødes ved broen og varmer sig i saunaen bagefter.",
            "Vandgymnastik skåner leddene og styrker musklerne.",
            "Klubben har både og udstyr, du kan låne.",
        ),
    ),
    "sorg": (
        ("Sorggruppe", "Netværk for efterladte", "Sorgcafé", "Enkegruppe", "Sorgvandring"),
        (
            "Gruppen er for dig, der har mistet din ægtefælle eller en nær.",
            "Vi taler om sorgen og om at finde vej videre i hverdagen.",
            "En frivillig med uddannelse i sorgstøtte leder gruppen.",
            "Vi går en tur sammen og taler undervejs, hvis vi har lyst.",
        ),
    ),
}

AUDIENCES = (
    "for seniorer",
    "for alle",
    "for begyndere",
    "for mænd",
    "for kvinder",
    "for nye i byen",
    "for pensionister",
    "for voksne",
    "for efterlønnere",
    "for unge voksne",
    "for tosprogede",
)
GENERIC = (
    "Du behøver ingen erfaring for at være med.",
    "Der er altid kaffe på kanden.",
    "Kom som du er, og tag gerne en ven med.",
    "Nye er altid velkomne, og du kan bare møde op.",
    "Vi lægger vægt på hygge og godt humør.",
    "Der er plads til alle, også hvis du har brug for at tage det stille og roligt.",
    "Tilmelding er ikke nødvendig.",
    "Ring gerne før første gang, så tager vi godt imod dig.",
    "Vi holder sommerpause i juli.",
    "Lokalet ligger i stueetagen med adgang for kørestol.",
    "Der er parkering lige ved døren, og bussen holder tæt på.",
    "Medbring selv madpakke, vi sørger for drikkevarer.",
)
VOLUNTEER_SERVICE = (
    "En frivillig kommer hjem til dig en gang om ugen til en snak eller en gåtur.",
    "Vores frivillige følges med dig til en aktivitet de første gange, så du ikke skal gå alene.",
    "Vi kører dig til lægen, indkøb eller en forening, hvis du ikke selv har bil.",
    "Du bliver matchet med en besøgsven, der har tid og lyst til at lytte.",
)
ORG_FORMS = (
    ("{town} Motionsforening", "association"),
    ("Ældrefællesskabet {town}", "association"),
    ("Frivilligcenter {town}", "volunteer_group"),
    ("{town} Sogn", "other"),
    ("{town} Kommune", "municipality"),
    ("Borgerforeningen i {town}", "association"),
    ("Røde Kors {town}", "volunteer_group"),
    ("Senioridræt {town}", "association"),
    ("Husflid {town}", "association"),
    ("Mødestedet {town}", "self_organised"),
)
STREETS = (
    "Hovedgaden",
    "Skolevej",
    "Kirkevej",
    "Stationsvej",
    "Møllevej",
    "Engvej",
    "Søndergade",
    "Nørregade",
    "Havnevej",
    "Torvet",
    "Bakkevej",
    "Skovvej",
    "Strandvejen",
    "Parkvej",
    "Idrætsvej",
)
SLOT_TIMES = (
    ("09:00", "10:30"),
    ("09:30", "11:30"),
    ("10:00", "12:00"),
    ("13:00", "15:00"),
    ("14:00", "16:00"),
    ("15:30", "17:00"),
    ("17:00", "19:00"),
    ("18:00", "20:00"),
    ("19:00", "21:30"),
    ("19:30", "21:00"),
)
COSTS = (20, 25, 30, 40, 50, 75, 100, 150, 200, 300, 450, 600, 900)
EXTRA_LANGS = (["da", "en"], ["da", "en", "de"], ["da", "ar"], ["da", "uk"], ["da", "so"], ["en"])
ACCESS = ("wheelchair", "accessible_toilet", "hearing_loop", "step_free", "parking", "near_public_transport")


def _towns(region: str) -> list[tuple[str, str, float, float, float]]:
    """Towns an offer may be in: national (by population) or only Norddjurs (a dense local catalogue)."""
    norddjurs = [  # villages known by name only have no point to place offers around
        (p.town, p.postcode or "", p.lat, p.lon, NORDDJURS_POPULATION.get(p.town, 1.0))
        for p in default_gazetteer().places
        if p.lat is not None and p.lon is not None
    ]
    if region == "norddjurs":
        return norddjurs
    if region == "denmark":
        return [*DK_TOWNS, *norddjurs]
    raise ValueError(f"unknown region {region!r} (denmark or norddjurs)")


def generate_offers(
    n: int, *, seed: int = 20261122, region: str = "denmark", id_prefix: str = "syn"
) -> list[dict[str, Any]]:
    """``n`` raw offer records (import-file shape, dates as ISO strings), reproducible for a seed."""
    rng = random.Random(seed)
    towns = _towns(region)
    weights = [t[4] for t in towns]
    cats = list(ACTIVITIES)
    orgs: dict[tuple[str, int], dict[str, Any]] = {}
    out: list[dict[str, Any]] = []
    for i in range(n):
        town, postcode, tlat, tlon, pop = rng.choices(towns, weights)[0]
        spread_km = 1.0 + 0.4 * math.sqrt(pop)  # a city's offers spread over a larger area
        lat = min(max(rng.gauss(tlat, spread_km / 111.0), LAT_RANGE[0]), LAT_RANGE[1])
        lon = min(max(rng.gauss(tlon, spread_km / (111.0 * math.cos(math.radians(tlat)))), LON_RANGE[0]), LON_RANGE[1])
        kind = rng.choices(("activity", "volunteer_service", "municipal_service"), (70, 20, 10))[0]
        main = rng.choice(cats)
        categories = [main, *rng.sample(cats, rng.choice((0, 0, 1, 1, 2)))]
        names, sentences = ACTIVITIES[main]
        activity = rng.choice(names)
        org_no = rng.randrange(4)
        org_key = (town, org_no)
        if org_key not in orgs:
            form, org_type = ORG_FORMS[(zlib.crc32(town.encode()) + org_no * 3) % len(ORG_FORMS)]
            name = form.format(town=town)
            orgs[org_key] = {
                "id": f"{id_prefix}-org-{len(orgs):05d}",
                "name": name,
                "type": org_type,
                "description": f"{name} samler mennesker i og omkring {town}.",
                "contact": {
                    "name": None,
                    "email": f"kontakt{len(orgs)}@forening.example",
                    "phone": None,
                    "website": None,
                },
                "cvr": None,
            }
        org = orgs[org_key]
        title = rng.choice(
            (
                f"{activity} {rng.choice(AUDIENCES)}",
                f"{activity} i {town}",
                f"{activity} – {rng.choice(('hver uge', 'kom og vær med', 'nye søges', 'alle er velkomne'))}",
                f"{activity} hos {org['name']}",
            )
        )
        body = rng.sample(sentences, min(len(sentences), rng.randint(1, 3)))
        if kind == "volunteer_service":
            body.insert(0, rng.choice(VOLUNTEER_SERVICE))
        for extra in categories[1:]:
            body.append(rng.choice(ACTIVITIES[extra][1]))
        body += rng.sample(GENERIC, rng.randint(1, 3))
        description = f"{activity} {rng.choice(AUDIENCES)} i {town}. " + " ".join(body)
        online = rng.random() < 0.03
        n_slots = rng.choices((0, 1, 2, 3), (15, 55, 20, 10))[0]
        slots = [
            {"weekday": rng.randint(1, 7), "start": s, "end": e}
            for s, e in (rng.choice(SLOT_TIMES) for _ in range(n_slots))
        ]
        valid_to = None
        if rng.random() < 0.1:  # seasonal offers; some ended before "today"
            valid_to = (TODAY + timedelta(days=rng.randint(-200, 300))).isoformat()
        free = rng.random() < 0.5
        cost = (
            {"amount_dkk": 0, "per": "gang"}
            if free
            else {"amount_dkk": rng.choice(COSTS), "per": rng.choice(("gang", "måned", "sæson", "år"))}
        )
        age_min, age_max = rng.choices(
            ((None, None), (60, None), (18, None), (16, 30), (18, 65), (0, 12), (65, None)), (60, 12, 10, 5, 5, 3, 5)
        )[0]
        places_total = rng.choice((None, None, 10, 12, 15, 20, 30))
        places_available = None if places_total is None else rng.choice((0, 1, 2, 5, places_total))
        status = rng.choices(("active", "paused", "ended"), (92, 5, 3))[0]
        out.append(
            {
                "id": f"{id_prefix}-{i:06d}",
                "kind": kind,
                "title": title,
                "description": description,
                "organisation": org,
                "categories": categories,
                "location": {
                    "address": None if online else f"{rng.choice(STREETS)} {rng.randint(1, 120)}",
                    "postcode": None if online else postcode,
                    "town": None if online else town,
                    "lat": None if online else round(lat, 6),
                    "lon": None if online else round(lon, 6),
                    "online": online,
                },
                "schedule": {"slots": slots, "valid_from": None, "valid_to": valid_to},
                "cost": cost,
                "accessibility": sorted(rng.sample(ACCESS, rng.randint(0, 4))),
                "languages": ["da"] if rng.random() < 0.88 else list(rng.choice(EXTRA_LANGS)),
                "age_min": age_min,
                "age_max": age_max,
                "group_size": rng.choice((None, "small", "medium", "large")),
                "newcomers_welcome": rng.random() < 0.4,
                "companion_available": rng.random() < 0.15,
                "transport_offered": rng.random() < 0.1,
                "places_total": places_total,
                "places_available": places_available,
                "waitlist": rng.choice((None, 0, 3)) if places_available == 0 else None,
                "volunteers": None,
                "status": status,
                "last_verified": (TODAY - timedelta(days=rng.randint(0, 900))).isoformat(),
                "contact": None,
            }
        )
    return out


def _direct(raw: dict[str, Any]) -> dict[str, Any]:
    """The canonical dict without marshmallow: parse the dates, then ``canonical_offer``."""
    data = dict(raw)
    schedule = dict(data["schedule"])
    for key in ("valid_from", "valid_to"):
        if schedule.get(key):
            schedule[key] = date.fromisoformat(schedule[key])
    data["schedule"] = schedule
    if data.get("last_verified"):
        data["last_verified"] = date.fromisoformat(data["last_verified"])
    data["cost"] = {**data["cost"], "amount_dkk": float(data["cost"]["amount_dkk"])}
    return canonical_offer(data)


def load_offers(raws: Sequence[dict[str, Any]], validate_every: int = 1) -> tuple[list[dict[str, Any]], int]:
    """Canonical offer dicts; every ``validate_every``-th record also goes through ``OfferSchema().load``
    and must equal the direct result. Returns the offers and how many were validated."""
    schema = OfferSchema()
    offers, checked = [], 0
    for i, raw in enumerate(raws):
        offer = _direct(raw)
        if i % validate_every == 0:
            loaded = schema.load(raw)
            if _plain(loaded) != _plain(offer):
                raise AssertionError(f"direct canonical dict differs from OfferSchema().load for {raw['id']}")
            checked += 1
        offers.append(offer)
    return offers, checked


def _plain(value: Any) -> Any:
    """Dicts all the way down (marshmallow may return OrderedDicts), for comparison."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# -- statistics --------------------------------------------------------------------------------


def pct(values: Sequence[float], q: float) -> float:
    """Percentile with linear interpolation (as numpy's default)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def summary_ms(values: Sequence[float]) -> dict[str, float]:
    """p50/p95/min/max/mean of millisecond samples, rounded for reports."""
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50": round(pct(values, 50), 3),
        "p95": round(pct(values, 95), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
        "mean": round(statistics.fmean(values), 3),
    }


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)


def _proc_status_mb(key: str) -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return round(int(line.split()[1]) / 1024.0, 1)
    except OSError:
        pass
    return float("nan")


def current_rss_mb() -> float:
    """Resident set size now, from /proc (the peak alone hides what stays allocated)."""
    return _proc_status_mb("VmRSS")


def hwm_rss_mb() -> float:
    """Peak RSS of this process image (VmHWM). Unlike ``ru_maxrss``, it starts afresh at exec:
    Linux carries ``ru_maxrss`` over fork+exec, so a child of a big parent reports the parent's size."""
    return _proc_status_mb("VmHWM")
