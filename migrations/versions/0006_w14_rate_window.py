"""rate windows: per-key request counters shared by every worker

Revision ID: 0006_w14
Revises: 0006_w9d
Create Date: 2026-11-30 02:30:00

One row per (key name, kind): the current fixed window (its index from the epoch) and the
requests counted in it (see api.throttle).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_w14"
down_revision = "0006_w9d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_window",
        sa.Column("bucket", sa.String(length=140), nullable=False),
        sa.Column("window_index", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", name=op.f("pk_rate_window")),
    )


def downgrade() -> None:
    op.drop_table("rate_window")
