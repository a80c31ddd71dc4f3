"""an initiative's photo (its re-encoded widths live in the shared storage)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 20:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import budgetcitoyen.db

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "initiative_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("alt_text", sa.String(length=250), nullable=False),
        sa.Column("widths", sa.String(length=40), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=30), nullable=False),
        sa.Column("original_size", sa.Integer(), nullable=False),
        sa.Column("stored_size", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", budgetcitoyen.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("width > 0 AND height > 0", name=op.f("ck_initiative_photos_dimensions_positive")),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiatives.id"],
            name=op.f("fk_initiative_photos_initiative_id_initiatives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_initiative_photos")),
        sa.UniqueConstraint("initiative_id", name=op.f("uq_initiative_photos_initiative_id")),
        sa.UniqueConstraint("token", name=op.f("uq_initiative_photos_token")),
    )


def downgrade() -> None:
    op.drop_table("initiative_photos")
