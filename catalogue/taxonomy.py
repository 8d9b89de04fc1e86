"""Controlled vocabularies of the catalogue, with their Danish labels.

The codes are stable identifiers used in files, the store, search documents
and the HSDS export; the labels are what navigators and citizens read.
Categories can be extended by data (see ``Store.add_category``); the other
lists are closed because rules in the matcher depend on them.
"""

from __future__ import annotations

from typing import Final

#: Default category taxonomy: code -> Danish label.
DEFAULT_CATEGORIES: Final[dict[str, str]] = {
    "motion": "Motion",
    "natur": "Natur og friluftsliv",
    "kreativ": "Kreativitet",
    "musik": "Musik",
    "mad": "Mad og måltider",
    "spil": "Spil",
    "samtale": "Samtale og samvær",
    "læring": "Læring og foredrag",
    "kultur": "Kultur",
    "frivilligt_arbejde": "Frivilligt arbejde",
    "støttegruppe": "Støttegruppe",
    "digital": "Digital hjælp",
    "dyr": "Dyr",
    "have": "Have",
    "håndværk": "Håndværk",
    "tro": "Tro og kirke",
    "sang": "Sang",
    "dans": "Dans",
    "vand": "Vand og svømning",
    "sorg": "Sorg",
}

OFFER_KINDS: Final[dict[str, str]] = {
    "activity": "Foreningsaktivitet",
    "volunteer_service": "Frivillig indsats",
    "municipal_service": "Kommunalt tilbud",
}

ORGANISATION_TYPES: Final[dict[str, str]] = {
    "association": "Forening",
    "volunteer_group": "Frivilliggruppe",
    "municipality": "Kommune",
    "self_organised": "Selvorganiseret fællesskab",
    "other": "Andet",
}

ACCESSIBILITY: Final[dict[str, str]] = {
    "wheelchair": "Kørestolsegnet",
    "accessible_toilet": "Handicaptoilet",
    "hearing_loop": "Teleslynge",
    "step_free": "Trinfri adgang",
    "parking": "Parkering",
    "near_public_transport": "Tæt på offentlig transport",
}

COST_PERIODS: Final[dict[str, str]] = {
    "gang": "pr. gang",
    "uge": "pr. uge",
    "måned": "pr. måned",
    "kvartal": "pr. kvartal",
    "halvår": "pr. halvår",
    "år": "pr. år",
    "sæson": "pr. sæson",
}

#: How many of each period make a month; used for monthly cost everywhere (catalogue.costs.monthly_cost).
PERIODS_PER_MONTH: Final[dict[str, float]] = {
    "gang": 4.0,  # a weekly activity meets about four times a month
    "uge": 52 / 12,
    "måned": 1.0,
    "kvartal": 1 / 3,
    "halvår": 1 / 6,
    "sæson": 1 / 4,  # a season is taken as about four months
    "år": 1 / 12,
}

GROUP_SIZES: Final[dict[str, str]] = {
    "small": "Lille hold (højst 8)",
    "medium": "Mellemstort hold (9-20)",
    "large": "Stort hold (over 20)",
}

STATUSES: Final[dict[str, str]] = {
    "active": "Aktiv",
    "paused": "Sat på pause",
    "ended": "Afsluttet",
}

WEEKDAYS_DA: Final[dict[int, str]] = {
    1: "mandag",
    2: "tirsdag",
    3: "onsdag",
    4: "torsdag",
    5: "fredag",
    6: "lørdag",
    7: "søndag",
}
