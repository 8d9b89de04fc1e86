"""Norddjurs towns, villages and postal districts with coordinates and the other names they go by.

A citizen's town or postcode is resolved to a point so that distances can be
computed; an offer without coordinates is placed the same way. Some villages
are known by name only (a cited source names them, no published point was
found): they resolve to a :class:`Place` whose ``lat``/``lon`` are None, so a
record naming them keeps the canonical name and an unknown position. Every name a
record may use for a place (the canonical name, short forms such as "Ørum" for
Ørum Djurs, PostNord's district names, spellings without æ/ø/å) is matched
through :func:`fold_name`, and the place returned always carries the
gazetteer's canonical name. The data file and its sources are in
``catalogue/data/gazetteer_norddjurs.csv`` and ``gazetteer_SOURCES.md``.
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

# Re-exported for importers not yet moved to catalogue.geo (indexer.filters,
# indexer.embedded, matcher.rules, matcher.matcher, api.hsds_api, tests/api).
from .geo import haversine_km

__all__ = ["Gazetteer", "Place", "default_gazetteer", "fold_name"]

#: Letters written out before accents are stripped, so that "Ørsted", "Oersted" and "Örsted",
#: or "Grenå" and "Grenaa", fold alike (the Danish transliteration æ=ae, ø=oe, å=aa; ä and ö
#: are their Swedish/German counterparts, common in foreign-keyboard input).
_SPELLED_OUT = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ä": "ae", "ö": "oe"})
#: Apostrophes vanish ("Lindy's" = "Lindys"); every other non-alphanumeric character separates words.
_APOSTROPHES = str.maketrans("", "", "'’‘`´")


def fold_name(text: str) -> str:
    """Fold a place or organisation name to the key two spellings of the same name share.

    Steps: Unicode NFC, casefold, æ→ae, ø→oe, å→aa (and ä→ae, ö→oe), accents dropped
    (é→e), apostrophes dropped, every other character that is not a letter or digit
    (hyphen, full stop, comma, slash, ...) becomes a space, runs of spaces collapse.
    So "Grenå", "Grenaa", " GRENAA " fold to ``"grenaa"``; "Ørsted", "Oersted" to
    ``"oersted"``; "Bønnerup-Strand" and "Bønnerup Strand" to ``"boennerup strand"``.
    Returns ``""`` for text with no letters or digits. Never raises.
    """
    text = unicodedata.normalize("NFC", text).casefold().translate(_SPELLED_OUT).translate(_APOSTROPHES)
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text).split())


@dataclass(frozen=True, slots=True)
class Place:
    """One town or village: canonical ``town`` name, four-digit ``postcode``, WGS84 ``lat``/``lon``
    in decimal degrees, ``island`` for places reached by ferry (Anholt), and the other names
    (``aliases``) the place goes by.

    A village known by name only (a cited source names it as a Norddjurs village, but no
    published point was found) has ``lat``/``lon`` None, and ``postcode`` None unless a source
    gives it: the gazetteer knows the name, never a guessed point (see :attr:`has_point`)."""

    town: str
    postcode: str | None
    lat: float | None
    lon: float | None
    island: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def has_point(self) -> bool:
        """True when the place's position is known (both ``lat`` and ``lon``)."""
        return self.lat is not None and self.lon is not None


class Gazetteer:
    """Look places up by any of their names or by postcode.

    Raises ``ValueError`` when two places share a folded name or alias, because a
    name that could mean two places must not silently resolve to one of them.
    """

    def __init__(self, places: list[Place]) -> None:
        self.places = places
        self._by_name: dict[str, Place] = {}
        for place in places:
            for name in (place.town, *place.aliases):
                key = fold_name(name)
                other = self._by_name.setdefault(key, place)
                if other is not place:
                    raise ValueError(f"The name {name!r} is ambiguous: {other.town} and {place.town} both use it.")
        self._by_postcode: dict[str, Place] = {}
        for place in places:  # the file lists each postcode's main town first
            if place.postcode and place.has_point:  # a postcode alone never gives a place without a point
                self._by_postcode.setdefault(place.postcode, place)

    @classmethod
    def from_csv(cls, path: Path) -> Gazetteer:
        """Read ``town,postcode,lat,lon,island,aliases`` rows (aliases separated by ";", optional).

        ``lat`` and ``lon`` are both empty for a place known by name only, and ``postcode`` is empty
        where no source gives it. Raises ``ValueError`` for a row with only one of ``lat``/``lon``."""
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        return cls(
            [
                Place(
                    town=row["town"].strip(),
                    postcode=(row.get("postcode") or "").strip() or None,
                    lat=lat,
                    lon=lon,
                    island=(row.get("island") or "").strip().lower() in {"true", "1", "ja", "yes"},
                    aliases=_split_aliases(row.get("aliases") or ""),
                )
                for row in rows
                for lat, lon in [_point(row)]
            ]
        )

    def find_town(self, name: str | None) -> Place | None:
        """The place whose canonical name or alias folds like ``name``; None when none does."""
        key = fold_name(name) if name else ""
        return self._by_name.get(key) if key else None

    def resolve(self, postcode: str | int | None = None, town: str | None = None) -> Place | None:
        """Town wins over postcode, because one postcode covers several towns.

        ``town`` may be any name or alias (see :func:`fold_name`); the place returned
        always carries the canonical name. A postcode alone gives the town the
        postcode is named after. A known town without a point (``has_point`` False)
        is returned as it is: its position stays unknown, it is never replaced by the
        postcode's town or district point.
        """
        place = self.find_town(town)
        if place is not None:
            return place
        if postcode is not None and str(postcode).strip():
            return self._by_postcode.get(str(postcode).strip().zfill(4))
        return None

    def towns(self, *, with_point: bool = False) -> list[str]:
        """Canonical names, in file order; ``with_point`` leaves out the places known by name only."""
        return [p.town for p in self.places if p.has_point or not with_point]

    def is_island(self, lat: float, lon: float, radius_km: float = 8.0) -> bool:
        """True when the point lies on an island town of the gazetteer (Anholt)."""
        return any(
            p.island and p.lat is not None and p.lon is not None and haversine_km(lat, lon, p.lat, p.lon) <= radius_km
            for p in self.places
        )


def _split_aliases(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(";") if name.strip())


def _point(row: dict[str, str]) -> tuple[float | None, float | None]:
    """A row's (lat, lon), or (None, None) when both cells are empty (a place known by name only)."""
    lat, lon = (row.get("lat") or "").strip(), (row.get("lon") or "").strip()
    if not lat and not lon:
        return None, None
    if not lat or not lon:
        raise ValueError(f"{row.get('town')!r}: give both lat and lon, or neither.")
    return float(lat), float(lon)


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    path = resources.files("catalogue") / "data" / "gazetteer_norddjurs.csv"
    with resources.as_file(path) as real:
        return Gazetteer.from_csv(Path(real))
