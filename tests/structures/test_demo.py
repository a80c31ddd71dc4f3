"""The demo's directory: a few published profiles across editions, some members of the collective, and
labelled structures left unlisted (and nowhere public)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.structures import directory
from budgetcitoyen.structures.models import Structure, StructureInitiative
from tests.helpers import text_of


def test_the_demo_has_listed_and_unlisted_ambassadors(app: Flask, client: FlaskClient,
                                                     db_session) -> None:  # type: ignore[no-untyped-def]
    seeded = app.test_cli_runner().invoke(args=["seed-demo", "--year", "2026", "--phase", "follow_up"])
    assert seeded.exit_code == 0, seeded.output
    listed = db_session.scalars(select(Structure).where(directory.listed())).all()
    assert 3 <= len(listed) <= directory.PAGE_SIZE
    assert any(s.collective_member for s in listed) and not all(s.collective_member for s in listed)
    unlisted = db_session.scalars(select(Structure).where(
        Structure.profile_published.is_(False), Structure.profile_description != "")).all()
    assert unlisted and all(directory.is_ambassador(db_session, s) for s in unlisted)
    # Every labelled dossier of every edition (the three past ones included) belongs to one structure.
    linked = db_session.scalar(select(func.count()).select_from(StructureInitiative))
    filed = db_session.scalar(select(func.count()).select_from(Initiative)
                              .where(Initiative.filed_at.is_not(None)))
    assert linked == filed and len(set(db_session.scalars(select(Initiative.edition_id)))) == 4
    page = text_of(client.get("/ambassadeurs"))
    assert f"{len(listed)} ambassadeur" in page
    for structure in unlisted:
        assert client.get(f"/ambassadeurs/{structure.id}").status_code == 404
        assert structure.profile_description not in page
    # Running it again changes nothing.
    again = app.test_cli_runner().invoke(args=["seed-demo", "--year", "2026", "--phase", "follow_up"])
    assert again.exit_code == 0, again.output
    db_session.expire_all()
    assert len(db_session.scalars(select(Structure).where(directory.listed())).all()) == len(listed)
