"""Searches compare text folded (no case, no accents, either apostrophe, hyphens as spaces), the same way in
Python and in the database: SQLite runs the Python function, PostgreSQL the SQL one of the latest
migration that defines it (0022)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from budgetcitoyen.textsearch import ACCENTED, LIGATURES, alphabetical, fold, postgresql_function_sql
from budgetcitoyen.web import db

SAMPLE = ("L’Œuvre d‘Ægidius à l'École Saint-Éloi : « ÇA VA ? » ñ Ł ß 42 % _x_ Aire\u2011sur\u2010la-Lys "
          + ACCENTED + "".join(ligature for ligature, _ in LIGATURES))


def test_fold() -> None:
    assert fold("L’Épicerie du Cœur") == "l'epicerie du coeur"
    assert fold("ÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸ") == "aaaceeeeiioouuuy"
    assert fold("Nielles-lès-Ardres") == fold("nielles les ardres") == "nielles les ardres"
    assert fold("Aire\u2011sur\u2010la-Lys") == "aire sur la lys"  # non-breaking and Unicode hyphens too
    assert fold("Łódź") == "Łodź"  # letters outside the table (Ł, ź) stay as they are, on both sides
    assert fold(None) is None


def test_alphabetical_order() -> None:
    names = ["Zutkerque", "Étaples", "eu", "Eu", "Arras", "Écques", "Œuf-en-Ternois", "Oye-Plage"]
    assert sorted(names, key=alphabetical) == [
        "Arras", "Écques", "Étaples", "Eu", "eu", "Œuf-en-Ternois", "Oye-Plage", "Zutkerque"]


def test_the_database_folds_as_python_does(app: Flask) -> None:
    with app.test_request_context():
        folded = db().scalar(select(func.bc_fold(SAMPLE)))
    assert folded == fold(SAMPLE)


def _migration(name: str) -> object:
    path = Path(__file__).parents[2] / "migrations" / "versions" / name
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    return migration


def test_the_migration_holds_the_code_s_definition() -> None:
    latest = _migration("20261205_2030_0022_fold_hyphens.py")
    assert postgresql_function_sql() == latest.FUNCTION  # type: ignore[attr-defined]
    # Its way back restores 0021's definition, byte for byte.
    assert latest.PREVIOUS == _migration("20261205_1800_0021_folded_search.py").FUNCTION  # type: ignore[attr-defined]


def test_templates_sort_names_as_readers_expect(app: Flask) -> None:
    # The ballot's filters list territories and categories with it (Jinja's `sort` puts « Économie » last).
    template = app.jinja_env.from_string("{{ names|alphabetical|join(', ') }}")
    assert template.render(names={"Zéro déchet", "Économie circulaire", "Alimentation"}) == \
        "Alimentation, Économie circulaire, Zéro déchet"
