"""allocation results and settings

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 23:31:41.471024
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import budgetcitoyen.db

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

RULE_RENAMES = (
    ("greedy_skip", "greedy"),
    ("greedy_stop", "greedy"),
    ("territorial_greedy", "territorial"),
    ("equal_shares", "mes"),
)


def upgrade() -> None:
    op.create_table(
        "allocation_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=20), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("envelope", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("spent", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("remaining", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("voters", sa.Integer(), nullable=False),
        sa.Column("computed_at", budgetcitoyen.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("computed_by_id", sa.Integer(), nullable=True),
        sa.Column("published_at", budgetcitoyen.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("ballots_pb_sha256", sa.String(length=64), nullable=True),
        sa.Column("ballots_csv_sha256", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "spent >= 0 AND remaining >= 0", name=op.f("ck_allocation_results_amounts_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["computed_by_id"],
            ["users.id"],
            name=op.f("fk_allocation_results_computed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["edition_id"],
            ["editions.id"],
            name=op.f("fk_allocation_results_edition_id_editions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["users.id"],
            name=op.f("fk_allocation_results_published_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation_results")),
        sa.UniqueConstraint("edition_id", name="uq_allocation_results_edition"),
    )
    op.create_table(
        "allocation_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.Column("asked", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("granted", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("funded", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "granted >= 0 AND granted <= asked", name=op.f("ck_allocation_decisions_granted_within_asked")
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiatives.id"],
            name=op.f("fk_allocation_decisions_initiative_id_initiatives"),
        ),
        sa.ForeignKeyConstraint(
            ["result_id"],
            ["allocation_results.id"],
            name=op.f("fk_allocation_decisions_result_id_allocation_results"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation_decisions")),
        sa.UniqueConstraint("result_id", "initiative_id", name="uq_allocation_decisions_result_initiative"),
    )
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sub_envelope", sa.Numeric(precision=12, scale=2), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_categories_sub_envelope_not_negative"), "sub_envelope IS NULL OR sub_envelope >= 0"
        )

    # The rules are now those of the allocation engine; "stop at the first that does not fit" is
    # gone (no edition used it and it funds less than greedy), so it becomes greedy.
    with op.batch_alter_table("editions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_editions_known_allocation_rule"), type_="check")
    for old, new in RULE_RENAMES:
        op.execute(
            sa.text("UPDATE editions SET allocation_rule = :new WHERE allocation_rule = :old").bindparams(
                old=old, new=new
            )
        )
    with op.batch_alter_table("editions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("credits_available", sa.Numeric(precision=12, scale=2), nullable=True))
        batch_op.add_column(sa.Column("vote_threshold", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("mes_utility", sa.String(length=10), nullable=False, server_default="cost")
        )
        batch_op.create_check_constraint(
            op.f("ck_editions_known_allocation_rule"),
            "allocation_rule IN ('greedy', 'territorial', 'mes', 'mes-raw')",
        )
        batch_op.create_check_constraint(
            op.f("ck_editions_vote_threshold_not_negative"), "vote_threshold >= 0"
        )
        batch_op.create_check_constraint(
            op.f("ck_editions_known_mes_utility"), "mes_utility IN ('cost', 'card')"
        )


def downgrade() -> None:
    with op.batch_alter_table("editions", schema=None) as batch_op:
        for name in ("known_allocation_rule", "vote_threshold_not_negative", "known_mes_utility"):
            batch_op.drop_constraint(op.f(f"ck_editions_{name}"), type_="check")
        batch_op.drop_column("mes_utility")
        batch_op.drop_column("vote_threshold")
        batch_op.drop_column("credits_available")
    for old, new in (
        ("greedy", "greedy_skip"),
        ("territorial", "territorial_greedy"),
        ("mes", "equal_shares"),
        ("mes-raw", "equal_shares"),
    ):
        op.execute(
            sa.text("UPDATE editions SET allocation_rule = :old WHERE allocation_rule = :new").bindparams(
                old=new, new=old
            )
        )
    with op.batch_alter_table("editions", schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_editions_known_allocation_rule"),
            "allocation_rule IN ('greedy_skip', 'greedy_stop', 'territorial_greedy', 'equal_shares')",
        )
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_categories_sub_envelope_not_negative"), type_="check")
        batch_op.drop_column("sub_envelope")

    op.drop_table("allocation_decisions")
    op.drop_table("allocation_results")
