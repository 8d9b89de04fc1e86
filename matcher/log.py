"""The match log: demand statistics without the citizen's words.

Every match writes one row (:func:`record_match`); :func:`demand_report`
turns the rows into the admin's demand report. Sessions come from
``Store.read()`` / ``Store.write()``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Final

from sqlalchemy import insert, select

from catalogue.gazetteer import default_gazetteer
from catalogue.store import Store

from .models import MatchLog

#: Offers counted as "shown" per match: the top three, which a navigator reads out.
SHOWN_PER_MATCH: Final = 3
#: How many offers the report lists under ``most_shown_offers``.
MOST_SHOWN: Final = 20
#: Stands in for a missing town or age band in the report.
UNKNOWN: Final = "(ukendt)"


def age_band(age: int | None) -> str | None:
    """Ten-year bands ("60-69"): enough for statistics, too coarse to identify."""
    if age is None:
        return None
    low = (age // 10) * 10
    return f"{low}-{low + 9}"


def log_town(town: str | None) -> str | None:
    """The canonical gazetteer name of ``town`` (any name or alias), or None for
    anything else: free text typed as a town may be a citizen's name or CPR
    number, and the log keeps nothing personal."""
    place = default_gazetteer().resolve(town=town) if town else None
    return place.town if place else None


def record_match(
    store: Store,
    *,
    query_id: str,
    actor: str,
    town: str | None,
    age: int | None,
    language: str,
    barriers: Iterable[str],
    categories: Iterable[str],
    kinds: Iterable[str],
    result_ids: Iterable[str],
    excluded: Mapping[str, int],
    no_good_match: bool,
) -> None:
    """Write one match to the log, in its own bookkeeping transaction (``Store.bookkeeping``: a
    short lock wait, then the store's "locked" error, which the caller skips). The exact age is
    kept only as its :func:`age_band`; barriers are sorted; ``town`` is kept only
    as the canonical name of a town in the gazetteer (:func:`log_town`)."""
    town = log_town(town)
    with store.bookkeeping() as session:
        session.execute(
            insert(MatchLog).values(
                id=query_id,
                actor=actor,
                town=town,
                age_band=age_band(age),
                language=language,
                barriers=sorted(barriers),
                categories=list(categories),
                kinds=list(kinds),
                result_ids=list(result_ids),
                excluded=dict(excluded),
                no_good_match=no_good_match,
            )
        )


def recent_matches(store: Store, since: datetime | None = None, limit: int | None = 1000) -> list[dict[str, Any]]:
    """Logged matches newest first, as dicts of the ``match_log`` columns; at
    most ``limit`` (None: all), only those at or after ``since`` if given."""
    table = MatchLog.__table__
    stmt = select(table).order_by(MatchLog.at.desc(), MatchLog.id)
    if since is not None:
        stmt = stmt.where(MatchLog.at >= since)
    if limit is not None:
        stmt = stmt.limit(limit)
    with store.read() as session:
        return [dict(row) for row in session.execute(stmt).mappings()]


def demand_report(store: Store, *, since: datetime | None = None) -> dict[str, Any]:
    """What citizens ask for and where the catalogue falls short, from every
    logged match at or after ``since`` (all when None).

    Returns ``{"matches": int, "no_good_match": int}`` and, as lists of
    ``(key, count)`` pairs, most frequent first (ties in order of first
    appearance, newest match first): ``by_category``,
    ``no_good_match_by_category``, ``by_barrier``, ``by_town`` and
    ``by_age_band`` (missing ones as :data:`UNKNOWN`), ``excluded_by_rule``
    (summed exclusion counts per hard rule) and ``most_shown_offers`` (offers
    among a match's top :data:`SHOWN_PER_MATCH`, the :data:`MOST_SHOWN` most frequent).
    """
    rows = recent_matches(store, since=since, limit=None)
    no_match = [r for r in rows if r["no_good_match"]]
    shown: Counter[str] = Counter()
    excluded: Counter[str] = Counter()
    for r in rows:
        shown.update(r["result_ids"][:SHOWN_PER_MATCH])
        excluded.update(r["excluded"])
    return {
        "matches": len(rows),
        "no_good_match": len(no_match),
        "by_category": Counter(c for r in rows for c in r["categories"]).most_common(),
        "no_good_match_by_category": Counter(c for r in no_match for c in r["categories"]).most_common(),
        "by_barrier": Counter(b for r in rows for b in r["barriers"]).most_common(),
        "by_town": Counter(r["town"] or UNKNOWN for r in rows).most_common(),
        "by_age_band": Counter(r["age_band"] or UNKNOWN for r in rows).most_common(),
        "excluded_by_rule": (+excluded).most_common(),  # + drops rules that removed nothing
        "most_shown_offers": shown.most_common(MOST_SHOWN),
    }
