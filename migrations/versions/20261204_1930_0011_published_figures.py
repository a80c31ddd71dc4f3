"""published results frozen: their figures and charts, stored once at publication

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-04 19:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import budgetcitoyen.db

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Results published before this revision have no stored figures: their pages count them on each
    # visit, as before (budgetcitoyen.results.figures falls back to a live count).
    op.create_table(
        "published_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("etag", sa.String(length=64), nullable=False),
        sa.Column("frozen_at", budgetcitoyen.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["result_id"], ["allocation_results.id"],
                                name=op.f("fk_published_figures_result_id_allocation_results"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_published_figures")),
        sa.UniqueConstraint("result_id", name="uq_published_figures_result"),
    )
    op.create_table(
        "published_charts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("svg", sa.LargeBinary(), nullable=False),
        sa.Column("etag", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["result_id"], ["allocation_results.id"],
                                name=op.f("fk_published_charts_result_id_allocation_results"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_published_charts")),
        sa.UniqueConstraint("result_id", "name", name="uq_published_charts_result_name"),
    )


def downgrade() -> None:
    op.drop_table("published_charts")
    op.drop_table("published_figures")
