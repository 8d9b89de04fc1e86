"""Great-circle distance: the one home of haversine in the project.

Straight-line distance is what the barrier rules and the distance preference
use; road distance would need routing data the service does not have.
Source of the formula: R. W. Sinnott, "Virtues of the Haversine",
Sky and Telescope 68(2), 1984. The radius is the IUGG mean Earth radius.
"""

from __future__ import annotations

import math

import numpy as np

#: IUGG mean Earth radius, kilometres.
EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in km between two points given in decimal degrees (WGS84)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(a, 1.0)))


def haversine_km_np(lat0: float, lon0: float, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Distances in km from one point to arrays of points (same shape as ``lat``)."""
    p0, p = math.radians(lat0), np.radians(lat)
    dp, dl = p - p0, np.radians(lon - lon0)
    h = np.sin(dp / 2) ** 2 + math.cos(p0) * np.cos(p) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(h, 1.0)))
