"""cost options: an offer's price as a JSON list of options instead of one amount and period

Revision ID: 0005_w9
Revises: 0004
Create Date: 2026-11-30 00:40:00

Each stored ``cost_amount_dkk``/``cost_per`` becomes
``{"options": [{"amount": ..., "currency": "DKK", "per": ..., "text": null}]}``
(see catalogue.costs); the downgrade keeps the first DKK option (0 per "gang"
when the price is unknown, which is what the old columns could say).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_w9"
down_revision = "0005_w11"
branch_labels = None
depends_on = None

_offer = sa.table(
    "offer",
    sa.column("id", sa.String),
    sa.column("cost_amount_dkk", sa.Float),
    sa.column("cost_per", sa.String),
    sa.column("cost", sa.JSON),
)


def upgrade() -> None:
    op.add_column("offer", sa.Column("cost", sa.JSON(), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.select(_offer.c.id, _offer.c.cost_amount_dkk, _offer.c.cost_per)).all()
    for offer_id, amount, per in rows:
        option = {"amount": float(amount or 0.0), "currency": "DKK", "per": per or "gang", "text": None}
        conn.execute(_offer.update().where(_offer.c.id == offer_id).values(cost={"options": [option]}))
    # Plain ALTER TABLE (SQLite >= 3.35 drops columns natively): a batch copy of the table
    # would cascade-delete the offer's category links and audit trail on SQLite.
    op.drop_column("offer", "cost_per")
    op.drop_column("offer", "cost_amount_dkk")


def downgrade() -> None:
    op.add_column("offer", sa.Column("cost_amount_dkk", sa.Float(), nullable=False, server_default="0"))
    op.add_column("offer", sa.Column("cost_per", sa.String(length=10), nullable=False, server_default="gang"))
    conn = op.get_bind()
    for offer_id, cost in conn.execute(sa.select(_offer.c.id, _offer.c.cost)).all():
        options = [
            o for o in (cost or {}).get("options") or [] if o.get("currency") == "DKK" and o.get("amount") is not None
        ]
        if options:
            first = options[0]
            conn.execute(
                _offer.update()
                .where(_offer.c.id == offer_id)
                .values(cost_amount_dkk=first["amount"], cost_per=(first.get("per") or "gang")[:10])
            )
    op.drop_column("offer", "cost")
