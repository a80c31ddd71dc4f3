"""files kept in the database, for several web servers (storage backend `database`)

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-04 19:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import budgetcitoyen.db

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "storage_files",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("chunks", sa.Integer(), nullable=False),
        sa.Column("stored_at", budgetcitoyen.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_storage_files")),
    )
    op.create_table(
        "storage_chunks",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["key"], ["storage_files.key"], name=op.f("fk_storage_chunks_key_storage_files"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("key", "position", name=op.f("pk_storage_chunks")),
    )


def downgrade() -> None:
    op.drop_table("storage_chunks")
    op.drop_table("storage_files")
