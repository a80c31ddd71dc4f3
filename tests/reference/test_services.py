"""Reference data: the shipped territories, communes and structure types; importing a commune list."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from budgetcitoyen.errors import DomainError
from budgetcitoyen.reference.models import Commune, StructureType, Territory
from budgetcitoyen.reference.services import import_communes, load_reference


def test_reference_data_is_complete_and_reloading_changes_nothing(app: Flask, db_session) -> None:
    assert db_session.scalar(select(func.count()).select_from(Territory)) == 8
    communes = db_session.scalar(select(func.count()).select_from(Commune))
    assert 880 <= communes <= 900  # the Pas-de-Calais has about 890 communes
    assert db_session.scalar(select(func.count()).select_from(StructureType)) >= 8
    arras = db_session.get(Commune, "62041")
    assert arras.name == "Arras" and arras.territory.code == "arrageois" and arras.postal_codes == "62000"
    with app.extensions["db_sessionmaker"]() as session:
        report = load_reference(session)
        session.commit()
    assert (report.communes_added, report.communes_updated) == (0, 0)


def test_import_communes_checks_the_whole_file_first(app: Flask, db_session) -> None:
    bad = (
        "insee_code,name,postal_codes,territory_code\n"
        "62041,Arras-Nouveau,62000,arrageois\n62999,Nulle-Part,62000,atlantide\n"
    )
    with app.extensions["db_sessionmaker"]() as session:
        with pytest.raises(DomainError, match="Ligne 3 : territoire « atlantide » inconnu"):
            import_communes(session, bad)
        session.rollback()
    assert db_session.get(Commune, "62041").name == "Arras"
    good = (
        "\ufeffinsee_code,name,postal_codes,territory_code\n"
        "62041,Arras,62000,arrageois\n62998,Nouvelle-Commune,62100 62101,calaisis\n"
    )
    with app.extensions["db_sessionmaker"]() as session:
        assert import_communes(session, good) == (1, 0)
        session.commit()
    db_session.expire_all()
    assert db_session.get(Commune, "62998").postal_codes == "62100 62101"


@pytest.mark.parametrize(
    "text,message",
    [
        ("code,nom\n1,2\n", "Colonnes attendues"),
        ("insee_code,name,postal_codes,territory_code\n", "aucune commune"),
        ("insee_code,name,postal_codes,territory_code\n6204,Arras,62000,arrageois\n", "code INSEE"),
        ("insee_code,name,postal_codes,territory_code\n62041,Arras,620,arrageois\n", "code postal"),
        ("insee_code,name,postal_codes,territory_code\n62041,,62000,arrageois\n", "nom de commune manquant"),
    ],
)
def test_import_communes_rejects_bad_files(app: Flask, text: str, message: str) -> None:
    with app.extensions["db_sessionmaker"]() as session, pytest.raises(DomainError, match=message):
        import_communes(session, text)
