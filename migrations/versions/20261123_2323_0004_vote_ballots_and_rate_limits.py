"""vote ballots and rate limits

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 23:23:42.730624
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import budgetcitoyen.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("at", budgetcitoyen.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_events")),
    )
    with op.batch_alter_table("rate_events", schema=None) as batch_op:
        batch_op.create_index("ix_rate_events_action_key_at", ["action", "key", "at"], unique=False)

    op.create_table(
        "ballots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("receipt_id", sa.String(length=32), nullable=False),
        sa.Column("voter_key", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.Column("age_band", sa.String(length=10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("cast_at", budgetcitoyen.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("voided_at", budgetcitoyen.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.String(length=500), nullable=True),
        sa.CheckConstraint("channel IN ('online', 'paper')", name=op.f("ck_ballots_known_channel")),
        sa.CheckConstraint(
            "(voided_at IS NULL AND void_reason IS NULL) OR (voided_at IS NOT NULL AND void_reason IS NOT NULL)",
            name=op.f("ck_ballots_void_has_reason"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_ballots_version_positive")),
        sa.ForeignKeyConstraint(
            ["edition_id"], ["editions.id"], name=op.f("fk_ballots_edition_id_editions"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"], ["territories.id"], name=op.f("fk_ballots_territory_id_territories")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballots")),
        sa.UniqueConstraint("edition_id", "voter_key", name="uq_ballots_edition_voter"),
        sa.UniqueConstraint("public_id", name="uq_ballots_public_id"),
        sa.UniqueConstraint("receipt_id", name="uq_ballots_receipt_id"),
    )
    with op.batch_alter_table("ballots", schema=None) as batch_op:
        batch_op.create_index("ix_ballots_edition_voided", ["edition_id", "voided_at"], unique=False)

    op.create_table(
        "paper_attendances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=False),
        sa.Column("person_key", sa.String(length=64), nullable=False),
        sa.Column("polling_place", sa.String(length=200), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("entered_at", budgetcitoyen.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_code"], ["communes.insee_code"], name=op.f("fk_paper_attendances_commune_code_communes")
        ),
        sa.ForeignKeyConstraint(
            ["edition_id"],
            ["editions.id"],
            name=op.f("fk_paper_attendances_edition_id_editions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_id"],
            ["users.id"],
            name=op.f("fk_paper_attendances_entered_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_attendances")),
        sa.UniqueConstraint("edition_id", "person_key", name="uq_paper_attendances_edition_person"),
    )
    op.create_table(
        "voter_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=False),
        sa.Column("person_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", budgetcitoyen.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", budgetcitoyen.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_code"], ["communes.insee_code"], name=op.f("fk_voter_profiles_commune_code_communes")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_voter_profiles_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voter_profiles")),
        sa.UniqueConstraint("user_id", name=op.f("uq_voter_profiles_user_id")),
    )
    with op.batch_alter_table("voter_profiles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_voter_profiles_person_key"), ["person_key"], unique=False)

    op.create_table(
        "ballot_choices",
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ballot_id"],
            ["ballots.id"],
            name=op.f("fk_ballot_choices_ballot_id_ballots"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"], ["initiatives.id"], name=op.f("fk_ballot_choices_initiative_id_initiatives")
        ),
        sa.PrimaryKeyConstraint("ballot_id", "initiative_id", name=op.f("pk_ballot_choices")),
    )
    with op.batch_alter_table("ballot_choices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ballot_choices_initiative_id"), ["initiative_id"], unique=False)

    with op.batch_alter_table("editions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("live_results", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column(
                "paper_clash_policy", sa.String(length=20), nullable=False, server_default="online_wins"
            )
        )
        batch_op.create_check_constraint(
            op.f("ck_editions_known_paper_clash_policy"),
            "paper_clash_policy IN ('online_wins', 'paper_wins')",
        )


def downgrade() -> None:
    with op.batch_alter_table("editions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_editions_known_paper_clash_policy"), type_="check")
        batch_op.drop_column("paper_clash_policy")
        batch_op.drop_column("live_results")

    with op.batch_alter_table("ballot_choices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ballot_choices_initiative_id"))

    op.drop_table("ballot_choices")
    with op.batch_alter_table("voter_profiles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voter_profiles_person_key"))

    op.drop_table("voter_profiles")
    op.drop_table("paper_attendances")
    with op.batch_alter_table("ballots", schema=None) as batch_op:
        batch_op.drop_index("ix_ballots_edition_voided")

    op.drop_table("ballots")
    with op.batch_alter_table("rate_events", schema=None) as batch_op:
        batch_op.drop_index("ix_rate_events_action_key_at")

    op.drop_table("rate_events")
