"""The outcome report: Student-t intervals, suppression of small groups, the payment indicator."""

from __future__ import annotations

import math
from datetime import date

from referrals.outcomes import Citizen, Pair, group_report, mean_ci95, payment_indicator


def _citizen(
    who5: tuple[int, int], ls: tuple[int, int] | None = None, months: int = 12, practice: str = "1"
) -> Citizen:
    base_on = date(2025, 1, 15)
    follow_on = date(2025 + (months + 0) // 12, 1 + months % 12, 15)
    pairs = {"who5": Pair(who5[0], who5[1], base_on, follow_on)}
    if ls is not None:
        pairs["life_satisfaction"] = Pair(ls[0], ls[1], base_on, follow_on)
    return Citizen(practice, ["loneliness"], pairs)


def test_mean_ci95_is_the_student_t_interval() -> None:
    mean, (low, high) = mean_ci95([2.0, 4.0, 6.0, 8.0, 10.0])
    # s = sqrt(10), n = 5, t(0.975, 4) = 2.776445
    half = 2.776445105 * math.sqrt(10) / math.sqrt(5)
    assert mean == 6.0 and math.isclose(low, 6.0 - half, rel_tol=1e-6) and math.isclose(high, 6.0 + half, rel_tol=1e-6)


def test_groups_under_five_are_suppressed() -> None:
    assert group_report([_citizen((40, 60))] * 4) == {"citizens": "<5"}
    report = group_report([_citizen((40, 60))] * 3 + [_citizen((52, 48))] * 2)
    who5 = report["who5"]
    assert report["citizens"] == 5 and who5["n"] == 5 and who5["mean_change"] == round((3 * 20 - 2 * 4) / 5, 2)
    assert who5["improved"] == "<5" and who5["share_improved"] == "<5"  # 3 citizens: suppressed
    assert who5["share_poor_baseline"] == "<5" and who5["share_poor_follow_up"] == "<5"  # 3 and 1 citizens
    assert report["life_satisfaction"] == {"n": 0} and report["tils"] == {"n": 0}


def test_payment_indicator_counts_follow_ups_10_to_14_months_after_baseline() -> None:
    inside = [_citizen((40, 60), (4, 6), months=m) for m in (10, 11, 12, 13, 14)]
    outside = [_citizen((40, 60), (4, 8), months=m) for m in (6, 9, 15)]
    same = [_citizen((40, 60), (5, 5), months=12)]
    indicator = payment_indicator(inside + outside + same)
    assert (indicator["numerator"], indicator["denominator"], indicator["share"]) == (5, 6, round(5 / 6, 3))
    assert payment_indicator(inside[:4]) == {
        "measure": "life_satisfaction",
        "window_months": [10, 14],
        "numerator": "<5",
        "denominator": "<5",
        "share": "<5",
    }
