"""Importing communes from INSEE's COG list, for any département or région, on a real extract of two
départements (tests/reference/data, sources in budgetcitoyen/reference/SOURCES.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import delete, func, select

from budgetcitoyen.errors import DomainError
from budgetcitoyen.reference.cog import import_cog, postal_codes_from_la_poste
from budgetcitoyen.reference.models import Commune, Territory
from budgetcitoyen.reference.services import arrondissement_territories, load_reference

DATA = Path(__file__).parent / "data"
EXTRACT = (DATA / "cog_communes_extract.csv").read_text(encoding="utf-8")
LA_POSTE = (DATA / "laposte_extract.csv").read_text(encoding="utf-8")


def _count(session, **where: str) -> int:
    query = select(func.count()).select_from(Commune)
    for prefix in where.values():
        query = query.where(Commune.insee_code.like(f"{prefix}%"))
    return int(session.scalar(query))


def _gironde_only(session) -> None:
    """A database of the Gironde's profile: its territories, no commune yet."""
    session.execute(delete(Commune))
    session.execute(delete(Territory))
    load_reference(session, "gironde")
    session.execute(delete(Commune))
    session.flush()


def test_a_second_departement_is_imported_from_the_official_list(app: Flask, db_session) -> None:
    with app.extensions["db_sessionmaker"]() as session:
        _gironde_only(session)
        postal = postal_codes_from_la_poste(LA_POSTE)
        report = import_cog(session, EXTRACT, "departement", "33", arrondissement_territories("gironde"),
                            postal)
        session.commit()
    # 79 current communes of the arrondissements of Arcachon and Blaye; the extract's 5 communes
    # déléguées and its 52 communes of the Pas-de-Calais are not imported.
    assert (report.added, report.updated, report.skipped_other_types) == (79, 0, 5)
    assert _count(db_session, code="33") == 79 and _count(db_session, code="62") == 0
    arcachon = db_session.get(Commune, "33009")
    assert arcachon.name == "Arcachon" and arcachon.territory.code == "arcachon"
    assert arcachon.postal_codes == "33120"
    blaye = db_session.get(Commune, "33058")
    assert blaye.name == "Blaye" and blaye.territory.code == "blayais"
    assert db_session.get(Commune, "33371") is None  # Saint-Antoine: a commune déléguée
    # La Teste-de-Buch has two postal codes in La Poste's base.
    assert db_session.get(Commune, "33529").postal_codes == "33115 33260"


def test_the_first_departement_keeps_its_territories_and_postal_codes(app: Flask, db_session) -> None:
    """Re-importing the Pas-de-Calais from the COG: its communes exist, drawn by EPCI into territories
    that the arrondissements do not follow; each keeps its territory and postal codes."""
    before = {c.insee_code: (c.territory_id, c.postal_codes)
              for c in db_session.scalars(select(Commune).where(Commune.insee_code.like("62%")))}
    with app.extensions["db_sessionmaker"]() as session:
        report = import_cog(session, EXTRACT, "departement", "62",
                            arrondissement_territories("pas-de-calais"))
        session.commit()
    assert (report.added, report.updated, report.unchanged) == (0, 0, 52)
    after = {c.insee_code: (c.territory_id, c.postal_codes)
             for c in db_session.scalars(select(Commune).where(Commune.insee_code.like("62%")))}
    assert after == before
    # Ardres is in the arrondissement of Calais, and its territory stays the one of the shipped list.
    assert db_session.get(Commune, "62038").territory.code == "calaisis"


def test_a_region_takes_every_departement_in_it(app: Flask, db_session) -> None:
    with app.extensions["db_sessionmaker"]() as session:
        _gironde_only(session)
        report = import_cog(session, EXTRACT, "region", "75", arrondissement_territories("gironde"))
        session.commit()
    assert report.added == 79  # Nouvelle-Aquitaine: the Gironde's communes of the extract
    assert db_session.get(Commune, "33009").postal_codes == ""  # no postal file, no known commune


def test_a_commune_without_territory_changes_nothing_and_is_named(app: Flask, db_session) -> None:
    with app.extensions["db_sessionmaker"]() as session:
        _gironde_only(session)
        session.commit()
        partial = {"336": "arcachon"}  # Blaye's arrondissement mapped to no territory
        with pytest.raises(DomainError, match=r"62 commune\(s\) sans territoire : 33006 Anglade"):
            import_cog(session, EXTRACT, "departement", "33", partial)
        session.rollback()
    assert _count(db_session, code="33") == 0


@pytest.mark.parametrize(("text", "message"), [
    ("insee_code,name\n33009,Arcachon\n", "n'est pas la liste des communes du COG"),
    (EXTRACT, "aucune commune pour le département 59"),
])
def test_a_wrong_file_or_zone_is_refused(app: Flask, text: str, message: str) -> None:
    with app.extensions["db_sessionmaker"]() as session:
        with pytest.raises(DomainError, match=message):
            import_cog(session, text, "departement", "59", {})
        session.rollback()


def test_the_command_imports_a_departement(app: Flask, db_session, tmp_path: Path) -> None:
    with app.extensions["db_sessionmaker"]() as session:
        _gironde_only(session)
        session.commit()
    extract = tmp_path / "v_commune_2026.csv"
    extract.write_text(EXTRACT, encoding="utf-8")
    postal = tmp_path / "laposte.csv"
    postal.write_text(LA_POSTE, encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reference", "import-cog", str(extract), "--departement", "33",
                                 "--postal-codes", str(postal), "--collectivite", "gironde"])
    assert result.exit_code == 0, result.output
    assert "79 communes ajoutées" in result.output and "5 communes déléguées" in result.output
    neither = runner.invoke(args=["reference", "import-cog", str(extract)])
    assert neither.exit_code != 0 and "--departement" in neither.output
