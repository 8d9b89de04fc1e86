"""audience and places: who an offer is for (offer.audience), the table extending its vocabulary, offer.other_locations

Revision ID: 0006_w9d
Revises: 0006_w9s
Create Date: 2026-11-30 02:20:00

``offer.audience`` is a JSON list of ``catalogue.audience`` codes; existing
offers get ``[]`` (for everyone), which is what they said before. Plain ADD
COLUMN, not a batch rebuild (a rebuild on SQLite would cascade-delete the
category links). ``audience_group`` holds codes added to the built-in
vocabulary at run time (``Store.add_audience``). ``offer.other_locations`` is a
JSON list of further places (``catalogue.records.PlaceRecord``); existing
offers get ``[]``. Every organisation's ``name_key`` is recomputed with the
folded key (``catalogue.rows.name_key``), so "Grenå X" and "Grenaa X" meet.
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import op

from catalogue.rows import name_key

revision = "0006_w9d"
down_revision = "0006_w9s"
branch_labels = None
depends_on = None


_organisation = sa.table("organisation", sa.column("id", sa.String), sa.column("name", sa.String), sa.column("name_key", sa.String))


def upgrade() -> None:
    # Organisations are now found by the folded name (catalogue.rows.name_key: "Grenå" = "Grenaa").
    conn = op.get_bind()
    for org_id, name in conn.execute(sa.select(_organisation.c.id, _organisation.c.name)).all():
        conn.execute(_organisation.update().where(_organisation.c.id == org_id).values(name_key=name_key(name)))
    op.add_column("offer", sa.Column("audience", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    op.add_column("offer", sa.Column("other_locations", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    op.create_table(
        "audience_group",
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("label_da", sa.String(length=100), nullable=False),
        sa.Column("synonyms", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_audience_group")),
    )


def downgrade() -> None:
    conn = op.get_bind()
    for org_id, name in conn.execute(sa.select(_organisation.c.id, _organisation.c.name)).all():
        old_key = " ".join(unicodedata.normalize("NFC", name).casefold().split())  # the key before 0006_w9d
        conn.execute(_organisation.update().where(_organisation.c.id == org_id).values(name_key=old_key))
    op.drop_table("audience_group")
    op.drop_column("offer", "other_locations")
    op.drop_column("offer", "audience")
