"""mail rendered at send time: the outbox may hold a template's context instead of the message

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-05 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A ballot's receipt is stored as its template's context (JSON) and rendered by the worker when it
    # sends it (issue #14: the ballot request no longer renders a mail); other mails keep their message.
    with op.batch_alter_table("mail_outbox") as batch:
        batch.add_column(sa.Column("context", sa.Text(), nullable=True))
        batch.alter_column("message", existing_type=sa.LargeBinary(), nullable=True)
        batch.create_check_constraint(op.f("ck_mail_outbox_renderable"), "message IS NOT NULL OR context IS NOT NULL")


def downgrade() -> None:
    # Mails still waiting to be rendered cannot go back to a table that wants a message: they are
    # dropped only if nothing renders them first, so run the worker before downgrading.
    op.execute("DELETE FROM mail_outbox WHERE message IS NULL")
    with op.batch_alter_table("mail_outbox") as batch:
        batch.drop_constraint(op.f("ck_mail_outbox_renderable"), type_="check")
        batch.alter_column("message", existing_type=sa.LargeBinary(), nullable=False)
        batch.drop_column("context")
