"""The outcome report: how referred citizens' well-being changed, for the admins
and for the two payment targets of the social impact investment.

Pairs are a citizen's ``baseline`` and ``follow_up`` answers to the same
instrument (``referrals.questionnaires``); a citizen referred more than once
counts once, with the first referral that has a pair. For each instrument and
group of citizens the report gives:

- ``n``: citizens with a pair;
- ``mean_change``: mean of follow-up minus baseline (WHO-5 as the 0-100 index,
  life satisfaction 0-10, T-ILS 3-9 where lower is less lonely);
- ``ci95``: the two-sided 95 % confidence interval of that mean, Student's t:
  ``mean ± t(0.975, n-1) · s / √n`` with ``s`` the sample standard deviation
  (``scipy.stats.t.ppf``);
- ``improved`` and ``share_improved``: citizens better at follow-up (WHO-5 and
  life satisfaction up, T-ILS down), and their share of ``n``;
- WHO-5 only: ``share_poor_baseline`` and ``share_poor_follow_up``, the shares
  with an index of 50 or below.

Groups: ``overall``, ``by_practice`` (GP practice code) and ``by_reason``
(a referral with several reason codes counts under each). **The payment
indicator** (the foundation's target): among citizens with a life-satisfaction
baseline and a follow-up taken 10 to 14 calendar months after it (inclusive),
``numerator`` = those whose life satisfaction is higher, ``denominator`` = all
of them, and ``share``.

Small numbers are suppressed so nobody can be singled out (the rule Danmarks
Statistik applies to published tables: no cell of 1-4 persons, and no cell
that can be worked out from the others):

- every figure computed from fewer than :data:`MIN_CITIZENS` citizens, and
  every count of 1-4 citizens, is shown as ``"<5"``;
- a count is also hidden when its complement in the group is 1-4 (with 6
  citizens of whom 5 improved, "5" would say that one did not): shown as
  :data:`HIDDEN` (``"skjult"``), since the count itself is not small;
- in a breakdown (by practice, by reason) the groups hidden together must
  hold 0 or at least 5 citizens: otherwise the overall figure minus the shown
  groups would give the hidden group's figures by subtraction. The smallest
  shown groups are then hidden as well, marked :data:`HIDDEN` (``"skjult"``),
  because they are not small themselves.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from dateutil.relativedelta import relativedelta
from scipy import stats
from sqlalchemy import select

from catalogue.base import utcnow
from catalogue.store import Store

from .models import Questionnaire, Referral
from .questionnaires import WHO5_POOR_INDEX, who5_index

#: Figures from fewer citizens than this are suppressed.
MIN_CITIZENS: Final = 5
SUPPRESSED: Final = "<5"
#: A group of 5 or more hidden so that a smaller hidden group cannot be worked out by subtraction.
HIDDEN: Final = "skjult"
#: The payment indicator's window after baseline, in calendar months (inclusive).
PAYMENT_WINDOW_MONTHS: Final = (10, 14)


@dataclass(frozen=True)
class Pair:
    """One citizen's baseline and follow-up on one instrument (scores as the report uses them)."""

    baseline: int
    follow_up: int
    baseline_on: date
    follow_up_on: date


@dataclass
class Citizen:
    """A referred citizen's referral facts and pairs per instrument."""

    practice: str | None
    reasons: list[str]
    pairs: dict[str, Pair]


def _score(instrument: str, raw: int) -> int:
    return who5_index(raw) if instrument == "who5" else raw


def load_citizens(store: Store) -> list[Citizen]:
    """Every citizen with at least one pair, from the first referral that has one."""
    with store.read() as session:
        referrals = {r.id: r for r in session.scalars(select(Referral).order_by(Referral.created_at, Referral.id))}
        answers: dict[str, dict[tuple[str, str], Questionnaire]] = defaultdict(dict)
        for q in session.scalars(select(Questionnaire)):
            answers[q.referral_id][(q.instrument, q.timepoint)] = q
    citizens: dict[tuple[str, str], Citizen] = {}
    for rid, referral in referrals.items():
        pairs = {}
        for (instrument, timepoint), base in answers.get(rid, {}).items():
            follow = answers[rid].get((instrument, "follow_up"))
            if timepoint == "baseline" and follow is not None:
                pairs[instrument] = Pair(
                    _score(instrument, base.score), _score(instrument, follow.score), base.taken_on, follow.taken_on
                )
        key = (referral.source, referral.citizen_ref) if referral.citizen_ref else ("", rid)
        if pairs and key not in citizens:
            citizens[key] = Citizen(referral.gp_practice, list(referral.reasons or []), pairs)
    return list(citizens.values())


def _count(k: int) -> int | str:
    return SUPPRESSED if 0 < k < MIN_CITIZENS else k


def _shown(k: int, n: int) -> bool:
    """May a count ``k`` of a group of ``n`` be shown: neither it nor its complement is 1-4."""
    return not (0 < k < MIN_CITIZENS or 0 < n - k < MIN_CITIZENS)


def _hidden_as(k: int) -> str:
    """How a count that may not be shown is written: ``"<5"`` when it is small itself, else ``"skjult"``."""
    return SUPPRESSED if 0 < k < MIN_CITIZENS else HIDDEN


def _count_in(k: int, n: int) -> int | str:
    return k if _shown(k, n) else _hidden_as(k)


def _share_in(k: int, n: int) -> float | str:
    return round(k / n, 3) if _shown(k, n) else _hidden_as(k)


def mean_ci95(changes: list[float]) -> tuple[float, tuple[float, float]]:
    """The mean of ``changes`` and its 95 % Student-t confidence interval (needs 2 or more values)."""
    n = len(changes)
    mean = statistics.fmean(changes)
    half = float(stats.t.ppf(0.975, n - 1)) * statistics.stdev(changes) / math.sqrt(n)
    return mean, (mean - half, mean + half)


def _measure(instrument: str, pairs: list[Pair]) -> dict[str, Any]:
    n = len(pairs)
    if n < MIN_CITIZENS:
        return {"n": _count(n)}
    changes = [float(p.follow_up - p.baseline) for p in pairs]
    mean, (low, high) = mean_ci95(changes)
    better: Callable[[float], bool] = (lambda c: c < 0) if instrument == "tils" else (lambda c: c > 0)
    improved = sum(1 for c in changes if better(c))
    out: dict[str, Any] = {
        "n": n,
        "mean_change": round(mean, 2),
        "ci95": [round(low, 2), round(high, 2)],
        "improved": _count_in(improved, n),
        "share_improved": _share_in(improved, n),
    }
    if instrument == "who5":
        for key, scores in (("baseline", [p.baseline for p in pairs]), ("follow_up", [p.follow_up for p in pairs])):
            poor = sum(1 for s in scores if s <= WHO5_POOR_INDEX)
            out[f"share_poor_{key}"] = _share_in(poor, n)
    return out


def group_report(citizens: Iterable[Citizen]) -> dict[str, Any]:
    """``{citizens, who5, life_satisfaction, tils}`` for one group; all ``"<5"`` under 5 citizens."""
    group = list(citizens)
    if len(group) < MIN_CITIZENS:
        return {"citizens": _count(len(group))}
    return {
        "citizens": len(group),
        **{
            instrument: _measure(instrument, [c.pairs[instrument] for c in group if instrument in c.pairs])
            for instrument in ("who5", "life_satisfaction", "tils")
        },
    }


def breakdown(groups: dict[str, list[Citizen]], total: int) -> dict[str, dict[str, Any]]:
    """``group_report`` per group, with secondary suppression (see the module): while the groups
    hidden together hold 1-4 of the ``total`` citizens, the smallest shown group is hidden too.

    For overlapping groups (a citizen under several reasons) "hidden together" is counted the same
    way, ``total`` minus the shown groups' citizens: conservative, it can only hide more.
    """
    hidden = {k for k, g in groups.items() if len(g) < MIN_CITIZENS}
    extra: set[str] = set()
    for key in sorted((k for k in groups if k not in hidden), key=lambda k: (len(groups[k]), k)):
        left = total - sum(len(g) for k, g in groups.items() if k not in hidden and k not in extra)
        if not hidden or not 0 < left < MIN_CITIZENS:
            break
        extra.add(key)
    return {k: {"citizens": HIDDEN} if k in extra else group_report(g) for k, g in sorted(groups.items())}


def payment_indicator(citizens: Iterable[Citizen]) -> dict[str, Any]:
    """The foundation's indicator: ``{numerator, denominator, share, window_months}`` (see the module)."""
    low, high = PAYMENT_WINDOW_MONTHS
    pairs = [
        p
        for c in citizens
        if (p := c.pairs.get("life_satisfaction")) is not None
        and p.baseline_on + relativedelta(months=low) <= p.follow_up_on <= p.baseline_on + relativedelta(months=high)
    ]
    higher, n = sum(1 for p in pairs if p.follow_up > p.baseline), len(pairs)
    enough = n >= MIN_CITIZENS
    return {
        "measure": "life_satisfaction",
        "window_months": [low, high],
        "numerator": _count_in(higher, n) if enough else _count(higher),
        "denominator": _count(n),
        "share": _share_in(higher, n) if enough else SUPPRESSED,
    }


def outcome_report(store: Store) -> dict[str, Any]:
    """The whole report: ``{generated_at, overall, by_practice, by_reason, payment_indicator}``."""
    citizens = load_citizens(store)
    by_practice: dict[str, list[Citizen]] = defaultdict(list)
    by_reason: dict[str, list[Citizen]] = defaultdict(list)
    for c in citizens:
        by_practice[c.practice or "(ukendt)"].append(c)
        for reason in c.reasons or ["(ingen)"]:
            by_reason[reason].append(c)
    return {
        "generated_at": utcnow().isoformat(),
        "min_citizens": MIN_CITIZENS,
        "overall": group_report(citizens),
        "by_practice": breakdown(by_practice, len(citizens)),
        "by_reason": breakdown(by_reason, len(citizens)),
        "payment_indicator": payment_indicator(citizens),
    }


__all__ = [
    "HIDDEN",
    "MIN_CITIZENS",
    "PAYMENT_WINDOW_MONTHS",
    "SUPPRESSED",
    "group_report",
    "mean_ci95",
    "outcome_report",
    "payment_indicator",
]
