"""audience: who an offer is for (offer.audience) and the table extending its vocabulary

Revision ID: 0006_w9d
Revises: 0005_w9
Create Date: 2026-11-30 02:20:00

``offer.audience`` is a JSON list of ``catalogue.audience`` codes; existing
offers get ``[]`` (for everyone), which is what they said before. Plain ADD
COLUMN, not a batch rebuild (a rebuild on SQLite would cascade-delete the
category links). ``audience_group`` holds codes added to the built-in
vocabulary at run time (``Store.add_audience``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_w9d"
down_revision = "0005_w9"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("offer", sa.Column("audience", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    op.create_table(
        "audience_group",
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("label_da", sa.String(length=100), nullable=False),
        sa.Column("synonyms", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_audience_group")),
    )


def downgrade() -> None:
    op.drop_table("audience_group")
    op.drop_column("offer", "audience")
