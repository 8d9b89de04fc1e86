"""Norddjurs towns and postcodes with coordinates.

A citizen's town or postcode is resolved to a point so that distances can be
computed; an offer without coordinates is placed the same way. The data file
and its sources are in ``catalogue/data/gazetteer_norddjurs.csv`` and
``gazetteer_SOURCES.md``.
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
from .geo import EARTH_RADIUS_KM, haversine_km

__all__ = ["EARTH_RADIUS_KM", "Gazetteer", "Place", "default_gazetteer", "haversine_km"]


@dataclass(frozen=True, slots=True)
class Place:
    town: str
    postcode: str
    lat: float
    lon: float
    island: bool = False


def _key(name: str) -> str:
    """Match "Grenå", "GRENAA" and " grenaa " alike."""
    text = unicodedata.normalize("NFC", name).casefold().strip()
    text = text.replace("aa", "å").replace("-", " ")
    return " ".join(text.split())


class Gazetteer:
    def __init__(self, places: list[Place]) -> None:
        self.places = places
        self._by_town = {_key(p.town): p for p in places}
        self._by_postcode: dict[str, Place] = {}
        for place in places:  # the file lists each postcode's main town first
            self._by_postcode.setdefault(place.postcode, place)

    @classmethod
    def from_csv(cls, path: Path) -> Gazetteer:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        return cls(
            [
                Place(
                    town=row["town"].strip(),
                    postcode=row["postcode"].strip(),
                    lat=float(row["lat"]),
                    lon=float(row["lon"]),
                    island=row.get("island", "").strip().lower() in {"true", "1", "ja", "yes"},
                )
                for row in rows
            ]
        )

    def resolve(self, postcode: str | int | None = None, town: str | None = None) -> Place | None:
        """Town wins over postcode, because one postcode covers several towns."""
        if town:
            place = self._by_town.get(_key(town))
            if place is not None:
                return place
        if postcode is not None and str(postcode).strip():
            return self._by_postcode.get(str(postcode).strip().zfill(4))
        return None

    def towns(self) -> list[str]:
        return [p.town for p in self.places]

    def is_island(self, lat: float, lon: float, radius_km: float = 8.0) -> bool:
        """True when the point lies on an island town of the gazetteer (Anholt)."""
        return any(p.island and haversine_km(lat, lon, p.lat, p.lon) <= radius_km for p in self.places)


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    path = resources.files("catalogue") / "data" / "gazetteer_norddjurs.csv"
    with resources.as_file(path) as real:
        return Gazetteer.from_csv(Path(real))
