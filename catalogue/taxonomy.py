"""Controlled vocabularies of the catalogue, with their Danish labels.

The codes are stable identifiers used in files, the store, search documents
and the HSDS export; the labels are what navigators and citizens read.
Categories can be extended by data (see ``Store.add_category``); the other
lists are closed because rules in the matcher depend on them.
"""

from __future__ import annotations

import re
from typing import Any, Final

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


#: A category code: 2-50 (the column's length) lower-case letters incl. æøå, digits, ``-`` or ``_``,
#: starting with a letter or digit (so no code reads as a spreadsheet formula).
CATEGORY_CODE_RE: Final = re.compile(r"[a-zæøå0-9][a-zæøå0-9_-]{1,49}")
#: Longest Danish label of a category: the column's length.
CATEGORY_LABEL_MAX: Final = 100


def category_errors(code: Any, label: Any) -> dict[str, list[str]]:
    """Why ``code`` -> ``label`` cannot join the taxonomy: ``{"code": [...], "label_da": [...]}``
    with only the faulty parts; empty when both are fine. A label is 1-100
    characters after trimming, without markup (``<`` or ``>``)."""
    errors: dict[str, list[str]] = {}
    if not isinstance(code, str) or not CATEGORY_CODE_RE.fullmatch(code):
        errors["code"] = ["Use 2-50 lower-case letters (a-z, æøå), digits, - or _, starting with a letter or digit."]
    problems = []
    if not isinstance(label, str) or not label.strip():
        problems.append("Must not be blank.")
    else:
        if len(label.strip()) > CATEGORY_LABEL_MAX:
            problems.append(f"At most {CATEGORY_LABEL_MAX} characters.")
        if "<" in label or ">" in label:
            problems.append("Must not contain < or > (no markup).")
        if re.search(r"[\x00\ud800-\udfff]", label):
            problems.append("Must be plain text: no NUL bytes or lone surrogates.")
    if problems:
        errors["label_da"] = problems
    return errors
