"""capacity: volunteer reports, the capacity fund, grants and payments

Revision ID: 0006_w12
Revises: 0005_w9
Create Date: 2026-11-30 02:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0006_w12"
down_revision = "0005_w9"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "volunteer_report",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organisation_id", sa.String(length=100), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("volunteers", sa.Integer(), nullable=False),
        sa.Column("companions", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_volunteer_report_organisation_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_report")),
    )
    op.create_index(op.f("ix_volunteer_report_organisation_id"), "volunteer_report", ["organisation_id"])
    op.create_index(op.f("ix_volunteer_report_reported_on"), "volunteer_report", ["reported_on"])
    op.create_table(
        "capacity_fund",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("total_ore", sa.BigInteger(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capacity_fund")),
    )
    op.create_table(
        "capacity_grant",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=100), nullable=False),
        sa.Column("amount_ore", sa.BigInteger(), nullable=False),
        sa.Column("committed_on", sa.Date(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("expected_offers", sa.Integer(), nullable=False),
        sa.Column("expected_places", sa.Integer(), nullable=False),
        sa.Column("expected_volunteers", sa.Integer(), nullable=False),
        sa.Column("expected_companions", sa.Integer(), nullable=False),
        sa.Column("offer_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_capacity_grant_organisation_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capacity_grant")),
    )
    op.create_index(op.f("ix_capacity_grant_organisation_id"), "capacity_grant", ["organisation_id"])
    op.create_table(
        "capacity_grant_payment",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("grant_id", sa.String(length=36), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("amount_ore", sa.BigInteger(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["capacity_grant.id"],
            name=op.f("fk_capacity_grant_payment_grant_id_capacity_grant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capacity_grant_payment")),
    )
    op.create_index(op.f("ix_capacity_grant_payment_grant_id"), "capacity_grant_payment", ["grant_id"])


def downgrade() -> None:
    op.drop_table("capacity_grant_payment")
    op.drop_table("capacity_grant")
    op.drop_table("capacity_fund")
    op.drop_table("volunteer_report")
