"""Soft preferences: bounded barrier-driven boosts, distance decay and freshness."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from indexer.documents import SearchDocument, build_document
from matcher.preferences import (
    MAX_BOOST,
    Adjustment,
    adjust,
    distance_factor,
    freshness_factor,
    preference_factor,
)
from matcher.request import BARRIERS

from .helpers import offer, request

TODAY = date(2026, 11, 22)


@pytest.fixture
def doc() -> SearchDocument:
    """A plain document: medium group, no accessibility features, nothing offered."""
    return replace(
        build_document(offer()),
        group_size="medium",
        newcomers_welcome=False,
        companion_available=False,
        step_free=False,
        wheelchair=False,
        hearing_loop=False,
        near_public_transport=False,
        transport_offered=False,
    )


# -- barrier-driven preferences ----------------------------------------------------------


def test_no_barrier_no_effect(doc: SearchDocument) -> None:
    welcoming = replace(doc, group_size="small", newcomers_welcome=True, companion_available=True, hearing_loop=True)
    assert preference_factor(request(), welcoming) == 1.0


@pytest.mark.parametrize(
    ("barriers", "features", "expected"),
    [
        (("social_anxiety",), {"group_size": "small"}, 1.15),
        (("social_anxiety",), {"group_size": "small", "newcomers_welcome": True, "companion_available": True}, 1.33),
        (("social_anxiety",), {"group_size": "large"}, 0.9),
        (("needs_companion",), {"companion_available": True}, 1.25),
        (("hearing_impaired",), {"hearing_loop": True}, 1.15),
        (("reduced_mobility",), {"step_free": True, "near_public_transport": True}, 1.20),
        (("visually_impaired",), {"companion_available": True, "near_public_transport": True}, 1.13),
        (("no_car",), {"transport_offered": True}, 1.05),
        (("no_car",), {"transport_offered": True, "near_public_transport": True}, 1.05),
        # 1.15 (hearing loop) x 1.12 (step-free) = 1.288
        (("hearing_impaired", "reduced_mobility"), {"hearing_loop": True, "step_free": True}, 1.288),
        # 1.33 x 1.25 = 1.6625, capped
        (
            ("social_anxiety", "needs_companion"),
            {"group_size": "small", "newcomers_welcome": True, "companion_available": True},
            MAX_BOOST,
        ),
    ],
)
def test_preference_values(
    doc: SearchDocument, barriers: tuple[str, ...], features: dict[str, Any], expected: float
) -> None:
    assert preference_factor(request("sang", *barriers), replace(doc, **features)) == pytest.approx(expected)


def test_preferences_are_bounded_for_every_barrier_combination(doc: SearchDocument) -> None:
    """No combination can lift a score by more than MAX_BOOST or cut it below 0.9 (a large group)."""
    best = replace(
        doc,
        group_size="small",
        newcomers_welcome=True,
        companion_available=True,
        hearing_loop=True,
        step_free=True,
        near_public_transport=True,
        transport_offered=True,
    )
    worst = replace(doc, group_size="large")
    seen = set()
    for n in range(len(BARRIERS) + 1):
        for combo in itertools.combinations(BARRIERS, n):
            req = request("sang", *combo)
            high, low = preference_factor(req, best), preference_factor(req, worst)
            assert 1.0 <= high <= MAX_BOOST
            assert 0.9 <= low <= 1.0
            seen.add(round(high, 4))
    assert MAX_BOOST in seen  # the cap is reached, so it is what bounds the boost


# -- distance and freshness --------------------------------------------------------------


@pytest.mark.parametrize(
    ("km", "expected"),
    [
        (0.0, 1.0),
        (5.0, 1 - 0.2 * (1 - math.exp(-0.5))),  # 0.9213
        (10.0, 1 - 0.2 * (1 - math.exp(-1))),  # 0.8736
        (30.0, 1 - 0.2 * (1 - math.exp(-3))),  # 0.8100
    ],
)
def test_distance_decay(km: float, expected: float) -> None:
    assert distance_factor(km, online=False) == pytest.approx(expected)


def test_distance_decay_is_smooth_and_never_below_80_percent() -> None:
    values = [distance_factor(km, online=False) for km in range(0, 301, 5)]
    assert values == sorted(values, reverse=True)
    assert min(values) > 0.8
    assert distance_factor(10.0, online=False) == pytest.approx(0.8736, abs=1e-4)


def test_distance_unknown() -> None:
    assert distance_factor(None, online=True) == pytest.approx(0.9)  # online: half the full decay
    assert distance_factor(None, online=False) == 1.0  # the citizen gave no address


@pytest.mark.parametrize(
    ("verified", "expected"),
    [
        (None, 0.85),
        ("2026-09-01", 1.0),  # under 6 months
        ("2024-11-01", 0.85),  # over 24 months
        # 2025-08-22 to 2026-11-22 = 457 days = 15.013 months: (15.013 - 6) / 18 of the way to stale
        ("2025-08-22", 1 - 0.15 * ((457 / 30.44 - 6) / 18)),
    ],
)
def test_freshness(verified: str | None, expected: float) -> None:
    assert freshness_factor(verified, TODAY) == pytest.approx(expected)


def test_adjust_combines_the_three(doc: SearchDocument) -> None:
    small = replace(doc, group_size="small", last_verified=None)
    parts = adjust(request("sang", "social_anxiety"), small, 10.0, TODAY)
    assert isinstance(parts, Adjustment)
    assert (parts.preference, parts.distance, parts.freshness) == pytest.approx((1.15, 0.8736, 0.85), abs=1e-4)
    assert parts.factor == pytest.approx(1.15 * (1 - 0.2 * (1 - math.exp(-1))) * 0.85)


# -- distance by barriers (issue 10) ---------------------------------------------------


@pytest.mark.parametrize(
    ("km", "expected"),
    [
        (0.0, 1.0),
        (0.6, 1 - 0.4 * (1 - math.exp(-0.12))),  # 0.9548
        (14.0, 1 - 0.4 * (1 - math.exp(-2.8))),  # 0.6243
    ],
)
def test_carless_distance_decay(km: float, expected: float) -> None:
    assert distance_factor(km, online=False, carless=True) == pytest.approx(expected)


def test_carless_decay_is_bounded_and_steeper() -> None:
    values = [distance_factor(km, online=False, carless=True) for km in range(0, 301, 5)]
    assert values == sorted(values, reverse=True)
    assert min(values) >= 0.6  # bounded: a far offer keeps at least 60 % of its score
    assert all(
        distance_factor(km, online=False, carless=True) <= distance_factor(km, online=False) for km in range(0, 60)
    )
    assert distance_factor(None, online=True, carless=True) == pytest.approx(0.9)


@pytest.mark.parametrize(("barrier", "carless"), [("no_car", True), ("reduced_mobility", True), ("low_income", False)])
def test_which_barriers_make_distance_weigh_more(doc: SearchDocument, barrier: str, carless: bool) -> None:
    parts = adjust(request("sang", barrier), doc, 14.0, TODAY)
    assert parts.distance == pytest.approx(distance_factor(14.0, False, carless=carless))


def test_without_a_car_the_near_offer_wins_over_a_slightly_better_ranked_far_one(doc: SearchDocument) -> None:
    """The issue's case: both fit; the one 14 km away is one place higher in the fused
    list (RRF k=10: 1/11 against 1/12). Without a car the one 0.6 km away must lead."""
    from matcher.fusion import RRF_K
    from matcher.ranking import combined_score

    far_rel, near_rel = 1 / (RRF_K + 1), 1 / (RRF_K + 2)
    # even four places apart
    far_rel4, near_rel4 = 1 / (RRF_K + 1), 1 / (RRF_K + 5)
    for barrier in ("no_car", "reduced_mobility"):
        req = request("sang", barrier)
        far = combined_score(far_rel, adjust(req, doc, 14.0, TODAY))
        near = combined_score(near_rel, adjust(req, doc, 0.6, TODAY))
        assert near > far, barrier
        assert combined_score(near_rel4, adjust(req, doc, 0.6, TODAY)) > combined_score(
            far_rel4, adjust(req, doc, 14.0, TODAY)
        )
    # With a car distance counts a little (0.988 against 0.85): four places apart it does not turn.
    req = request("sang")
    assert combined_score(far_rel4, adjust(req, doc, 14.0, TODAY)) > combined_score(
        near_rel4, adjust(req, doc, 0.6, TODAY)
    )
    # Bounded: at equal relevance, an off-topic offer at the door does not beat an on-topic one 14 km away.
    req = request("sang", "no_car")
    on_topic_far = combined_score(far_rel, adjust(req, doc, 14.0, TODAY), topic_boost=0.7)
    off_topic_near = combined_score(far_rel, adjust(req, doc, 0.0, TODAY))
    assert on_topic_far > off_topic_near


def test_adjust_carries_the_audience_factor(doc: SearchDocument) -> None:
    widower = request("kor", age=70, gender="male")
    assert adjust(widower, doc, None, TODAY, ["parents_small_children"]).audience == 0.25
    assert adjust(widower, doc, None, TODAY, ["men", "seniors"]).audience == 1.0
    assert adjust(widower, doc, None, TODAY).audience == 1.0
    parts = adjust(widower, doc, None, TODAY, ["young_people"])
    assert parts.factor == pytest.approx(parts.preference * parts.distance * parts.freshness * 0.3)


# -- vague notes and situations (matcher.vague, matcher.situation) ---------------------------


def test_near_weighs_distance_as_without_a_car(doc: SearchDocument) -> None:
    parts = adjust(request("Bare noget"), doc, 14.0, TODAY, near=True)
    assert parts.distance == pytest.approx(distance_factor(14.0, False, carless=True))
    assert adjust(request("Bare noget"), doc, 14.0, TODAY).distance == pytest.approx(distance_factor(14.0, False))


def test_situation_multiplies_the_target_group_factor(doc: SearchDocument) -> None:
    parts = adjust(request("kor", age=70), doc, None, TODAY, ["young_people"], situation=0.5)
    assert parts.audience == pytest.approx(0.3 * 0.5)
