"""verified identities (OpenID Connect / FranceConnect), and each edition's identity policy

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 20:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import budgetcitoyen.db

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verified_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("subject_key", sa.String(length=64), nullable=False),
        sa.Column("given_names", sa.String(length=200), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("usage_name", sa.String(length=100), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("acr", sa.String(length=100), nullable=False),
        sa.Column("verified_at", budgetcitoyen.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_verified_identities_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verified_identities")),
        sa.UniqueConstraint("subject_key", name=op.f("uq_verified_identities_subject_key")),
        sa.UniqueConstraint("user_id", name=op.f("uq_verified_identities_user_id")),
    )
    # Each edition says which identities may vote (declared, verified, either).
    with op.batch_alter_table("editions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("identity_policy", sa.String(length=10), nullable=False, server_default="either")
        )
        batch_op.create_check_constraint(
            op.f("ck_editions_known_identity_policy"), "identity_policy IN ('declared', 'verified', 'either')"
        )


def downgrade() -> None:
    with op.batch_alter_table("editions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_editions_known_identity_policy"), type_="check")
        batch_op.drop_column("identity_policy")
    op.drop_table("verified_identities")
