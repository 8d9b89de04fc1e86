"""Marshmallow schemas for organisations and offers: the one definition of
what a valid catalogue record is, shared by the CLI import, the HTTP API and
the HSDS mapping.

Loading returns plain, canonical dicts (every key present, lists sorted and
de-duplicated) so that two loads of the same record compare equal; that is
what makes imports idempotent.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from marshmallow import (
    EXCLUDE,
    RAISE,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates_schema,
)

from . import costs, taxonomy
from .audience import AudienceVocabulary
from .danish import code_for, read_product_words
from .gazetteer import Gazetteer, default_gazetteer
from .languages import is_language, parse_language
from .places import canonical_place, parse_places
from .privacy import CprGuard
from .schedule import canonical_schedule
from .schedule.schemas import TIME_RE, PeriodSchema, ScheduleField, ScheduleSchema, SlotSchema, WholeMatch

# Checked with WholeMatch (re.fullmatch): with re.match, $ also matches before a final newline ("t-1\n").
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 ]{5,18}$")

#: Bounding box of the Kingdom of Denmark proper (Bornholm and Skagen included).
DK_LAT = (54.5, 57.8)
DK_LON = (8.0, 15.3)

_ID = WholeMatch(ID_RE, error="Must be 1-100 letters, digits or . _ : - and start with a letter or digit.")
#: Largest count (places, waitlist, volunteers): far below a 32-bit Integer column's 2**31 - 1.
MAX_COUNT = 1_000_000
_COUNT = validate.Range(min=0, max=MAX_COUNT)
#: What no text field may hold: NUL (PostgreSQL refuses it) and lone UTF-16 surrogates (not encodable as UTF-8).
_NOT_TEXT = re.compile(r"[\x00\ud800-\udfff]")


def text_errors(value: Any, path: str = "") -> dict[str, list[str]]:
    """``{dotted path: [message]}`` for every string in ``value`` (nested dicts
    and lists, list items by index, e.g. ``categories.0``) that holds a NUL
    byte or a lone surrogate; empty when there is none."""
    if isinstance(value, str):
        return (
            {path or "_schema": ["Must be plain text: no NUL bytes or lone surrogates."]}
            if _NOT_TEXT.search(value)
            else {}
        )
    items: Iterable[tuple[Any, Any]] = ()
    if isinstance(value, Mapping):
        items = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    out: dict[str, list[str]] = {}
    for key, item in items:
        out.update(text_errors(item, f"{path}.{key}" if path else str(key)))
    return out


def refuse_non_text(data: Any) -> Any:
    """A ``pre_load`` step: ``data`` unchanged, or ValidationError naming each string field
    that is not plain text (:func:`text_errors`)."""
    errors = text_errors(data)
    if errors:
        raise ValidationError(errors)
    return data


def _not_blank(value: str) -> None:
    """Refuse text with nothing to see: only whitespace and format characters (Unicode category Cf:
    the right-to-left and zero-width marks, which are fine inside a text but are no title by themselves)."""
    if all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in value):
        raise ValidationError("Must not be blank.")


#: Offer fields stored and exchanged as they are (not nested, not derived).
FLAT_OFFER_FIELDS = (
    "accessibility",
    "languages",
    "audience",
    "age_min",
    "age_max",
    "group_size",
    "newcomers_welcome",
    "companion_available",
    "transport_offered",
    "places_total",
    "places_available",
    "waitlist",
    "volunteers",
    "status",
    "last_verified",
)


class _Base(CprGuard):
    """Strict and ordered; :class:`~catalogue.privacy.CprGuard` refuses a CPR number in any field."""

    class Meta:
        unknown = RAISE
        ordered = True

    @pre_load
    def _plain_text(self, data: Any, **_: Any) -> Any:
        return refuse_non_text(data)


class ContactSchema(_Base):
    """Public contact point of an organisation or an offer (never a citizen)."""

    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    email = fields.Email(load_default=None, allow_none=True)
    phone = fields.String(
        load_default=None,
        allow_none=True,
        validate=WholeMatch(PHONE_RE, error="Not a phone number (digits, spaces, optional +)."),
    )
    website = fields.URL(load_default=None, allow_none=True, schemes={"http", "https"})


class OrganisationSchema(_Base):
    @pre_load
    def _type_label(self, data: Any, **_: Any) -> Any:
        # "Forening" (the label the product shows) -> "association"
        if isinstance(data, Mapping) and isinstance(data.get("type"), str):
            data = {**data, "type": code_for(data["type"].strip(), taxonomy.ORGANISATION_TYPES) or data["type"]}
        return data

    id = fields.String(load_default=None, allow_none=True, validate=_ID)
    name = fields.String(required=True, validate=[validate.Length(max=200), _not_blank])
    type = fields.String(load_default="other", validate=validate.OneOf(list(taxonomy.ORGANISATION_TYPES)))
    description = fields.String(load_default="", allow_none=True, validate=validate.Length(max=5000))
    contact = fields.Nested(ContactSchema, load_default=None, allow_none=True)
    cvr = fields.String(
        load_default=None,
        allow_none=True,
        validate=WholeMatch(r"^[0-9]{8}$", error="A CVR number has exactly 8 digits."),
    )
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    updated_by = fields.String(dump_only=True)
    version = fields.Integer(dump_only=True)

    @post_load
    def _canonical(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["name"] = " ".join(data["name"].split())
        data["description"] = (data.get("description") or "").strip()
        data["contact"] = _canonical_contact(data.get("contact"))
        return data


class LocationSchema(_Base):
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    postcode = fields.String(
        load_default=None,
        allow_none=True,
        validate=WholeMatch(r"^[0-9]{4}$", error="A Danish postcode has 4 digits."),
    )
    town = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    lat = fields.Float(load_default=None, allow_none=True, allow_nan=False)
    lon = fields.Float(load_default=None, allow_none=True, allow_nan=False)
    online = fields.Boolean(load_default=False)

    @pre_load
    def _coerce_postcode(self, data: Any, **_: Any) -> Any:
        if isinstance(data, Mapping) and isinstance(data.get("postcode"), int):
            data = {**data, "postcode": f"{data['postcode']:04d}"}
        return data

    @validates_schema
    def _check(self, data: dict[str, Any], **_: Any) -> None:
        lat, lon = data.get("lat"), data.get("lon")
        if (lat is None) != (lon is None):
            raise ValidationError("Give both lat and lon, or neither.", "lat" if lat is None else "lon")
        if lat is not None and not DK_LAT[0] <= lat <= DK_LAT[1]:
            raise ValidationError(f"Latitude {lat} is outside Denmark ({DK_LAT[0]}-{DK_LAT[1]}).", "lat")
        if lon is not None and not DK_LON[0] <= lon <= DK_LON[1]:
            raise ValidationError(f"Longitude {lon} is outside Denmark ({DK_LON[0]}-{DK_LON[1]}).", "lon")


class PlaceSchema(LocationSchema):
    """One more place where an offer meets (``OfferSchema.other_locations``): an address, a
    postcode and town, a point; never online (that is ``location.online``)."""

    class Meta:
        exclude = ("online",)


class _Amount(fields.Float):
    """A number, or a number written as Danish Excel writes it (``"2.400"``, ``"37,50"``)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool):
            raise ValidationError("Not a number.")
        if isinstance(value, str) and value.strip().casefold() in costs.FREE_WORDS:
            value = 0.0  # "Gratis", as the product shows a free price
        elif isinstance(value, str):
            try:
                value = costs.parse_danish_number(value)
            except ValueError as exc:
                raise ValidationError(str(exc)) from None
        return super()._deserialize(value, attr, data, **kwargs)


class CostOptionSchema(_Base):
    """One way to pay (see ``catalogue.records.CostOptionRecord``)."""

    amount = _Amount(
        load_default=None,
        allow_none=True,
        allow_nan=False,
        validate=validate.Range(min=0, max=100_000, error="Cost must be between 0 and 100000."),
    )
    currency = fields.String(
        load_default=costs.CURRENCY,
        validate=WholeMatch(r"^[A-Z]{3}$", error="Give an ISO 4217 currency code such as DKK."),
    )
    per = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(taxonomy.COST_PERIODS)))
    text = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))

    @pre_load
    def _upper_currency(self, data: Any, **_: Any) -> Any:
        if isinstance(data, Mapping) and isinstance(data.get("currency"), str):
            data = {**data, "currency": data["currency"].strip().upper()}
        if isinstance(data, Mapping) and isinstance(data.get("per"), str) and data["per"] not in taxonomy.COST_PERIODS:
            data = {**data, "per": costs.parse_period(data["per"]) or data["per"]}  # "pr. år" -> "år"
        return data

    @validates_schema
    def _something(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("amount") is None and not (data.get("text") or "").strip():
            raise ValidationError("Give an amount, or a text describing the price.", "amount")


class CostSchema(_Base):
    """An offer's price: ``{"options": [...]}``. Also read: the old single
    ``{"amount_dkk", "per"}`` and a text such as ``"600 kr/år; 15 kr/gang (kaffe)"``
    (``catalogue.costs.parse_cost_text``). No options: the price is unknown."""

    options = fields.List(
        fields.Nested(CostOptionSchema), load_default=list, validate=validate.Length(max=10, error="At most 10.")
    )

    @pre_load
    def _other_shapes(self, data: Any, **_: Any) -> Any:
        if isinstance(data, str):
            try:
                return {"options": costs.parse_cost_text(data)}
            except ValueError as exc:
                raise ValidationError(str(exc), "options") from None
        if isinstance(data, Mapping) and "options" in data and "amount_dkk" in data:
            raise ValidationError(
                "Give the price either as options (the CSV cost column) or as amount_dkk and per, not both.", "options"
            )
        if isinstance(data, Mapping) and "amount_dkk" in data:
            unknown = sorted(set(data) - {"amount_dkk", "per"})
            if unknown:
                raise ValidationError(f"Unknown field(s) next to amount_dkk: {', '.join(unknown)}.", "options")
            return {"options": [{"amount": data["amount_dkk"], "per": data.get("per") or "gang"}]}
        return data


class OfferSchema(_Base):
    """An offer, the searchable unit. ``known_categories`` is the live taxonomy."""

    id = fields.String(load_default=None, allow_none=True, validate=_ID)
    kind = fields.String(required=True, validate=validate.OneOf(list(taxonomy.OFFER_KINDS)))
    title = fields.String(required=True, validate=[validate.Length(max=200), _not_blank])
    description = fields.String(load_default="", allow_none=True, validate=validate.Length(max=10_000))
    organisation = fields.Nested(OrganisationSchema, required=True)
    categories = fields.List(
        fields.String(), required=True, validate=validate.Length(min=1, max=10, error="Give 1 to 10 categories.")
    )
    location = fields.Nested(LocationSchema, required=True)
    other_locations = fields.List(
        fields.Nested(PlaceSchema),
        load_default=list,
        validate=validate.Length(max=20, error="At most 20 other places."),
        metadata={
            "description": "Further places where the offer meets, besides location (an HSDS service at several "
            "locations); each needs lat and lon or a known Norddjurs postcode or town."
        },
    )
    schedule = ScheduleField(load_default=None, allow_none=True)
    cost = fields.Nested(CostSchema, load_default=None, allow_none=True)
    accessibility = fields.List(fields.String(validate=validate.OneOf(list(taxonomy.ACCESSIBILITY))), load_default=list)
    languages = fields.List(fields.String(), load_default=lambda: ["da"])
    audience = fields.List(
        fields.String(),
        load_default=list,
        validate=validate.Length(max=20, error="At most 20."),
        metadata={
            "description": "Who the offer is for (målgruppe): codes of catalogue.audience, e.g. seniors, relatives, "
            "condition:dementia; empty = everyone. Danish labels and synonyms are read too."
        },
    )
    age_min = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(0, 120))
    age_max = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(0, 120))
    group_size = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(taxonomy.GROUP_SIZES)))
    newcomers_welcome = fields.Boolean(load_default=False)
    companion_available = fields.Boolean(load_default=False)
    transport_offered = fields.Boolean(load_default=False)
    places_total = fields.Integer(load_default=None, allow_none=True, strict=True, validate=_COUNT)
    places_available = fields.Integer(load_default=None, allow_none=True, strict=True, validate=_COUNT)
    waitlist = fields.Integer(load_default=None, allow_none=True, strict=True, validate=_COUNT)
    volunteers = fields.Integer(load_default=None, allow_none=True, strict=True, validate=_COUNT)
    status = fields.String(load_default="active", validate=validate.OneOf(list(taxonomy.STATUSES)))
    last_verified = fields.Date(load_default=None, allow_none=True)
    contact = fields.Nested(ContactSchema, load_default=None, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    updated_by = fields.String(dump_only=True)
    version = fields.Integer(dump_only=True)

    def __init__(
        self,
        *args: Any,
        known_categories: Iterable[str] | Mapping[str, str] | None = None,
        gazetteer: Gazetteer | None = None,
        audiences: AudienceVocabulary | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.known_categories = frozenset(known_categories or taxonomy.DEFAULT_CATEGORIES)
        #: code -> Danish label, so that a file may name a category by the label the product shows
        self.category_labels = {
            **taxonomy.DEFAULT_CATEGORIES,
            **(known_categories if isinstance(known_categories, Mapping) else {}),
        }
        self.gazetteer = gazetteer
        self.audiences = audiences or AudienceVocabulary.default()

    @pre_load
    def _parse_languages(self, data: Any, **_: Any) -> Any:
        # Publishers write "da-DK", "dan", "Danish" or "dansk"; store the code ("da").
        # What cannot be read is left as written, for _check to name.
        if isinstance(data, Mapping) and isinstance(data.get("languages"), list):
            data = {**data, "languages": [_language_code(v) for v in data["languages"]]}
        # "Seniorer", "Pårørende", "Demens" -> their codes; unknown names are left for _check to name.
        if isinstance(data, Mapping) and isinstance(data.get("audience"), list):
            data = {
                **data,
                "audience": [(self.audiences.parse(v) or v) if isinstance(v, str) else v for v in data["audience"]],
            }
        return data

    @pre_load
    def _danish_values(self, data: Any, **_: Any) -> Any:
        """What the product itself shows, read back (catalogue.danish): Danish labels of kinds,
        categories, accessibility, group sizes and statuses, "ja"/"nej", Danish dates and
        "60+"/"18-25" ages. What cannot be read is left as written, or refused naming the field."""
        if not isinstance(data, Mapping):
            return data
        data = dict(data)
        errors = read_product_words(data, self.category_labels)
        if errors:
            # Every other field's errors too, in one answer: a coordinator fixing a form sees them all.
            refused = {path.split(".")[0] for path in errors}
            others = self.validate({k: v for k, v in data.items() if k not in refused}, partial=self.partial)
            raise ValidationError({**{k: v for k, v in others.items() if k not in refused}, **errors})
        return data

    @pre_load
    def _parse_places(self, data: Any, **_: Any) -> Any:
        # A CSV cell: "Skolevej 2, 8586 Ørum Djurs @ 56.4401 10.6694 | 8500 Grenaa" (catalogue.places).
        if isinstance(data, Mapping) and isinstance(data.get("other_locations"), str):
            try:
                data = {**data, "other_locations": parse_places(data["other_locations"])}
            except ValueError as exc:
                raise ValidationError({"other_locations": [str(exc)]}) from None
        return data

    @validates_schema(skip_on_field_errors=False)
    def _check(self, data: dict[str, Any], partial: Any = None, **_: Any) -> None:
        errors: dict[str, list[str]] = {}
        unknown = sorted({c for c in data.get("categories", []) if c not in self.known_categories})
        if unknown:
            errors["categories"] = [
                f"Unknown category: {', '.join(unknown)}. Known: {', '.join(sorted(self.known_categories))}."
            ]
        bad_lang = sorted({code for code in data.get("languages", []) if not is_language(code)})
        if bad_lang:
            errors["languages"] = [
                f"Not a language: {', '.join(bad_lang)}. Give an ISO 639-1 code (Danish is 'da'), "
                "an ISO 639-3 code or the language's name."
            ]
        bad_audience = self.audiences.errors(data.get("audience") or [])
        if bad_audience:
            errors["audience"] = bad_audience
        if data.get("age_min") is not None and data.get("age_max") is not None and data["age_min"] > data["age_max"]:
            errors["age_max"] = ["age_max is below age_min."]
        total, available = data.get("places_total"), data.get("places_available")
        if total is not None and available is not None and available > total:
            errors["places_available"] = [f"places_available ({available}) exceeds places_total ({total})."]
        verified = data.get("last_verified")
        if verified is not None and verified > date.today() + timedelta(days=1):
            errors["last_verified"] = ["last_verified is in the future."]
        location = data.get("location")
        gaz = self.gazetteer or default_gazetteer()
        if (
            location
            and not location["online"]
            and location.get("lat") is None
            and gaz.resolve(postcode=location.get("postcode"), town=location.get("town")) is None
        ):
            errors["location"] = ["Give lat and lon, a known Norddjurs postcode or town, or online: true."]
        for pos, place in enumerate(data.get("other_locations") or []):
            if place.get("lat") is None and gaz.resolve(postcode=place.get("postcode"), town=place.get("town")) is None:
                errors[f"other_locations.{pos}"] = ["Give lat and lon, or a known Norddjurs postcode or town."]
        if errors:
            raise ValidationError(errors)

    @post_load
    def _canonical(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return canonical_offer(data, self.gazetteer, self.audiences)


def _language_code(value: Any) -> Any:
    """The code of a language as written (``"dansk"`` -> ``"da"``), or the value unchanged."""
    return (parse_language(value) or value) if isinstance(value, str) else value


def _canonical_contact(contact: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not contact:
        return None
    out = {key: contact.get(key) for key in ("name", "email", "phone", "website")}
    return out if any(v is not None for v in out.values()) else None


def canonical_offer(
    data: Mapping[str, Any], gazetteer: Gazetteer | None = None, audiences: AudienceVocabulary | None = None
) -> dict[str, Any]:
    """Fill defaults and normalise an already validated offer dict."""
    gaz = gazetteer or default_gazetteer()
    location = {**canonical_place(data["location"], gaz, resolve=not data["location"].get("online"))}
    location["online"] = bool(data["location"].get("online"))
    others: list[dict[str, Any]] = []
    for place in data.get("other_locations") or []:
        canonical = canonical_place(place, gaz, resolve=True)
        if canonical not in others and canonical != {k: location[k] for k in canonical}:
            others.append(canonical)
    return {
        "id": data.get("id"),
        "kind": data["kind"],
        "title": " ".join(data["title"].split()),
        "description": (data.get("description") or "").strip(),
        "organisation": data["organisation"],
        "categories": _dedupe(data["categories"]),
        "location": location,
        "other_locations": others,
        # No schedule at all: times unknown. A schedule without state or slots: by arrangement.
        "schedule": canonical_schedule(data.get("schedule") or {"state": "unknown"}),
        "cost": costs.canonical_cost(data.get("cost")),
        "accessibility": sorted(set(data.get("accessibility") or [])),
        "languages": _dedupe(data.get("languages") or ["da"]),
        "audience": (audiences or AudienceVocabulary.default()).canonical(data.get("audience") or []),
        "age_min": data.get("age_min"),
        "age_max": data.get("age_max"),
        "group_size": data.get("group_size"),
        "newcomers_welcome": bool(data.get("newcomers_welcome")),
        "companion_available": bool(data.get("companion_available")),
        "transport_offered": bool(data.get("transport_offered")),
        "places_total": data.get("places_total"),
        "places_available": data.get("places_available"),
        "waitlist": data.get("waitlist"),
        "volunteers": data.get("volunteers"),
        "status": data.get("status") or "active",
        "last_verified": data.get("last_verified"),
        "contact": _canonical_contact(data.get("contact")),
    }


def _dedupe(values: Iterable[str]) -> list[str]:
    """Keep first-seen order (the first category/language is the main one)."""
    seen: dict[str, None] = {}
    for value in values:
        seen.setdefault(value.strip(), None)
    return list(seen)


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested error dict into ``{"location.lat": [...]}``."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = prefix if key == "_schema" else (f"{prefix}.{key}" if prefix else str(key))
            for field, msgs in flatten_errors(value, name).items():
                out.setdefault(field or "_record", []).extend(msgs)
    elif isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages):
        out[prefix] = list(messages)
    elif isinstance(messages, list):
        for value in messages:
            for field, msgs in flatten_errors(value, prefix).items():
                out.setdefault(field, []).extend(msgs)
    else:
        out[prefix] = [str(messages)]
    return out


# Partial updates (PATCH) validate the merged record with the full schema, so
# that a patch can never produce an offer a full import would reject.
OFFER_UPDATABLE_FIELDS = tuple(
    name for name, field in OfferSchema().fields.items() if not field.dump_only and name != "id"
)

__all__ = [
    "EXCLUDE",
    "TIME_RE",
    "ContactSchema",
    "OfferSchema",
    "OrganisationSchema",
    "PeriodSchema",
    "ScheduleSchema",
    "SlotSchema",
    "canonical_offer",
    "flatten_errors",
]
