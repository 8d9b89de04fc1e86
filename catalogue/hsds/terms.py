"""Our HSDS vocabulary: the two taxonomies, their terms and the attributes built from them.

Whatever HSDS has no field for (kind, group size, capacity, the cost period,
native ids, organisation type, ...) travels as ``attributes`` linked to terms
of our taxonomy ``faellesskabsmatch`` (:data:`FM_TERMS`); categories are terms
of a second taxonomy ``faellesskabsmatch-kategorier`` with Danish labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from .ids import uid

FM_TAXONOMY_NAME = "faellesskabsmatch"
CATEGORY_TAXONOMY_NAME = "faellesskabsmatch-kategorier"
CURRENCY = "DKK"
CVR_SCHEME = "DK-CVR"  # org-id.guide scheme of the Danish Central Business Register

#: Our offer status -> HSDS service status, and back (HSDS 3.0 service.status enum).
STATUS_TO_HSDS = {"active": "active", "paused": "temporarily closed", "ended": "defunct"}
STATUS_FROM_HSDS = {"active": "active", "temporarily closed": "paused", "inactive": "paused", "defunct": "ended"}
#: RFC 5545 weekdays; our weekday n (1 = Monday) is ``RRULE_DAYS[n - 1]``.
RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

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
    "cost_per": (
        "Prisperiode",
        "Perioden for den første prismulighed (gang, uge, måned, kvartal, halvår, år, sæson).",
        "str",
    ),
    "schedule_state": (
        "Tidspunkter",
        "slots (faste tidspunkter), by_arrangement (efter aftale) eller unknown (ikke oplyst).",
        "str",
    ),
    "schedule_exceptions": (
        "Undtagelser fra tidspunkterne",
        'JSON: {"months": [7], "periods": [{"from": "ÅÅÅÅ-MM-DD", "to": "ÅÅÅÅ-MM-DD"}]}, fx sommerpause i juli.',
        "str",
    ),
}
#: Extension terms read into the offer's schedule, not onto the offer itself.
SCHEDULE_TERMS = ("schedule_state", "schedule_exceptions")
#: The extension terms a service carries (``organisation_type`` belongs to organisations).
SERVICE_TERMS = [k for k in FM_TERMS if k != "organisation_type"]

# -- taxonomy terms and attributes -----------------------------------------------------


def _taxonomy(name: str, description: str) -> dict[str, Any]:
    return {
        "id": uid("taxonomy", name),
        "name": name,
        "description": description,
        "uri": f"urn:{name}",
        "version": "1",
    }


FM_TAXONOMY = _taxonomy(FM_TAXONOMY_NAME, "Fællesskabsmatch' egne felter, som HSDS 3.0 ikke har.")
CATEGORY_TAXONOMY = _taxonomy(CATEGORY_TAXONOMY_NAME, "Fællesskabsmatch' kategorier af fællesskaber (danske navne).")
#: Term id -> FM_TERMS key, to recognise our own attributes on import.
FM_TERM_IDS = {uid("term", FM_TAXONOMY_NAME, key): key for key in FM_TERMS}


def taxonomy_term(taxonomy: Mapping[str, Any], code: str, name: str, description: str) -> dict[str, Any]:
    """An HSDS taxonomy_term of ``taxonomy`` (Danish); its id depends on the taxonomy and the
    code without the ``fm:`` prefix only, so labels may change without changing ids."""
    tax, local = taxonomy["name"], code.removeprefix("fm:")
    return {
        "id": uid("term", tax, local),
        "code": code,
        "name": name,
        "description": description,
        "taxonomy": tax,
        "taxonomy_id": taxonomy["id"],
        "taxonomy_detail": dict(taxonomy),
        "language": "da",
        # RFC 3986 allows only ASCII in a URI: "håndværk" is percent-encoded as UTF-8 (RFC 3987 §3.1).
        "term_uri": f"urn:{tax}:{quote(local, safe='')}",
    }


def attribute(link_id: str, link_entity: str, term: dict[str, Any], value: str) -> dict[str, Any]:
    """An HSDS attribute linking ``term`` (nested) with ``value`` to the ``link_entity`` with id ``link_id``."""
    return {
        "id": uid("attribute", link_id, term["id"]),
        "link_id": link_id,
        "link_entity": link_entity,
        "taxonomy_term_id": term["id"],
        "value": value,
        "taxonomy_term": term,
    }


def fm_attributes(link_id: str, link_entity: str, values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Extension fields as attributes; ``None`` means "not stated" and is left out."""
    out = []
    for key, value in values.items():
        if value is None:
            continue
        name, description, _ = FM_TERMS[key]
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        out.append(attribute(link_id, link_entity, taxonomy_term(FM_TAXONOMY, f"fm:{key}", name, description), text))
    return out
