"""Demand from the match log and the referrals, and the gap report.

**No good match.** The matcher logs ``no_good_match`` (``matcher.ranking.is_weak``)
when nothing fits, or when none of the top three shares a word with the
citizen's text and none is closer in meaning than the threshold
:data:`NO_GOOD_MATCH_THRESHOLD` (the cosine similarity of the e5 embeddings,
``matcher.ranking.WEAK_VECTOR_SCORE``). A **zero-result** request got no offer
at all; the **barrier that removed the most offers** is the barrier rule with
the largest count in the log's ``excluded`` (how many of the most relevant
offers each hard rule removed), see :data:`BARRIER_RULES`.

**Gap report.** Every logged request counts once under each combination of its
town, each inferred category and each barrier (``"(ingen)"`` without one;
``"(ukendt)"`` without a town or category). Against each combination stands
the supply on the report's last day: active offers in that town (or online)
in that category that meet the barrier (:func:`meets`), their free places and
waiting lists. Rows are ranked by unmet requests (no good match) per free
place, ``unmet / (1 + places_available)``, then by unmet requests.

Counts are suppressed by :mod:`reports.suppress`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any, Final

from capacity.supply import ONLINE, OfferHistory, end_of, keys_of, start_of
from catalogue.costs import monthly_cost
from catalogue.predicates import has_daytime_slot, has_evening_slot
from catalogue.store import Store
from matcher.log import UNKNOWN, recent_matches
from matcher.ranking import WEAK_VECTOR_SCORE

from .suppress import share, shown

NO_GOOD_MATCH_THRESHOLD: Final = WEAK_VECTOR_SCORE
NO_BARRIER: Final = "(ingen)"
#: Hard rule (matcher.rules) -> the barrier (matcher.request.BARRIERS) it stands for.
BARRIER_RULES: Final[dict[str, str]] = {
    "wheelchair_user": "wheelchair_user",
    "cost": "low_income",
    "language": "non_danish_speaker",
    "daytime_only": "daytime_only",
    "evenings_only": "evenings_only",
    "no_car": "no_car",
}
#: Most a low income may pay a month (the matcher's cost rule: 100 kr.).
LOW_INCOME_MONTHLY_DKK: Final = 100.0

Snapshot = Mapping[str, Any]


def _slots(o: Snapshot) -> list[Mapping[str, Any]]:
    return list((o.get("schedule") or {}).get("slots") or [])


def _cheap(o: Snapshot) -> bool:
    monthly = monthly_cost(o.get("cost"))
    return monthly is None or monthly <= LOW_INCOME_MONTHLY_DKK


#: Barrier -> whether an offer snapshot meets it (a simpler, offer-only reading of the
#: matcher's hard rules and soft preferences; distance and age are not known here).
BARRIER_MET: Final[dict[str, Callable[[Snapshot], bool]]] = {
    "wheelchair_user": lambda o: "wheelchair" in (o.get("accessibility") or []),
    "reduced_mobility": lambda o: bool({"wheelchair", "step_free"} & set(o.get("accessibility") or [])),
    "no_car": lambda o: (
        bool(o.get("transport_offered") or (o.get("location") or {}).get("online"))
        or "near_public_transport" in (o.get("accessibility") or [])
    ),
    "social_anxiety": lambda o: o.get("group_size") == "small" or bool(o.get("companion_available")),
    "low_income": _cheap,
    "non_danish_speaker": lambda o: any(lang != "da" for lang in o.get("languages") or []),
    "hearing_impaired": lambda o: "hearing_loop" in (o.get("accessibility") or []),
    "daytime_only": lambda o: not _slots(o) or has_daytime_slot(_slots(o)),
    "evenings_only": lambda o: not _slots(o) or has_evening_slot(_slots(o)),
    "needs_companion": lambda o: bool(o.get("companion_available")),
}


def meets(offer: Snapshot, barrier: str) -> bool:
    """Whether an offer suits a citizen with ``barrier`` (unknown barriers and ``"(ingen)"``: yes)."""
    check = BARRIER_MET.get(barrier)
    return check is None or check(offer)


def requests_between(store: Store, start: date, end: date) -> list[dict[str, Any]]:
    """Logged match requests from the start of ``start`` to the end of ``end`` (UTC)."""
    cut = end_of(end)
    return [r for r in recent_matches(store, since=start_of(start), limit=None) if r["at"] <= cut]


def worst_barrier(excluded: Mapping[str, int]) -> str | None:
    """The barrier whose rule removed the most offers (ties: the first in :data:`BARRIER_RULES`)."""
    counts = [(n, -i, BARRIER_RULES[rule]) for i, (rule, n) in enumerate(_ordered(excluded)) if n > 0]
    return max(counts)[2] if counts else None


def _ordered(excluded: Mapping[str, int]) -> list[tuple[str, int]]:
    return [(rule, excluded[rule]) for rule in BARRIER_RULES if rule in excluded]


def _by(rows: list[dict[str, Any]], keys: Callable[[dict[str, Any]], Iterable[str]]) -> list[dict[str, Any]]:
    total: Counter[str] = Counter()
    weak: Counter[str] = Counter()
    for r in rows:
        for k in set(keys(r)):
            total[k] += 1
            weak[k] += bool(r["no_good_match"])
    return [
        {"key": k, "requests": shown(n), "no_good_match": shown(weak[k], n), "share_no_good_match": share(weak[k], n)}
        for k, n in sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def demand(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Requests by town, category, barrier and age band (the log's target group:
    it keeps a ten-year band, not the citizen's group), the share without a good
    match, and zero-result requests by the barrier that removed the most offers."""
    zero = [r for r in rows if not r["result_ids"]]
    worst = Counter(worst_barrier(r["excluded"] or {}) or NO_BARRIER for r in zero)
    weak = sum(bool(r["no_good_match"]) for r in rows)
    return {
        "requests": shown(len(rows)),
        "no_good_match": shown(weak, len(rows)),
        "share_no_good_match": share(weak, len(rows)),
        "no_good_match_threshold": NO_GOOD_MATCH_THRESHOLD,
        "by_town": _by(rows, lambda r: [r["town"] or UNKNOWN]),
        "by_category": _by(rows, lambda r: r["categories"] or [UNKNOWN]),
        "by_barrier": _by(rows, lambda r: r["barriers"] or [NO_BARRIER]),
        "by_age_band": _by(rows, lambda r: [r["age_band"] or UNKNOWN]),
        "zero_results": shown(len(zero)),
        "zero_results_by_barrier": [
            {"barrier": b, "requests": shown(n)} for b, n in sorted(worst.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
    }


def _in_town(offer: Snapshot, town: str) -> bool:
    where = keys_of(offer, "town")[0]
    return where in (town, ONLINE)


def gaps(
    rows: list[dict[str, Any]], history: OfferHistory, day: date, limit: int | None = None
) -> list[dict[str, Any]]:
    """The gap report (see the module docstring): one dict per (town, category, barrier)."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        for category in r["categories"] or [UNKNOWN]:
            for barrier in r["barriers"] or [NO_BARRIER]:
                groups[(r["town"] or UNKNOWN, category, barrier)].append(r)
    active = history.active(day)
    out: list[dict[str, Any]] = []
    for (town, category, barrier), members in groups.items():
        fit = [o for o in active if _in_town(o, town) and category in keys_of(o, "category") and meets(o, barrier)]
        n, unmet = len(members), sum(bool(r["no_good_match"]) for r in members)
        free = sum(o.get("places_available") or 0 for o in fit)
        out.append(
            {
                "town": town,
                "category": category,
                "barrier": barrier,
                "_unmet": unmet,
                "_score": unmet / (1 + free),
                "requests": shown(n),
                "no_good_match": shown(unmet, n),
                "zero_results": shown(sum(not r["result_ids"] for r in members), n),
                "offers": len(fit),
                "places_total": sum(o.get("places_total") or 0 for o in fit),
                "places_available": free,
                "waitlist": sum(o.get("waitlist") or 0 for o in fit),
            }
        )
    out.sort(key=lambda g: (-float(g["_score"]), -int(g["_unmet"]), g["town"], g["category"], g["barrier"]))
    ranked = [{"rank": i, **{k: v for k, v in g.items() if not k.startswith("_")}} for i, g in enumerate(out, 1)]
    return ranked[:limit] if limit is not None else ranked


def waiting(history: OfferHistory, day: date) -> list[dict[str, Any]]:
    """Active offers with people waiting on ``day``, longest list first (counts reported
    by the organisations, not from referrals: not suppressed)."""
    rows = [o for o in history.active(day) if (o.get("waitlist") or 0) > 0]
    return [
        {
            "offer_id": o["id"],
            "title": o.get("title"),
            "town": keys_of(o, "town")[0],
            "waitlist": o["waitlist"],
            "places_total": o.get("places_total"),
        }
        for o in sorted(rows, key=lambda o: (-o["waitlist"], o["id"]))
    ]


def supply_demand_by_category(rows: list[dict[str, Any]], history: OfferHistory, day: date) -> list[dict[str, Any]]:
    """Per category: requests (suppressed), active offers and free places on ``day``."""
    requests = Counter(c for r in rows for c in set(r["categories"] or [UNKNOWN]))
    offers: Counter[str] = Counter()
    free: Counter[str] = Counter()
    for o in history.active(day):
        for c in keys_of(o, "category"):
            offers[c] += 1
            free[c] += o.get("places_available") or 0
    keys = sorted(set(requests) | set(offers), key=lambda k: (-requests[k], -offers[k], k))
    return [
        {
            "category": k,
            "requests": shown(requests[k]),
            "offers": offers[k],
            "places_available": free[k],
        }
        for k in keys
    ]


def public(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows without their unsuppressed helper fields (names starting with ``_``)."""
    return [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]
