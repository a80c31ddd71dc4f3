"""folded search: hyphens fold to a space (« saint omer » finds « Saint-Omer ») (PostgreSQL)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 20:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

# A copy of `budgetcitoyen.textsearch.postgresql_function_sql()` as of this revision (a migration must
# not follow later code); a test checks that the database folds as the code does. The three characters
# before the closing quote of the first translate() list are the ASCII hyphen, U+2010 and U+2011.
FUNCTION = (
    "CREATE OR REPLACE FUNCTION bc_fold(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE "
    "AS $$ SELECT translate(replace(replace(replace(replace($1, 'œ', 'oe'), 'Œ', 'oe'), 'æ', 'ae'), "
    "'Æ', 'ae'), 'ABCDEFGHIJKLMNOPQRSTUVWXYZàâäáãåçéèêëíìîïñóòôöõúùûüýÿÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜÝŸ’‘"
    "-\u2010\u2011', "
    "'abcdefghijklmnopqrstuvwxyzaaaaaaceeeeiiiinooooouuuuyyaaaaaaceeeeiiiinooooouuuuyy''''   ') $$"
)

# 0021's definition, for the way back.
PREVIOUS = (
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
        op.execute(PREVIOUS)
