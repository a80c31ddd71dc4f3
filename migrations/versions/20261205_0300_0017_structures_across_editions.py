"""structures across editions: one record per structure, its initiatives of every year, its opt-in public
profile (the ambassadors' directory) and its membership of the ambassadors' collective

The dossiers filed before this revision are linked here: by SIRET (14 digits), else by the folded name within
the same holder, oldest first. The rules are frozen as they stood when this revision was written
(budgetcitoyen.structures.rules and .linking apply them to later dossiers). Every profile starts unpublished.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 03:00:00
"""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

import budgetcitoyen.db

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def _siret(raw: str | None) -> str:
    digits = re.sub(r"[\s.\-]", "", raw or "")
    return digits if re.fullmatch(r"[0-9]{14}", digits) else ""


def _name_key(raw: str | None) -> str:
    decomposed = unicodedata.normalize("NFKD", raw or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain).split())[:200]


def upgrade() -> None:
    op.create_table(
        "structures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("siret", sa.String(length=14), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=True),
        sa.Column("created_at", budgetcitoyen.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", budgetcitoyen.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("profile_published", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("profile_published_at", budgetcitoyen.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("profile_name", sa.String(length=200), nullable=False, server_default=""),
        sa.Column("profile_territory_id", sa.Integer(), nullable=True),
        sa.Column("profile_commune_code", sa.String(length=5), nullable=True),
        sa.Column("profile_description", sa.Text(), nullable=False, server_default=""),
        sa.Column("profile_website", sa.String(length=300), nullable=False, server_default=""),
        sa.Column("collective_member", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.ForeignKeyConstraint(["holder_id"], ["users.id"], name=op.f("fk_structures_holder_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["profile_territory_id"], ["territories.id"],
                                name=op.f("fk_structures_profile_territory_id_territories")),
        sa.ForeignKeyConstraint(["profile_commune_code"], ["communes.insee_code"],
                                name=op.f("fk_structures_profile_commune_code_communes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_structures")),
        sa.UniqueConstraint("siret", name=op.f("uq_structures_siret")),
    )
    op.create_index(op.f("ix_structures_name_key"), "structures", ["name_key"], unique=False)
    op.create_index(op.f("ix_structures_holder_id"), "structures", ["holder_id"], unique=False)
    op.create_table(
        "structure_initiatives",
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("structure_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["initiative_id"], ["initiatives.id"],
                                name=op.f("fk_structure_initiatives_initiative_id_initiatives"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["structure_id"], ["structures.id"],
                                name=op.f("fk_structure_initiatives_structure_id_structures"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("initiative_id", name=op.f("pk_structure_initiatives")),
    )
    op.create_index(op.f("ix_structure_initiatives_structure_id"), "structure_initiatives", ["structure_id"],
                    unique=False)
    _backfill(op.get_bind())


def _backfill(conn: sa.Connection) -> None:
    initiatives = sa.table("initiatives", sa.column("id"), sa.column("holder_id"), sa.column("structure_name"),
                           sa.column("siret"), sa.column("filed_at"), sa.column("updated_at"))
    structures = sa.table("structures", sa.column("id"), sa.column("siret"), sa.column("name"),
                          sa.column("name_key"), sa.column("holder_id"), sa.column("created_at"),
                          sa.column("updated_at"), sa.column("profile_published"),
                          sa.column("collective_member"), sa.column("profile_name"),
                          sa.column("profile_description"), sa.column("profile_website"))
    links = sa.table("structure_initiatives", sa.column("initiative_id"), sa.column("structure_id"))
    rows = conn.execute(sa.select(initiatives).where(initiatives.c.filed_at.is_not(None))
                        .order_by(initiatives.c.filed_at, initiatives.c.id)).all()
    by_siret: dict[str, int] = {}
    by_name: dict[tuple[str, int], list[int]] = {}  # several: one per SIRET, and one without
    siret_of: dict[int, str] = {}
    for row in rows:
        siret, name_key = _siret(row.siret), _name_key(row.structure_name)
        if not siret and not name_key:
            continue
        found = by_siret.get(siret) if siret else None
        if found is None and name_key:
            # Same rule as budgetcitoyen.structures.linking: one without a SIRET yet, or this very SIRET.
            found = next((s for s in by_name.get((name_key, row.holder_id), [])
                          if not siret_of.get(s) or siret_of[s] == siret), None)
        stamp = row.filed_at or row.updated_at
        if found is None:
            found = conn.execute(structures.insert().values(
                siret=siret or None, name=(row.structure_name or "").strip()[:200] or siret,
                name_key=name_key, holder_id=row.holder_id, created_at=stamp, updated_at=stamp,
                profile_published=False, collective_member=False, profile_name="", profile_description="",
                profile_website="").returning(structures.c.id)).scalar_one()
            by_name.setdefault((name_key, row.holder_id), []).append(found)
        elif siret and not siret_of.get(found):
            conn.execute(structures.update().where(structures.c.id == found).values(siret=siret))
        if siret:
            siret_of[found] = siret
            by_siret[siret] = found
        conn.execute(links.insert().values(initiative_id=row.id, structure_id=found))


def downgrade() -> None:
    op.drop_index(op.f("ix_structure_initiatives_structure_id"), table_name="structure_initiatives")
    op.drop_table("structure_initiatives")
    op.drop_index(op.f("ix_structures_holder_id"), table_name="structures")
    op.drop_index(op.f("ix_structures_name_key"), table_name="structures")
    op.drop_table("structures")
