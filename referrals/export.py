"""The research export: one CSV row per referral, for linkage to the health
registries outside this system (the first payment target).

UTF-8 with a byte-order mark and ``;`` as separator (what Danish Excel
opens as is). Pseudonymous: the service's own referral id and the referring
system's pseudonym, never a name or CPR number. The columns are
:data:`COLUMNS`, documented in the README ("Research export").
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from typing import Any, Final

from sqlalchemy import select

from catalogue.store import Store

from .models import Questionnaire, Referral, ReferralEvent
from .questionnaires import INSTRUMENTS, TIMEPOINTS

COLUMNS: Final[tuple[str, ...]] = (
    "referral_id",
    "source",
    "citizen_ref",
    "previous_id",
    "gp_practice",
    "age_band",
    "reasons",
    "received",
    "status",
    "close_reason",
    "closed_on",
    "status_history",
    *(f"{i}_{t}_{part}" for i in INSTRUMENTS for t in TIMEPOINTS for part in ("date", "score")),
)


def rows(store: Store) -> list[dict[str, Any]]:
    """Every referral as a dict of :data:`COLUMNS` (text and numbers; empty for unknown)."""
    with store.read() as session:
        events: dict[str, list[ReferralEvent]] = defaultdict(list)
        for e in session.scalars(select(ReferralEvent).order_by(ReferralEvent.id)):
            events[e.referral_id].append(e)
        answers: dict[str, list[Questionnaire]] = defaultdict(list)
        for q in session.scalars(select(Questionnaire)):
            answers[q.referral_id].append(q)
        out = []
        for r in session.scalars(select(Referral).order_by(Referral.created_at, Referral.id)):
            steps: list[tuple[str, str]] = []
            closed_on = ""
            for e in events[r.id]:
                if not steps or steps[-1][0] != e.status or e.status == "started":
                    steps.append((e.status, e.at.date().isoformat()))
                if e.status == "closed" and not closed_on:
                    closed_on = e.at.date().isoformat()
            row: dict[str, Any] = {
                "referral_id": r.id,
                "source": r.source,
                "citizen_ref": r.citizen_ref,
                "previous_id": r.previous_id or "",
                "gp_practice": r.gp_practice or "",
                "age_band": r.age_band or "",
                "reasons": ",".join(r.reasons or []),
                "received": r.received.isoformat() if r.received else "",
                "status": r.status,
                "close_reason": r.close_reason or "",
                "closed_on": closed_on,
                "status_history": "|".join(f"{s}@{d}" for s, d in steps),
            }
            for q in answers[r.id]:
                row[f"{q.instrument}_{q.timepoint}_date"] = q.taken_on.isoformat()
                row[f"{q.instrument}_{q.timepoint}_score"] = q.score
            out.append({c: row.get(c, "") for c in COLUMNS})
    return out


def research_csv(store: Store) -> str:
    """The export as text, starting with the UTF-8 byte-order mark; encode it as UTF-8."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows(store))
    return buffer.getvalue()


__all__ = ["COLUMNS", "research_csv", "rows"]
