"""The match log: demand statistics without the citizen's words."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from catalogue.store import Store

from .models import MatchLog


def age_band(age: int | None) -> str | None:
    """Ten-year bands ("60-69"): enough for statistics, too coarse to identify."""
    if age is None:
        return None
    low = (age // 10) * 10
    return f"{low}-{low + 9}"


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
    with store.engine.begin() as conn:
        conn.execute(
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


def recent_matches(store: Store, since: datetime | None = None, limit: int = 1000) -> list[dict[str, Any]]:
    stmt = select(MatchLog).order_by(MatchLog.at.desc()).limit(limit)
    if since is not None:
        stmt = stmt.where(MatchLog.at >= since)
    with store.engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(stmt)]
