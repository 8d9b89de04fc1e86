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
    # 5 of 6 would tell that exactly one did not improve: the numerator and share are hidden.
    assert (indicator["numerator"], indicator["denominator"], indicator["share"]) == ("skjult", 6, "skjult")
    indicator = payment_indicator(inside + inside + outside + same * 5)
    assert (indicator["numerator"], indicator["denominator"], indicator["share"]) == (10, 15, round(10 / 15, 3))
    assert payment_indicator(inside[:4]) == {
        "measure": "life_satisfaction",
        "window_months": [10, 14],
        "numerator": "<5",
        "denominator": "<5",
        "share": "<5",
    }


def test_a_count_whose_complement_is_one_to_four_is_suppressed() -> None:
    # 6 citizens, 5 improved: "5" would tell that exactly one did not.
    who5 = group_report([_citizen((40, 60))] * 5 + [_citizen((60, 40))])["who5"]
    assert who5["improved"] == "skjult" and who5["share_improved"] == "skjult"
    # 10 citizens, 5 improved and 5 not: both sides are 5 or more.
    who5 = group_report([_citizen((40, 60))] * 5 + [_citizen((60, 40))] * 5)["who5"]
    assert who5["improved"] == 5 and who5["share_improved"] == 0.5
    # Everyone improved: the complement is 0, nobody is singled out.
    assert group_report([_citizen((40, 60))] * 5)["who5"]["share_improved"] == 1.0


def test_a_small_group_cannot_be_worked_out_by_subtraction() -> None:
    from referrals.outcomes import HIDDEN, breakdown

    a = [_citizen((40, 60), practice="A")] * 5
    b = [_citizen((50, 30), practice="B")] * 4
    got = breakdown({"A": a, "B": b}, total=9)
    # Overall (9) minus A (5) would give B's 4 citizens: A is hidden too.
    assert got == {"A": {"citizens": HIDDEN}, "B": {"citizens": "<5"}}
    c = [_citizen((40, 60), practice="C")] * 6
    got = breakdown({"A": a, "B": b, "C": c}, total=15)
    # Hiding the smallest shown group (A, 5) makes the hidden part 9: C stays shown.
    assert got["A"] == {"citizens": HIDDEN} and got["B"] == {"citizens": "<5"} and got["C"]["citizens"] == 6
    # Two small groups that together hold 5 or more need no more hiding.
    got = breakdown({"A": a, "B": b, "D": [_citizen((40, 60), practice="D")] * 3}, total=12)
    assert got["A"]["citizens"] == 5 and got["D"] == {"citizens": "<5"}
    # Nothing small: nothing hidden.
    assert breakdown({"A": a, "C": c}, total=11)["A"]["citizens"] == 5
