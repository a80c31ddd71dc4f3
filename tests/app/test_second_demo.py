"""`seed-demo --collectivite gironde` builds a second, different demo: the Gironde's territories,
communes, comptoirs and name; never mixed with another collectivité's data (issue #16 item 5)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import delete, func, select

from budgetcitoyen.initiatives.models import BudgetLineRow, Initiative, Workshop
from budgetcitoyen.reference.models import Commune, Territory


def empty_reference(app: Flask) -> None:
    """The database as a new deployment has it: no territory, no commune (the test reset restores them)."""
    with app.extensions["db_sessionmaker"]() as session:
        session.execute(delete(Commune))
        session.execute(delete(Territory))
        session.commit()


def test_the_gironde_demo_has_its_own_territories_communes_and_name(app: Flask, db_session) -> None:
    empty_reference(app)
    seeded = app.test_cli_runner().invoke(args=["seed-demo", "--year", "2026", "--collectivite", "gironde"])
    assert seeded.exit_code == 0, seeded.output
    # Outside demo mode nothing is written to the instance: the command says how to show this demo.
    assert "BUDGETCITOYEN_COLLECTIVITE_PROFILE=gironde" in seeded.output
    territories = set(db_session.scalars(select(Territory.code)))
    assert territories == {"arcachon", "blayais", "bordeaux", "langonnais", "medoc", "libournais"}
    assert db_session.scalar(select(func.count()).select_from(Commune)) == 534
    assert db_session.scalar(select(func.count()).select_from(Commune)
                             .where(Commune.insee_code.not_like("33%"))) == 0
    initiatives = db_session.scalars(select(Initiative)).all()
    assert len(initiatives) >= 50
    assert all(i.commune_code.startswith("33") for i in initiatives)
    assert {i.territory_id for i in initiatives} == set(db_session.scalars(select(Territory.id)))
    funders = set(db_session.scalars(select(BudgetLineRow.funder).where(BudgetLineRow.is_departement)))
    assert funders == {"Département de la Gironde"}
    addresses = list(db_session.scalars(select(Workshop.address)))
    assert addresses and all(", 33" in address for address in addresses)
    phones = {i.contact_phone[:5] for i in initiatives if i.contact_phone}
    assert phones == {"05 56"}


def test_a_demo_is_never_mixed_with_another_collectivites_data(app: Flask, db_session) -> None:
    # The test database holds the Pas-de-Calais's territories and communes.
    refused = app.test_cli_runner().invoke(args=["seed-demo", "--year", "2026", "--collectivite", "gironde"])
    assert refused.exit_code != 0 and "autre collectivité" in refused.output and "--reset" in refused.output
    assert db_session.scalar(select(func.count()).select_from(Initiative)) == 0
    unknown = app.test_cli_runner().invoke(args=["seed-demo", "--collectivite", "atlantide"])
    assert unknown.exit_code != 0 and "gironde" in unknown.output
