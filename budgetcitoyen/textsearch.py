"""Comparing French text as residents type and read it: searches without case, accents, hyphens or the
apostrophe's form (« ecole » finds « École », « oeuvre » finds « Œuvre », « l'epicerie » finds
« L’Épicerie », « saint omer » finds « Saint-Omer »), and alphabetical order with « Étaples » among the E,
not after « Zutkerque » (SQLite and PostgreSQL's C collation order bytes, and so does Python's sort).

The same folding runs on what was typed (`fold`, in Python) and on the stored text (`bc_fold`, in the
database): SQLite gets this very function on each connection (`db.make_engine`); PostgreSQL gets a SQL
function of the same table (migrations 0021, then 0022 for the hyphens, built on replace() and
translate(): no extension to install).
Only the letters of the table change, so both sides agree on any text, whatever the database's locale:
a letter outside it (« Ł ») is compared as it is, as before.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, func
from sqlalchemy.sql.elements import ColumnElement

# Ligatures first (one letter becomes two), then one character for one: ASCII capitals and the accented
# letters of French (and the neighbouring ones residents' names carry) to plain lower case, typographic
# apostrophes to the straight one, and hyphens (ASCII, Unicode, non-breaking) to a space: place names
# are written « Nielles-lès-Ardres » and typed « nielles les ardres ».
LIGATURES = (("œ", "oe"), ("Œ", "oe"), ("æ", "ae"), ("Æ", "ae"))
ACCENTED = ("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
            "àâäáãåçéèêëíìîïñóòôöõúùûüýÿ"
            "ÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜÝŸ’‘"
            "-\u2010\u2011")
PLAIN = ("abcdefghijklmnopqrstuvwxyz"
         "aaaaaaceeeeiiiinooooouuuuyy"
         "aaaaaaceeeeiiiinooooouuuuyy''"
         "   ")
_TABLE = str.maketrans(ACCENTED, PLAIN)


def fold(text: str | None) -> str | None:
    """The text as searches compare it (None stays None, as in SQL)."""
    if text is None:
        return None
    for ligature, letters in LIGATURES:
        text = text.replace(ligature, letters)
    return text.translate(_TABLE)


def _folded(column: Any) -> ColumnElement[str]:
    return func.bc_fold(column, type_=String)


def folded_contains(column: Any, typed: str) -> ColumnElement[bool]:
    """`column` contains what was typed, compared folded (the typed text's % and _ are literal)."""
    return _folded(column).contains(fold(typed) or "", autoescape=True)


def alphabetically(column: Any) -> tuple[ColumnElement[str], Any]:
    """Alphabetical order of `column` as readers expect it: `order_by(*alphabetically(c))` (the column
    itself second, so that « Eu » and « Éu » keep a fixed order)."""
    return _folded(column), column


def alphabetical(text: str) -> tuple[str, str]:
    """The same order for a Python sort: `sorted(names, key=alphabetical)`."""
    return fold(text) or "", text


def postgresql_function_sql() -> str:
    """The PostgreSQL definition of bc_fold for this table (the migration holds its own copy)."""
    inner = "$1"
    for ligature, letters in LIGATURES:
        inner = f"replace({inner}, '{ligature}', '{letters}')"
    accented, plain = ACCENTED.replace("'", "''"), PLAIN.replace("'", "''")
    return (f"CREATE OR REPLACE FUNCTION bc_fold(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE "
            f"AS $$ SELECT translate({inner}, '{accented}', '{plain}') $$")
