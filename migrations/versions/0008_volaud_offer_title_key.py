"""offer.title_key: the title folded for search (æ=ae, ø=oe, å=aa, case, accents, punctuation)

Revision ID: 0008_volaud
Revises: 0007_w13a
Create Date: 2026-11-30 06:00:00

SQLite's ``lower()`` folds ASCII letters only, so a search for "ÆBLE" never met
"Æblehave" there, and neither engine met "Grenaa" from "grenå". The store now
searches folded keys (``catalogue.rows.search_key``, the fold organisations are
keyed on): the organisation's ``name_key`` already holds one, the offer gets
``title_key``, filled here for every existing offer. Plain ADD COLUMN, not a
batch rebuild (a rebuild on SQLite would cascade-delete the category links).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from catalogue.rows import search_key

revision = "0008_volaud"
down_revision = "0007_w13a"
branch_labels = None
depends_on = None


_offer = sa.table("offer", sa.column("id", sa.String), sa.column("title", sa.String), sa.column("title_key", sa.Text))


def upgrade() -> None:
    op.add_column("offer", sa.Column("title_key", sa.Text(), nullable=False, server_default=sa.text("''")))
    conn = op.get_bind()
    for offer_id, title in conn.execute(sa.select(_offer.c.id, _offer.c.title)).all():
        conn.execute(_offer.update().where(_offer.c.id == offer_id).values(title_key=search_key(title)))


def downgrade() -> None:
    op.drop_column("offer", "title_key")
