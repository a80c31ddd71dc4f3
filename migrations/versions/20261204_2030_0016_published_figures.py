"""published results frozen: their figures, counted once at publication

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 20:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import budgetcitoyen.db

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Results published before this revision have no stored figures: their pages count them on each
    # visit, as before (budgetcitoyen.results.figures.count). The charts drawn at publication are files
    # of the app's storage (results/<year>/graphiques/), not rows.
    op.create_table(
        "published_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("frozen_at", budgetcitoyen.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["result_id"], ["allocation_results.id"],
                                name=op.f("fk_published_figures_result_id_allocation_results"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_published_figures")),
        sa.UniqueConstraint("result_id", name="uq_published_figures_result"),
    )


def downgrade() -> None:
    op.drop_table("published_figures")
