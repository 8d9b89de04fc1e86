"""web sessions (server-side) and failed sign-ins / rejected keys

Revision ID: 0007_w13a
Revises: 0006_w11
Create Date: 2026-11-30 03:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_w13a"
down_revision = "0006_w9s"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_session")),
    )
    op.create_index(op.f("ix_web_session_expires_at"), "web_session", ["expires_at"])
    op.create_table(
        "auth_failure",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_failure")),
    )
    op.create_index(op.f("ix_auth_failure_at"), "auth_failure", ["at"])
    op.create_index("ix_auth_failure_client", "auth_failure", ["client", "at"])


def downgrade() -> None:
    op.drop_index("ix_auth_failure_client", table_name="auth_failure")
    op.drop_index(op.f("ix_auth_failure_at"), table_name="auth_failure")
    op.drop_table("auth_failure")
    op.drop_index(op.f("ix_web_session_expires_at"), table_name="web_session")
    op.drop_table("web_session")
