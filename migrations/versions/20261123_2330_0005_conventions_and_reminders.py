"""conventions of the winners and their reminders

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 23:30:04.351041
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import budgetcitoyen.db

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conventions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("amount_granted", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("duration_months", sa.Integer(), nullable=False),
        sa.Column("created_at", budgetcitoyen.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", budgetcitoyen.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("end_on", sa.Date(), nullable=True),
        sa.Column("report_due_on", sa.Date(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("amount_paid", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("report_original_name", sa.String(length=200), nullable=True),
        sa.Column("report_stored_name", sa.String(length=80), nullable=True),
        sa.Column("report_content_type", sa.String(length=50), nullable=True),
        sa.Column("report_size", sa.Integer(), nullable=True),
        sa.Column("report_sha256", sa.String(length=64), nullable=True),
        sa.Column("report_received_at", budgetcitoyen.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closing_note", sa.Text(), nullable=False),
        sa.Column("terminated_on", sa.Date(), nullable=True),
        sa.Column("termination_reason", sa.Text(), nullable=False),
        sa.Column("amount_to_repay", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.CheckConstraint(
            "status = 'to_sign' OR (signed_on IS NOT NULL AND end_on IS NOT NULL AND report_due_on IS NOT NULL)",
            name=op.f("ck_conventions_signed_has_dates"),
        ),
        sa.CheckConstraint(
            "status IN ('to_sign', 'signed', 'paid', 'report_received', 'closed', 'terminated')",
            name=op.f("ck_conventions_known_status"),
        ),
        sa.CheckConstraint("amount_granted > 0", name=op.f("ck_conventions_amount_granted_positive")),
        sa.CheckConstraint(
            "amount_paid IS NULL OR (amount_paid > 0 AND amount_paid <= amount_granted)",
            name=op.f("ck_conventions_paid_within_grant"),
        ),
        sa.CheckConstraint(
            "amount_to_repay IS NULL OR (amount_to_repay >= 0 AND amount_to_repay <= COALESCE(amount_paid, 0))",
            name=op.f("ck_conventions_repay_within_paid"),
        ),
        sa.CheckConstraint(
            "duration_months >= 1 AND duration_months <= 36", name=op.f("ck_conventions_duration_range")
        ),
        sa.ForeignKeyConstraint(
            ["edition_id"],
            ["editions.id"],
            name=op.f("fk_conventions_edition_id_editions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiatives.id"],
            name=op.f("fk_conventions_initiative_id_initiatives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conventions")),
        sa.UniqueConstraint("initiative_id", name=op.f("uq_conventions_initiative_id")),
        sa.UniqueConstraint("report_stored_name", name=op.f("uq_conventions_report_stored_name")),
    )
    with op.batch_alter_table("conventions", schema=None) as batch_op:
        batch_op.create_index("ix_conventions_edition_status", ["edition_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_conventions_report_due_on"), ["report_due_on"], unique=False)

    op.create_table(
        "convention_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("convention_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("sent_at", budgetcitoyen.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.CheckConstraint(
            "kind IN ('extension_window', 'report_due_soon', 'report_overdue')",
            name=op.f("ck_convention_reminders_known_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["convention_id"],
            ["conventions.id"],
            name=op.f("fk_convention_reminders_convention_id_conventions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_convention_reminders")),
        sa.UniqueConstraint("convention_id", "kind", "due_on", name="uq_convention_reminders_step"),
    )


def downgrade() -> None:
    op.drop_table("convention_reminders")
    with op.batch_alter_table("conventions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conventions_report_due_on"))
        batch_op.drop_index("ix_conventions_edition_status")

    op.drop_table("conventions")
