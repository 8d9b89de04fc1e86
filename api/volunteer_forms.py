"""The volunteer centre's forms as flat text: records to form values, form values to store changes,
and the store's (English, marshmallow) field errors as Danish messages next to the fields.

A form is a ``dict[str, str | list[str]]`` whose keys are the field paths the store's errors use
(``title``, ``location.town``, ``cost.options.0.amount``, ``contact.email``), so an error lands
next to its field without a lookup table. Schedules are edited as the Danish text the schedule
parser reads (:func:`catalogue.schedule.parse_schedule`, e.g. "første tirsdag i måneden 19-21"),
prices as up to :data:`COST_ROWS` cost options (amount in DKK, period, text), target groups
(``audience``) as ticked codes of the live vocabulary (:mod:`catalogue.audience`; none ticked: for everyone).

Edits send only the groups (:data:`OFFER_GROUPS`, :data:`ORG_GROUPS`) whose values differ from the
stored record, so a field nobody touched is never rewritten.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from catalogue import taxonomy
from catalogue.messages import FIELD_LABELS as IMPORT_LABELS
from catalogue.privacy import CPR_MESSAGE
from catalogue.schedule import schedule_cell

Form = dict[str, Any]

#: Empty price rows offered on the form.
COST_ROWS = 3

_CONTACT = ("contact.name", "contact.email", "contact.phone", "contact.website")
_COST = tuple(f"cost.options.{i}.{part}" for i in range(COST_ROWS) for part in ("amount", "per", "text"))

#: Offer field groups: a group is saved, compared and chosen in a conflict as a whole.
OFFER_GROUPS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "kind": ("kind",),
    "description": ("description",),
    "categories": ("categories",),
    "audience": ("audience",),
    "location": ("location.address", "location.postcode", "location.town", "location.online"),
    "schedule": ("schedule",),
    "cost": _COST,
    "accessibility": ("accessibility",),
    "languages": ("languages",),
    "age": ("age_min", "age_max"),
    "group_size": ("group_size",),
    "support": ("newcomers_welcome", "companion_available", "transport_offered"),
    "capacity": ("places_total", "places_available", "waitlist", "volunteers"),
    "status": ("status",),
    "last_verified": ("last_verified",),
    "contact": _CONTACT,
}

ORG_GROUPS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "type": ("type",),
    "description": ("description",),
    "cvr": ("cvr",),
    "contact": _CONTACT,
}

GROUP_LABELS = {
    "title": "Titel",
    "kind": "Type",
    "description": "Beskrivelse",
    "categories": "Kategorier",
    "audience": "Målgruppe",
    "location": "Sted",
    "schedule": "Tidspunkt",
    "cost": "Pris",
    "accessibility": "Tilgængelighed",
    "languages": "Sprog",
    "age": "Alder",
    "group_size": "Gruppestørrelse",
    "support": "Støtte",
    "capacity": "Pladser",
    "status": "Status",
    "last_verified": "Sidst kontrolleret",
    "contact": "Kontakt",
    "name": "Navn",
    "type": "Type",
    "cvr": "CVR-nummer",
    "organisation": "Forening",
    "id": "Id",
}

_LISTS = {"categories", "audience", "accessibility"}
_BOOLS = {"location.online", "newcomers_welcome", "companion_available", "transport_offered"}
_INTS = {"age_min", "age_max", "places_total", "places_available", "waitlist", "volunteers"}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _amount(value: Any) -> str:
    if value is None:
        return ""
    return (f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}").replace(".", ",")


def _contact_form(contact: Mapping[str, Any] | None) -> Form:
    contact = contact or {}
    return {f"contact.{k}": _text(contact.get(k)) for k in ("name", "email", "phone", "website")}


def offer_to_form(offer: Mapping[str, Any]) -> Form:
    """A stored offer (:class:`catalogue.records.OfferRecord`) as form values."""
    loc = offer.get("location") or {}
    form: Form = {
        "title": offer["title"],
        "kind": offer["kind"],
        "description": _text(offer.get("description")),
        "categories": list(offer.get("categories") or []),
        "audience": list(offer.get("audience") or []),
        "location.address": _text(loc.get("address")),
        "location.postcode": _text(loc.get("postcode")),
        "location.town": _text(loc.get("town")),
        "location.online": "on" if loc.get("online") else "",
        "schedule": schedule_cell(offer["schedule"]) if offer.get("schedule") else "",
        "accessibility": list(offer.get("accessibility") or []),
        "languages": ", ".join(offer.get("languages") or []),
        "group_size": _text(offer.get("group_size")),
        "status": offer.get("status") or "active",
        "last_verified": _text(offer.get("last_verified")),
        **{k: _text(offer.get(k)) for k in _INTS},
        **{k: "on" if offer.get(k) else "" for k in ("newcomers_welcome", "companion_available", "transport_offered")},
        **_contact_form(offer.get("contact")),
    }
    options = list((offer.get("cost") or {}).get("options") or [])
    for i in range(COST_ROWS):
        opt = options[i] if i < len(options) else {}
        form[f"cost.options.{i}.amount"] = _amount(opt.get("amount"))
        form[f"cost.options.{i}.per"] = _text(opt.get("per"))
        form[f"cost.options.{i}.text"] = _text(opt.get("text"))
    return form


def organisation_to_form(org: Mapping[str, Any]) -> Form:
    """A stored organisation as form values."""
    return {
        "name": org["name"],
        "type": org.get("type") or "other",
        "description": _text(org.get("description")),
        "cvr": _text(org.get("cvr")),
        **_contact_form(org.get("contact")),
    }


def read_form(posted: Any, groups: Mapping[str, tuple[str, ...]], prefix: str = "") -> Form:
    """The form values from a request's form (a werkzeug MultiDict), trimmed; ``prefix``
    reads a copy carried in hidden fields (``orig.title``: the values the edit started from)."""
    form: Form = {}
    for names in groups.values():
        for name in names:
            if name in _LISTS:
                form[name] = [v for v in posted.getlist(prefix + name) if v]
            elif name in _BOOLS:
                form[name] = "on" if posted.get(prefix + name) else ""
            else:
                form[name] = posted.get(prefix + name, "").strip()
    return form


def _int_or_text(value: str) -> Any:
    if not value:
        return None
    return int(value) if re.fullmatch(r"-?\d+", value) else value  # text: the schema names the error


def _number_or_text(value: str) -> Any:
    if not value:
        return None
    try:
        return float(value.replace(".", "").replace(",", ".") if "," in value else value)
    except ValueError:
        return value


def _or_none(value: str) -> str | None:
    return value or None


def _contact(form: Form) -> dict[str, Any] | None:
    contact = {k: _or_none(form[f"contact.{k}"]) for k in ("name", "email", "phone", "website")}
    return contact if any(contact.values()) else None


def group_value(group: str, form: Form) -> Any:
    """One group of the form as the store's field(s): ``{field: value}``."""
    if group == "location":
        return {
            "location": {
                "address": _or_none(form["location.address"]),
                "postcode": _or_none(form["location.postcode"]),
                "town": _or_none(form["location.town"]),
                "online": bool(form["location.online"]),
            }
        }
    if group == "cost":
        options = []
        for i in range(COST_ROWS):
            amount, per, text = (form[f"cost.options.{i}.{p}"] for p in ("amount", "per", "text"))
            if amount or text:
                options.append(
                    {"amount": _number_or_text(amount), "currency": "DKK", "per": per or None, "text": text or None}
                )
        return {"cost": {"options": options}}
    if group == "contact":
        return {"contact": _contact(form)}
    if group == "languages":
        return {"languages": [c.strip() for c in form["languages"].split(",") if c.strip()] or ["da"]}
    if group == "schedule":
        return {"schedule": form["schedule"]}  # Danish text: the store's schema parses it
    out: dict[str, Any] = {}
    for name in OFFER_GROUPS.get(group) or ORG_GROUPS[group]:
        value = form[name]
        if name in _INTS:
            out[name] = _int_or_text(value)
        elif name in _BOOLS:
            out[name] = bool(value)
        elif name in _LISTS:
            out[name] = list(value)
        elif name in ("group_size", "last_verified", "cvr"):
            out[name] = _or_none(value)
        else:
            out[name] = value
    return out


def changed_groups(form: Form, stored: Form, groups: Mapping[str, tuple[str, ...]]) -> list[str]:
    """The groups whose form values differ from the stored record's."""
    return [g for g, names in groups.items() if any(_same(form.get(n)) != _same(stored.get(n)) for n in names)]


def _same(value: Any) -> Any:
    return sorted(value) if isinstance(value, list) else (value or "")


def changes(form: Form, stored: Form, groups: Mapping[str, tuple[str, ...]]) -> dict[str, Any]:
    """The store update for the groups that changed (empty: nothing to save)."""
    if "categories" in form:  # the main category (the first) stays first while it is ticked
        known = list(stored.get("categories") or [])
        ticked = list(form["categories"])
        form = {**form, "categories": [c for c in known if c in ticked] + [c for c in ticked if c not in known]}
    out: dict[str, Any] = {}
    for group in changed_groups(form, stored, groups):
        out.update(group_value(group, form))
    return out


def full_record(form: Form, groups: Mapping[str, tuple[str, ...]]) -> dict[str, Any]:
    """Every group of the form: the data for a new record."""
    out: dict[str, Any] = {}
    for group in groups:
        out.update(group_value(group, form))
    return out


def merge_choice(mine: Form, theirs: Form, choices: Mapping[str, str], groups: Mapping[str, tuple[str, ...]]) -> Form:
    """A conflict resolved per group: ``choices[group]`` is ``"mine"`` or ``"theirs"`` (default mine)."""
    out = dict(mine)
    for group, names in groups.items():
        if choices.get(group) == "theirs":
            out.update({n: theirs.get(n, "") for n in names})
    return out


def show_group(
    group: str,
    form: Form,
    groups: Mapping[str, tuple[str, ...]],
    names: Mapping[str, Mapping[str, str]] | None = None,
) -> str:
    """A group's values as one line of Danish text, for the side-by-side conflict view;
    ``names`` gives a list field's Danish labels (``{"audience": {"seniors": "Seniorer"}}``),
    a code without one is shown as it is."""
    parts = []
    for name in groups[group]:
        value = form.get(name)
        if isinstance(value, list):
            labels = (names or {}).get(name, {})
            value = ", ".join(labels.get(v, v) for v in value)
        if name in _BOOLS:
            value = "ja" if value else ""
        if value:
            parts.append(f"{FIELD_LABELS.get(name, name)}: {value}" if len(groups[group]) > 1 else str(value))
    return "; ".join(parts) or _EMPTY.get(group, "(tom)")


#: What an empty group means, where "(tom)" would say less.
_EMPTY = {"audience": "For alle (ingen målgruppe)"}

_SHARED_LABELS = (
    "location.address", "location.postcode", "location.town", "location.online", "contact.email",
    "contact.phone", "contact.website", "age_min", "age_max", "newcomers_welcome", "companion_available",
    "transport_offered", "places_total", "places_available", "waitlist", "volunteers",
)  # fmt: skip

#: The form's Danish labels: the import report's column labels (``catalogue.messages``),
#: with the form's own wording for the contact's name and one label per price row.
FIELD_LABELS = {
    **{name: IMPORT_LABELS[name] for name in _SHARED_LABELS},
    "contact.name": "Navn",
    **{f"cost.options.{i}.amount": f"Beløb {i + 1}" for i in range(COST_ROWS)},
    **{f"cost.options.{i}.per": f"Per {i + 1}" for i in range(COST_ROWS)},
    **{f"cost.options.{i}.text": f"Tekst {i + 1}" for i in range(COST_ROWS)},
}

# -- Danish messages ----------------------------------------------------------------

_EXACT = {
    "Missing data for required field.": "Skal udfyldes.",
    "Not a valid integer.": "Skal være et helt tal.",
    "Not a valid number.": "Skal være et tal.",
    "Not a number.": "Skal være et tal.",
    "Not a valid date.": "Skriv datoen som ÅÅÅÅ-MM-DD.",
    "Not a valid email address.": "Ikke en gyldig e-mailadresse.",
    "Not a valid URL.": "Ikke en gyldig webadresse (begynd med https://).",
    "Not a valid boolean.": "Skal være ja eller nej.",
    "Must not be blank.": "Skal udfyldes.",
    "Give 1 to 10 categories.": "Vælg 1 til 10 kategorier.",
    "At most 10.": "Højst 10.",
    "A CVR number has exactly 8 digits.": "Et CVR-nummer har præcis 8 cifre.",
    "A Danish postcode has 4 digits.": "Et postnummer har 4 cifre.",
    "Not a phone number (digits, spaces, optional +).": "Ikke et telefonnummer (cifre, mellemrum, evt. +).",
    "Cost must be between 0 and 100000.": "Beløbet skal være mellem 0 og 100.000 kr.",
    "Give an amount, or a text describing the price.": "Skriv et beløb eller en tekst om prisen.",
    "Give lat and lon, a known Norddjurs postcode or town, or online: true.": (
        "Skriv en kendt by eller et postnummer i Norddjurs, eller sæt kryds ved online."
    ),
    "Must be plain text: no NUL bytes or lone surrogates.": "Må kun være almindelig tekst.",
    "Not a capacity field.": "Ikke et kapacitetsfelt.",
    "age_max is below age_min.": "Til-alderen er lavere end fra-alderen.",
    "Unknown field.": "Ukendt felt.",
    "The id of an offer cannot be changed.": "Et tilbuds id kan ikke ændres.",
}
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"Must be one of: .*"), "Vælg en af mulighederne."),
    (re.compile(r"Longer than maximum length (\d+)\."), r"Højst \1 tegn."),
    (re.compile(r"Length must be between (\d+) and (\d+)\."), r"Mellem \1 og \2 tegn."),
    (re.compile(r"Must be greater than or equal to (\d+) and less than or equal to (\d+)\."), r"Skal være \1 til \2."),
    (re.compile(r"Must be greater than or equal to (\d+)\."), r"Skal være mindst \1."),
    (re.compile(r"Must be (\d+) to (\d+)\."), r"Skal være \1 til \2."),
    (re.compile(r"Unknown category: ([^.]*)\..*"), r"Ukendt kategori: \1."),
    (re.compile(r"Unknown audience: ([^.]*)\..*", re.S), r"Ukendt målgruppe: \1. Vælg blandt mulighederne."),
    (re.compile(r"Unknown language.*"), "Ukendt sprogkode (brug fx da, en, uk)."),
    (re.compile(r"An? \w+ with id .* already exists\."), "Der findes allerede et med det id."),
)


def message_da(message: str) -> str:
    """A store or schema message in Danish; one already in Danish (the schedule parser's,
    the CPR guard's) is kept; an unknown English one is shown after "Ugyldig værdi"."""
    if message in _EXACT:
        return _EXACT[message]
    for pattern, danish in _PATTERNS:
        if pattern.fullmatch(message):
            return pattern.sub(danish, message)
    if message == CPR_MESSAGE or re.search(r"[æøåÆØÅ]", message) or " ikke " in message:
        return message
    return f"Ugyldig værdi ({message})"


def errors_da(errors: Mapping[str, list[str]], form: Form) -> dict[str, list[str]]:
    """``{form field: [Danish messages]}``; an error on a field path the form does not
    show (``cost.options``, ``organisation.name``) goes to the nearest field shown,
    or to ``"_form"`` for the form as a whole."""
    out: dict[str, list[str]] = {}
    for path, messages in errors.items():
        key = path
        while key and key not in form:
            key = key.rpartition(".")[0]
        if not key:
            key = next((n for n in form if n.startswith(path + ".")), "_form")
        danish = [message_da(m) for m in messages]
        if key == "_form":  # no field to stand by: say which one
            top = path.split(".")[0]
            danish = [f"{GROUP_LABELS.get(top, path)}: {m}" for m in danish]
        out.setdefault(key, []).extend(danish)
    return out


def without_cpr(form: Form, errors: Mapping[str, list[str]]) -> Form:
    """The form with every field the CPR guard refused emptied, so a CPR number is never shown again."""
    return {k: ("" if CPR_MESSAGE in errors.get(k, []) else v) for k, v in form.items()}


OFFER_KINDS = taxonomy.OFFER_KINDS
STATUSES = taxonomy.STATUSES
