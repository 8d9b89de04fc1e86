"""referrals as a closed loop: lifecycle fields, proposed offers, companions, questionnaires

Revision ID: 0006_w11
Revises: 0006_w12
Create Date: 2026-11-30 02:20:00

Plain ADD COLUMN on ``referral`` (no batch rebuild: on SQLite that would drop
the table and, ON DELETE CASCADE, its history). The old statuses
``followed_up`` and ``declined`` become ``following_up`` and ``closed``
(reason ``no_longer_interested``); the downgrade maps them back.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_w11"
down_revision = "0006_w12"
branch_labels = None
depends_on = None

COLUMNS = (
    ("close_reason", sa.String(length=30)),
    ("interests", sa.JSON()),
    ("barriers", sa.JSON()),
    ("previous_id", sa.String(length=36)),
    ("anonymised_at", sa.DateTime(timezone=True)),
)


def _fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["referral_id"], ["referral.id"], name=op.f(f"fk_{table}_referral_id_referral"), ondelete="CASCADE"
    )


def upgrade() -> None:
    for name, type_ in COLUMNS:
        op.add_column("referral", sa.Column(name, type_, nullable=True))
    op.create_index(op.f("ix_referral_previous_id"), "referral", ["previous_id"], unique=False)
    referral = sa.table(
        "referral", sa.column("status", sa.String), sa.column("close_reason", sa.String), sa.column("interests"),
    )
    op.execute(referral.update().where(referral.c.status == "followed_up").values(status="following_up"))
    op.execute(
        referral.update()
        .where(referral.c.status == "declined")
        .values(status="closed", close_reason="no_longer_interested")
    )
    op.create_table(
        "referral_offer",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("offer_id", sa.String(length=64), nullable=False),
        sa.Column("query_id", sa.String(length=36), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=True),
        _fk("referral_offer"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_offer")),
        sa.UniqueConstraint("referral_id", "offer_id", name="uq_referral_offer"),
    )
    op.create_index(op.f("ix_referral_offer_referral_id"), "referral_offer", ["referral_id"], unique=False)
    op.create_table(
        "companion_request",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("offer_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        _fk("companion_request"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companion_request")),
    )
    op.create_index(op.f("ix_companion_request_referral_id"), "companion_request", ["referral_id"], unique=False)
    op.create_table(
        "questionnaire",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("instrument", sa.String(length=20), nullable=False),
        sa.Column("timepoint", sa.String(length=10), nullable=False),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        _fk("questionnaire"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questionnaire")),
        sa.UniqueConstraint("referral_id", "instrument", "timepoint", name="uq_questionnaire_referral_instrument"),
    )
    op.create_index(op.f("ix_questionnaire_referral_id"), "questionnaire", ["referral_id"], unique=False)


def downgrade() -> None:
    for table in ("questionnaire", "companion_request", "referral_offer"):
        op.drop_index(op.f(f"ix_{table}_referral_id"), table_name=table)
        op.drop_table(table)
    referral = sa.table("referral", sa.column("status", sa.String), sa.column("close_reason", sa.String))
    op.execute(referral.update().where(referral.c.status == "following_up").values(status="followed_up"))
    op.execute(
        referral.update()
        .where(referral.c.status == "closed", referral.c.close_reason == "no_longer_interested")
        .values(status="declined")
    )
    op.execute(
        referral.update()
        .where(referral.c.status.in_(["could_not_contact", "assessed"]))
        .values(status="contacted")
    )
    op.drop_index(op.f("ix_referral_previous_id"), table_name="referral")
    for name, _ in reversed(COLUMNS):
        op.drop_column("referral", name)
