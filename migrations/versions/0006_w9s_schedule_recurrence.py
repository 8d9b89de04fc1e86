"""schedules: a recurrence per slot, an explicit schedule state and exceptions

Revision ID: 0006_w9s
Revises: 0005_w9
Create Date: 2026-11-30 02:20:00

Slots stay in the ``slots`` JSON column; a slot may now carry RFC 5545 keys
(freq, interval, nth, byweekno, bymonthday, dtstart, until, count) and a note
(see catalogue.schedule.model); an existing slot without them is every week,
as before. ``schedule_state`` is filled from the rows: "slots" when an offer
has slots, "by_arrangement" when it has none (what an empty list meant).
``schedule_exceptions`` holds excepted months and periods.

The downgrade keeps only plain weekly slots (the old model cannot say "first
Tuesday of the month") and drops the notes, state and exceptions.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_w9s"
down_revision = "0006_w11"
branch_labels = None
depends_on = None

_offer = sa.table(
    "offer",
    sa.column("id", sa.String),
    sa.column("slots", sa.JSON),
    sa.column("schedule_state", sa.String),
)
_RULE_KEYS = ("freq", "interval", "nth", "byweekno", "bymonthday", "dtstart", "until", "count")


def upgrade() -> None:
    op.add_column("offer", sa.Column("schedule_state", sa.String(length=20), nullable=True))
    op.add_column("offer", sa.Column("schedule_exceptions", sa.JSON(), nullable=True))
    conn = op.get_bind()
    for offer_id, slots in conn.execute(sa.select(_offer.c.id, _offer.c.slots)).all():
        state = "slots" if slots else "by_arrangement"
        conn.execute(_offer.update().where(_offer.c.id == offer_id).values(schedule_state=state))


def _weekly(slot: dict) -> bool:  # type: ignore[type-arg]
    return (slot.get("freq") or "WEEKLY") == "WEEKLY" and not any(
        slot.get(k) for k in _RULE_KEYS if k != "freq"
    ) and slot.get("weekday") is not None


def downgrade() -> None:
    conn = op.get_bind()
    for offer_id, slots in conn.execute(sa.select(_offer.c.id, _offer.c.slots)).all():
        kept = [{k: s[k] for k in ("weekday", "start", "end")} for s in slots or [] if _weekly(s)]
        if kept != (slots or []):
            conn.execute(_offer.update().where(_offer.c.id == offer_id).values(slots=kept))
    # Plain ALTER TABLE: a batch copy of ``offer`` would cascade-delete its links on SQLite.
    op.drop_column("offer", "schedule_exceptions")
    op.drop_column("offer", "schedule_state")
