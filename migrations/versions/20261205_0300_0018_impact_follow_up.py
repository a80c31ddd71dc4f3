"""impact follow-up: the final report's indicators, the yearly survey of past winners and its answers

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import budgetcitoyen.db

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def _impact_columns() -> list[sa.Column]:
    """The indicators (budgetcitoyen.conventions.models.ImpactColumns); employees are a headcount."""
    return [
        sa.Column("still_active", sa.Boolean(), nullable=False),
        sa.Column("volunteers_before", sa.Integer(), nullable=False),
        sa.Column("volunteers_after", sa.Integer(), nullable=False),
        sa.Column("employees_before", sa.Integer(), nullable=False),
        sa.Column("employees_after", sa.Integer(), nullable=False),
        sa.Column("other_funding", sa.Boolean(), nullable=False),
        sa.Column("other_funding_amount", sa.Numeric(12, 2), nullable=True),
        sa.Column("funders", sa.Text(), nullable=False),
        sa.Column("story", sa.Text(), nullable=False),
        sa.Column("story_public", sa.Boolean(), nullable=False),
    ]


def _impact_checks(table: str) -> list[sa.CheckConstraint]:
    return [
        sa.CheckConstraint("volunteers_before >= 0 AND volunteers_after >= 0",
                           name=op.f(f"ck_{table}_volunteers_positive")),
        sa.CheckConstraint("employees_before >= 0 AND employees_after >= 0",
                           name=op.f(f"ck_{table}_employees_positive")),
        sa.CheckConstraint("other_funding_amount IS NULL OR (other_funding AND other_funding_amount > 0)",
                           name=op.f(f"ck_{table}_funding_amount_consistent")),
    ]


def upgrade() -> None:
    op.create_table(
        "convention_report_impacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("convention_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", budgetcitoyen.db.UTCDateTime(timezone=True), nullable=False),
        *_impact_columns(),
        *_impact_checks("convention_report_impacts"),
        sa.ForeignKeyConstraint(["convention_id"], ["conventions.id"],
                                name=op.f("fk_convention_report_impacts_convention_id_conventions"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_convention_report_impacts")),
        sa.UniqueConstraint("convention_id", name=op.f("uq_convention_report_impacts_convention_id")),
    )
    op.create_table(
        "impact_campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("created_at", budgetcitoyen.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_impact_campaigns_created_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_impact_campaigns")),
        sa.UniqueConstraint("year", name=op.f("uq_impact_campaigns_year")),
    )
    op.create_table(
        "impact_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("convention_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("queued_at", budgetcitoyen.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["impact_campaigns.id"],
                                name=op.f("fk_impact_invitations_campaign_id_impact_campaigns"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["convention_id"], ["conventions.id"],
                                name=op.f("fk_impact_invitations_convention_id_conventions"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_impact_invitations")),
        sa.UniqueConstraint("campaign_id", "convention_id", name="uq_impact_invitations_once"),
    )
    op.create_index(op.f("ix_impact_invitations_convention_id"), "impact_invitations", ["convention_id"])
    op.create_table(
        "impact_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("answered_at", budgetcitoyen.db.UTCDateTime(timezone=True), nullable=False),
        *_impact_columns(),
        *_impact_checks("impact_answers"),
        sa.ForeignKeyConstraint(["invitation_id"], ["impact_invitations.id"],
                                name=op.f("fk_impact_answers_invitation_id_impact_invitations"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_impact_answers")),
        sa.UniqueConstraint("invitation_id", name=op.f("uq_impact_answers_invitation_id")),
    )


def downgrade() -> None:
    op.drop_table("impact_answers")
    op.drop_index(op.f("ix_impact_invitations_convention_id"), table_name="impact_invitations")
    op.drop_table("impact_invitations")
    op.drop_table("impact_campaigns")
    op.drop_table("convention_report_impacts")
