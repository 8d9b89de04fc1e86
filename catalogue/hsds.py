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
  than guessing (e.g. a category nobody mapped).

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
        "association, volunteer_group, municipality, self_organised eller other.",
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

#: ISO 639-1 code, Danish name, English name, ISO 639-2/3 codes; names help read other publishers' data.
LANGUAGES = [
    row.split(":")
    for row in """da:dansk:danish:dan en:engelsk:english:eng de:tysk:german:deu ger sv:svensk:swedish:swe
    no:norsk:norwegian:nor nb:bokmål:bokmål:nob uk:ukrainsk:ukrainian:ukr ar:arabisk:arabic:ara pl:polsk:polish:pol
    ro:rumænsk:romanian:ron rum lt:litauisk:lithuanian:lit so:somali:somali:som fa:persisk:persian:fas per farsi
    tr:tyrkisk:turkish:tur ti:tigrinya:tigrinya:tir ru:russisk:russian:rus es:spansk:spanish:spa fr:fransk:french:fra fre
    it:italiensk:italian:ita fo:færøsk:faroese:fao kl:grønlandsk:greenlandic:kal is:islandsk:icelandic:isl ice
    ur:urdu:urdu:urd ku:kurdisk:kurdish:kur""".replace(" ", "/").replace("/\n    ", " ").replace("\n    ", " ").split()
]
