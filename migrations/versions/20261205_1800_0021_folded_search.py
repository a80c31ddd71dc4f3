"""folded search: bc_fold(text), the accent- and case-free form searches compare (PostgreSQL)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 18:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

# A copy of `budgetcitoyen.textsearch.postgresql_function_sql()` as of this revision (a migration must
# not follow later code); a test checks that the database folds as the code does.
FUNCTION = (
    "CREATE OR REPLACE FUNCTION bc_fold(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE "
    "AS $$ SELECT translate(replace(replace(replace(replace($1, 'œ', 'oe'), 'Œ', 'oe'), 'æ', 'ae'), "
    "'Æ', 'ae'), 'ABCDEFGHIJKLMNOPQRSTUVWXYZàâäáãåçéèêëíìîïñóòôöõúùûüýÿÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜÝŸ’‘', "
    "'abcdefghijklmnopqrstuvwxyzaaaaaaceeeeiiiinooooouuuuyyaaaaaaceeeeiiiinooooouuuuyy''''') $$"
)


def upgrade() -> None:
    # SQLite has no stored functions: the application registers the same folding on each connection.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS bc_fold(text)")
