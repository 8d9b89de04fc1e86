"""What a navigator knows about a citizen: the match request.

The same schema validates Python calls and HTTP bodies. It holds no name,
no CPR number and no diagnosis: interests are free text that is used for the
search and then dropped (only inferred categories are logged).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final

from marshmallow import RAISE, ValidationError, fields, post_load, pre_load, validate, validates_schema

from catalogue import taxonomy
from catalogue.gazetteer import Gazetteer, Place, default_gazetteer
from catalogue.languages import parse_language
from catalogue.privacy import CprGuard
from catalogue.schedule.schemas import WholeMatch
from catalogue.schemas import DK_LAT, DK_LON, TIME_RE, refuse_non_text

#: Barrier code -> Danish label, as the navigator's form shows them.
BARRIERS: Final[dict[str, str]] = {
    "wheelchair_user": "Bruger kørestol",
    "reduced_mobility": "Gangbesvær",
    "no_car": "Har ikke bil",
    "social_anxiety": "Social angst eller utryghed i grupper",
    "low_income": "Få penge",
    "non_danish_speaker": "Taler ikke dansk",
    "hearing_impaired": "Nedsat hørelse",
    "visually_impaired": "Nedsat syn",
    "daytime_only": "Kun om dagen",
    "evenings_only": "Kun om aftenen",
    "needs_companion": "Har brug for en at følges med",
}

#: Genders a request may give, only to weigh offers meant for men or for women.
GENDERS: Final = ("female", "male")
#: A letter or a digit: a note of only spaces and punctuation says nothing.
_HAS_WORD: Final = re.compile(r"[^\W_]")

#: A town the gazetteer knows by name only (catalogue.gazetteer), given without lat and lon: refused
#: rather than matched without distance, so that the distance and no-car rules are never silently off.
POINT_UNKNOWN: Final = (
    "This village is known in Norddjurs, but not where it lies: give lat and lon, "
    "or the citizen's postcode instead of the town."
)

DEFAULT_MAX_DISTANCE_KM = 20.0
MAX_LIMIT = 50


def _check_language(code: str) -> None:
    """A language code as offers record it (:mod:`catalogue.languages`): ISO 639-1
    where one exists ("da", "uk"), else ISO 639-3. "dan" or "xx" are refused."""
    if parse_language(code) != code:
        raise ValidationError("Not a language code: ISO 639-1 where one exists, as offers record it (Danish is 'da').")


def _has_word(text: str) -> None:
    if not _HAS_WORD.search(text):
        raise ValidationError("Write at least one word: spaces and punctuation alone say nothing.")


class _Strict(CprGuard):
    """Unknown fields refused; a CPR number in any field refused (:mod:`catalogue.privacy`)."""

    class Meta:
        unknown = RAISE

    @pre_load
    def _plain_text(self, data: Any, **_: Any) -> Any:
        return refuse_non_text(data)


class LocationInput(_Strict):
    postcode = fields.String(
        load_default=None, validate=WholeMatch(r"^[0-9]{4}$", error="A Danish postcode has 4 digits.")
    )
    town = fields.String(load_default=None, validate=validate.Length(min=1, max=100))
    lat = fields.Float(
        load_default=None, validate=validate.Range(DK_LAT[0], DK_LAT[1], error="Latitude must be in Denmark.")
    )
    lon = fields.Float(
        load_default=None, validate=validate.Range(DK_LON[0], DK_LON[1], error="Longitude must be in Denmark.")
    )

    @validates_schema(skip_on_field_errors=True)
    def _one_way(self, data: dict[str, Any], **_: Any) -> None:
        has_point = data.get("lat") is not None or data.get("lon") is not None
        if has_point and (data.get("lat") is None or data.get("lon") is None):
            raise ValidationError("Give both lat and lon.", "lat" if data.get("lat") is None else "lon")
        if not has_point and not data.get("postcode") and not data.get("town"):
            raise ValidationError("Give a postcode, a town, or lat and lon.")


class WindowInput(_Strict):
    weekday = fields.Integer(
        required=True, strict=True, validate=validate.Range(1, 7, error="Weekday is 1 (Monday) to 7 (Sunday).")
    )
    start = fields.String(required=True, validate=WholeMatch(TIME_RE, error="Time must be HH:MM."))
    end = fields.String(required=True, validate=WholeMatch(TIME_RE, error="Time must be HH:MM."))

    @validates_schema(skip_on_field_errors=True)
    def _order(self, data: dict[str, Any], **_: Any) -> None:
        if data["end"] <= data["start"]:
            raise ValidationError("End time must be after start time.", "end")


@dataclass(frozen=True)
class Window:
    weekday: int
    start: str
    end: str


@dataclass(frozen=True)
class MatchRequest:
    interests: str
    age: int | None = None
    place: Place | None = None  # the resolved location
    lat: float | None = None
    lon: float | None = None
    max_distance_km: float = DEFAULT_MAX_DISTANCE_KM
    barriers: frozenset[str] = frozenset()
    language: str = "da"
    availability: tuple[Window, ...] = ()
    max_monthly_cost_dkk: float | None = None
    kinds: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    limit: int = 10
    on_island: bool = False
    town: str | None = None
    gender: str | None = None  # "female", "male" or None; never logged (matcher.log stores no gender)
    extra: dict[str, Any] = field(default_factory=dict)

    def has(self, barrier: str) -> bool:
        return barrier in self.barriers


class MatchRequestSchema(_Strict):
    interests = fields.String(
        required=True,
        validate=[
            validate.Length(min=2, max=2000, error="Write 2 to 2000 characters."),
            _has_word,
        ],
    )
    age = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=validate.Range(16, 120, error="Age must be 16 to 120."),
    )
    location = fields.Nested(LocationInput, load_default=None, allow_none=True)
    max_distance_km = fields.Float(
        load_default=DEFAULT_MAX_DISTANCE_KM, validate=validate.Range(min=0.5, max=300, error="Must be 0.5 to 300 km.")
    )
    barriers = fields.List(fields.String(validate=validate.OneOf(list(BARRIERS))), load_default=list)
    language = fields.String(load_default="da", validate=_check_language)
    availability = fields.List(fields.Nested(WindowInput), load_default=list, validate=validate.Length(max=21))
    max_monthly_cost_dkk = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0))
    kinds = fields.List(fields.String(validate=validate.OneOf(list(taxonomy.OFFER_KINDS))), load_default=list)
    categories = fields.List(fields.String(validate=validate.Length(min=1, max=50)), load_default=list)
    gender = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(GENDERS),
        metadata={"description": "optional; only weighs offers meant for men or for women; never logged"},
    )
    limit = fields.Integer(
        load_default=10, strict=True, validate=validate.Range(1, MAX_LIMIT, error=f"Limit is 1 to {MAX_LIMIT}.")
    )

    def __init__(
        self, *args: Any, gazetteer: Gazetteer | None = None, known_categories: set[str] | None = None, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.gazetteer = gazetteer or default_gazetteer()
        # None: categories are checked by the caller against the live taxonomy.
        self.known_categories = known_categories

    @validates_schema(skip_on_field_errors=False)
    def _check(self, data: dict[str, Any], **_: Any) -> None:
        errors: dict[str, list[str]] = {}
        loc = data.get("location")
        place = self.gazetteer.resolve(loc.get("postcode"), loc.get("town")) if loc and loc.get("lat") is None else None
        if loc and loc.get("lat") is None and place is None:
            errors["location"] = ["Unknown town or postcode in Norddjurs; give lat and lon instead."]
        elif place is not None and not place.has_point:  # a village known by name only: no point to measure from
            errors["location.town"] = [POINT_UNKNOWN]
        barriers = set(data.get("barriers") or [])
        if {"daytime_only", "evenings_only"} <= barriers:
            errors["barriers"] = ["daytime_only and evenings_only exclude each other."]
        if "non_danish_speaker" in barriers and data.get("language", "da") == "da":
            errors["language"] = ["Give the citizen's language (ISO 639-1) when non_danish_speaker is set."]
        unknown = sorted(
            set(data.get("categories") or []) - (self.known_categories or set(data.get("categories") or []))
        )
        if unknown:
            errors["categories"] = [f"Unknown category: {', '.join(unknown)}."]
        if errors:
            raise ValidationError(errors)

    @post_load
    def _build(self, data: dict[str, Any], **_: Any) -> MatchRequest:
        loc = data.get("location") or {}
        place: Place | None = None
        lat = lon = None
        if loc.get("lat") is not None:
            lat, lon = float(loc["lat"]), float(loc["lon"])
        elif loc:
            place = self.gazetteer.resolve(loc.get("postcode"), loc.get("town"))
            if place is not None:
                lat, lon = place.lat, place.lon
        on_island = lat is not None and lon is not None and self.gazetteer.is_island(lat, lon)
        # Only a canonical gazetteer name travels on (to the log): free text in ``town`` may be a name or CPR number.
        named = place or (self.gazetteer.resolve(loc.get("postcode"), loc.get("town")) if loc else None)
        town = named.town if named else None
        return MatchRequest(
            interests=" ".join(data["interests"].split()),
            age=data.get("age"),
            place=place,
            lat=lat,
            lon=lon,
            max_distance_km=float(data["max_distance_km"]),
            barriers=frozenset(data.get("barriers") or []),
            language=data.get("language") or "da",
            availability=tuple(Window(**w) for w in data.get("availability") or []),
            max_monthly_cost_dkk=data.get("max_monthly_cost_dkk"),
            kinds=tuple(dict.fromkeys(data.get("kinds") or [])),
            categories=tuple(dict.fromkeys(data.get("categories") or [])),
            limit=int(data["limit"]),
            on_island=on_island,
            town=town,
            gender=data.get("gender"),
        )
