"""referral intake: external_ref (unique per source), received, age band, place

Revision ID: 0005_w11
Revises: 0004
Create Date: 2026-11-30 00:40:00

Plain ADD COLUMN and a unique index, not a batch rebuild: rebuilding
``referral`` on SQLite would drop it, and with it (ON DELETE CASCADE) the
status history.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_w11"
down_revision = "0004"
branch_labels = None
depends_on = None

COLUMNS = (
    ("external_ref", sa.String(length=64)),
    ("received", sa.Date()),
    ("age_band", sa.String(length=10)),
    ("postcode", sa.String(length=4)),
    ("town", sa.String(length=100)),
)


def upgrade() -> None:
    for name, type_ in COLUMNS:
        op.add_column("referral", sa.Column(name, type_, nullable=True))
    op.create_index("ix_referral_source_external_ref", "referral", ["source", "external_ref"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_referral_source_external_ref", table_name="referral")
    for name, _ in reversed(COLUMNS):
        op.drop_column("referral", name)
