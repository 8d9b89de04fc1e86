"""Great-circle distance: the one home of haversine in the project.

Straight-line distance is what the barrier rules and the distance preference
use; road distance would need routing data the service does not have.
Source of the formula: R. W. Sinnott, "Virtues of the Haversine",
Sky and Telescope 68(2), 1984. The radius is the IUGG mean Earth radius.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

#: IUGG mean Earth radius, kilometres.
EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in km between two points given in decimal degrees (WGS84)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(a, 1.0)))


def offer_places(offer: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every place of an offer with a point: its ``location`` (when it has one), then its
    ``other_locations``, each a mapping with ``lat``/``lon`` (and address, postcode, town)."""
    places = [offer["location"], *(offer.get("other_locations") or [])]
    return [p for p in places if p.get("lat") is not None and p.get("lon") is not None]


def nearest_place(offer: Mapping[str, Any], lat: float, lon: float) -> tuple[Mapping[str, Any], float] | None:
    """The offer's place nearest to (``lat``, ``lon``) and its distance in km (not rounded);
    None when no place has a point. Ties go to the first place."""
    best: tuple[Mapping[str, Any], float] | None = None
    for place in offer_places(offer):
        km = haversine_km(lat, lon, place["lat"], place["lon"])
        if best is None or km < best[1]:
            best = (place, km)
    return best


def place_name(place: Mapping[str, Any]) -> str:
    """``"Skolevej 2, 8586 Ørum Djurs"``: address, postcode and town as far as known."""
    where = " ".join(filter(None, [place.get("postcode"), place.get("town")]))
    return ", ".join(filter(None, [place.get("address"), where]))


def haversine_km_np(lat0: float, lon0: float, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Distances in km from one point to arrays of points (same shape as ``lat``)."""
    p0, p = math.radians(lat0), np.radians(lat)
    dp, dl = p - p0, np.radians(lon - lon0)
    h = np.sin(dp / 2) ** 2 + math.cos(p0) * np.cos(p) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(h, 1.0)))
