"""Great-circle distance (catalogue.geo), checked against values worked out independently."""

from __future__ import annotations

import math

import numpy as np
import pytest

from catalogue.geo import EARTH_RADIUS_KM, haversine_km, haversine_km_np

# Copenhagen City Hall (55.6761, 12.5683) to Aarhus City Hall (56.1629, 10.2039).
# Expected value from the spherical law of cosines (a different formula from
# haversine), evaluated with mpmath at 40 digits and R = 6371.0088 km:
# 156.94294043170347... km.
CPH_AAR_KM = 156.9429404317


def test_copenhagen_to_aarhus() -> None:
    assert haversine_km(55.6761, 12.5683, 56.1629, 10.2039) == pytest.approx(CPH_AAR_KM, abs=1e-6)


def test_symmetric_and_zero() -> None:
    assert haversine_km(56.1629, 10.2039, 55.6761, 12.5683) == pytest.approx(CPH_AAR_KM, abs=1e-6)
    assert haversine_km(56.4153, 10.877, 56.4153, 10.877) == 0.0


@pytest.mark.parametrize(
    ("lat1", "lon1", "lat2", "lon2", "fraction_of_circumference"),
    [
        (0.0, 0.0, 90.0, 0.0, 0.25),  # equator to pole: a quarter meridian
        (0.0, 0.0, 0.0, 90.0, 0.25),  # a quarter of the equator
        (0.0, 0.0, 0.0, 180.0, 0.5),  # antipodes (rounding must not take asin past 1)
        (10.0, 20.0, -10.0, -160.0, 0.5),
    ],
)
def test_fractions_of_a_great_circle(
    lat1: float, lon1: float, lat2: float, lon2: float, fraction_of_circumference: float
) -> None:
    expected = 2 * math.pi * EARTH_RADIUS_KM * fraction_of_circumference
    # Near the antipodes asin is ill-conditioned: allow 1e-7 (2 m on 20 000 km).
    assert haversine_km(lat1, lon1, lat2, lon2) == pytest.approx(expected, rel=1e-7)


def test_radius_is_the_iugg_mean() -> None:
    assert EARTH_RADIUS_KM == 6371.0088


def test_vector_form_agrees_with_the_scalar_form() -> None:
    lat = np.array([56.1629, 55.6761, 90.0, 56.4153])
    lon = np.array([10.2039, 12.5683, 0.0, 10.877])
    got = haversine_km_np(55.6761, 12.5683, lat, lon)
    assert got.shape == lat.shape
    expected = [haversine_km(55.6761, 12.5683, a, b) for a, b in zip(lat, lon, strict=True)]
    assert got == pytest.approx(expected, rel=1e-12)
    assert got[0] == pytest.approx(CPH_AAR_KM, abs=1e-6) and got[1] == 0.0
