"""Revision 0017 links the dossiers filed before it to their structures, with the rules of linking.py: SIRET
first, else the folded name within one holder; every profile starts unpublished. Both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import select

from budgetcitoyen.db import make_engine
from budgetcitoyen.migrate import alembic_config
from budgetcitoyen.models import metadata
from tests.app.test_migrations import _as_of, _filled, empty_database_url  # noqa: F401  (a fixture)

# (id, holder, structure name, SIRET, filed)
DOSSIERS = [
    (1, 1, "Re-Faire", "73282932000074", True),
    (2, 2, "Association Re-Faire", "73282932000074", True),  # another holder, same SIRET
    (3, 1, "Les Jardins du Fort", "", True),
    (4, 1, "LES JARDINS  DU FORT", "", True),  # same holder, same folded name
    (5, 2, "Les Jardins du Fort", "", True),  # a homonym of another holder
    (6, 1, "Les jardins du fort", "44306184100047", True),  # gives the SIRET later
    (7, 1, "Idée sans dossier", "", False),
    (8, 1, "", "", True),  # names no structure
]


def test_filed_dossiers_are_linked_to_their_structures(empty_database_url: str) -> None:  # noqa: F811
    config = alembic_config(empty_database_url)
    command.upgrade(config, "0016")
    engine = make_engine(empty_database_url)
    t = metadata.tables
    start = datetime(2025, 3, 1, tzinfo=UTC)
    try:
        with engine.begin() as conn:
            conn.execute(t["territories"].insert().values(id=1, code="t", name="Territoire"))
            for user in (1, 2):
                conn.execute(t["users"].insert().values(_filled(t["users"], id=user,
                                                                email=f"u{user}@example.org")))
            editions = _as_of(conn, t["editions"])
            conn.execute(editions.insert().values(_filled(editions, id=1, year=2025)))
            initiatives = _as_of(conn, t["initiatives"])
            for n, holder, name, siret, filed in DOSSIERS:
                conn.execute(initiatives.insert().values(_filled(
                    initiatives, id=n, edition_id=1, holder_id=holder, territory_id=1, status="labelled",
                    structure_name=name, siret=siret, commune_code=None,
                    filed_at=start + timedelta(days=n) if filed else None)))
        command.upgrade(config, "head")
        with engine.connect() as conn:
            links = dict(conn.execute(select(t["structure_initiatives"].c.initiative_id,
                                             t["structure_initiatives"].c.structure_id)).all())
            structures = {row.id: row for row in conn.execute(select(t["structures"]))}
    finally:
        engine.dispose()
    assert set(links) == {1, 2, 3, 4, 5, 6}
    assert links[1] == links[2]
    assert links[3] == links[4] == links[6] != links[5]
    assert len(structures) == 3
    assert structures[links[1]].siret == "73282932000074" and structures[links[1]].name == "Re-Faire"
    assert structures[links[3]].siret == "44306184100047" and structures[links[3]].holder_id == 1
    assert structures[links[5]].siret is None and structures[links[5]].holder_id == 2
    assert all(not s.profile_published and not s.collective_member for s in structures.values())
