"""Every filed dossier is linked to its structure across editions, whatever code path filed it."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from sqlalchemy import func, select

from budgetcitoyen.accounts.models import User
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.structures.models import Structure, StructureInitiative


def _structure_ids(app: Flask, initiatives: list[Initiative]) -> list[int | None]:
    with app.extensions["db_sessionmaker"]() as session:
        return [session.scalar(select(StructureInitiative.structure_id)
                               .where(StructureInitiative.initiative_id == i.id)) for i in initiatives]


def test_same_siret_across_editions_is_one_structure(
    app: Flask, make_edition: Callable[..., Edition], make_initiative: Callable[..., Initiative],
    make_user: Callable[..., User]
) -> None:
    old, new = make_edition(year=2025), make_edition(year=2026)
    first = make_initiative(old, Status.LABELLED, structure_name="Re-Faire", siret="73282932000074")
    # Another holder, another spelling, the same SIRET: the same structure.
    second = make_initiative(new, Status.FILED, structure_name="Association Re-Faire", siret="73282932000074")
    other = make_initiative(new, Status.FILED, structure_name="Re-Faire", siret="44306184100047")
    a, b, c = _structure_ids(app, [first, second, other])
    assert a is not None and a == b and c != a


def test_without_siret_the_name_matches_within_one_holder(
    app: Flask, make_edition: Callable[..., Edition], make_initiative: Callable[..., Initiative],
    make_user: Callable[..., User]
) -> None:
    old, new = make_edition(year=2025), make_edition(year=2026)
    holder, stranger = make_user(), make_user()
    first = make_initiative(old, Status.LABELLED, holder=holder, structure_name="Les Jardins du Fort")
    again = make_initiative(new, Status.FILED, holder=holder, structure_name="LES JARDINS DU FORT ")
    homonym = make_initiative(new, Status.FILED, holder=stranger, structure_name="Les Jardins du Fort")
    # A SIRET given later completes the structure known by name.
    later = make_initiative(new, Status.FILED, holder=holder, structure_name="Les jardins du fort",
                            siret="73282932000074", title="Autre")
    idea = make_initiative(new, Status.IDEA, holder=holder, structure_name="Les Jardins du Fort",
                           title="Idée")
    a, b, c, d, e = _structure_ids(app, [first, again, homonym, later, idea])
    assert a == b == d and c not in (a, None)
    assert e is None  # an idea is no dossier yet
    with app.extensions["db_sessionmaker"]() as session:
        assert session.get(Structure, a).siret == "73282932000074"
        assert session.scalar(select(func.count()).select_from(Structure)) == 2


def test_a_dossier_filed_later_is_linked_when_filed(
    app: Flask, make_edition: Callable[..., Edition], make_initiative: Callable[..., Initiative]
) -> None:
    draft = make_initiative(make_edition(), Status.DRAFT, structure_name="Café associatif")
    assert _structure_ids(app, [draft]) == [None]
    with app.extensions["db_sessionmaker"]() as session:
        row = session.get(Initiative, draft.id)
        row.status, row.filed_at = Status.FILED.value, row.updated_at
        session.commit()
    assert _structure_ids(app, [draft]) != [None]


def test_the_application_alone_registers_the_linking_listener(tmp_path) -> None:
    """The web server, the worker and seed-demo build the application in a process that never imports
    budgetcitoyen.models for Alembic (the tests do): the listener must come with the application."""
    import os
    import subprocess
    import sys

    code = ("import sys\nfrom budgetcitoyen import create_app\ncreate_app()\n"
            "print('budgetcitoyen.structures.linking' in sys.modules)")
    env = {**os.environ, "BUDGETCITOYEN_INSTANCE_PATH": str(tmp_path),
           "BUDGETCITOYEN_DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite3'}"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"
