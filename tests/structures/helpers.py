"""The directory's test data (also used by the browser test, which cannot use this folder's fixtures).

Two published editions, 2025 and 2026, both catalogues public:
- « Association Re-Faire » (the same SIRET each year, the name spelt differently): labelled in 2025 and
  2026, profile published, member of the collective: LISTED.
- « Collectif du Marais secret » (no SIRET, an informal collective): labelled in 2026, profile written but
  NOT published, and even marked member of the collective: UNLISTED, nowhere public.
- « Les Jardins du Fort »: filed in 2026, not labelled: not an ambassador at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from flask import Flask
from sqlalchemy import select

from budgetcitoyen.accounts.models import User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.models import Category, Edition
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.reference.models import StructureType, Territory
from budgetcitoyen.structures.models import Structure, StructureInitiative

SIRET = "73282932000074"
UNLISTED_NAME = "Collectif du Marais secret"
UNLISTED_TEXT = "Texte que personne ne doit lire"
UNLISTED_SITE = "https://marais-secret.example.org"
LISTED_TEXT = "Ressourcerie et atelier de réparation à Arras."


@dataclass
class World:
    listed_id: int
    unlisted_id: int
    not_labelled_id: int
    initiatives: dict[str, int]
    holders: dict[str, User]


def make_world(app: Flask, make_edition: Callable[..., Edition], make_user: Callable[..., User]) -> World:
    editions = {year: make_edition(year=year, catalogue_published=True) for year in (2025, 2026)}
    holders = {key: make_user(email=f"porteur-{key}@example.org") for key in ("refaire", "marais", "fort")}
    now = now_utc()
    # (key, year, holder, title, structure, siret, type, status, category, territory, commune, contact)
    rows = [
        ("refaire-2025", 2025, "refaire", "Ressourcerie d'Arras", "Association Re-Faire", "73282932000074",
         "association", Status.WINNER, "cooperation", "arrageois", "62041", "Camille Martin"),
        ("refaire-2026", 2026, "refaire", "Atelier vélo d'Arras", "ASSOCIATION RE-FAIRE", SIRET,
         "association", Status.LABELLED, "innovation-societale", "arrageois", "62041", "Camille Martin"),
        ("marais-2026", 2026, "marais", "Jardin du marais", UNLISTED_NAME, "",
         "collectif", Status.LABELLED, "pratique-ess", "audomarois", None, "Dominique Petit"),
        ("fort-2026", 2026, "fort", "Jardin partagé de Calais", "Les Jardins du Fort", "",
         "association", Status.FILED, None, "calaisis", None, "Sacha Leroy"),
    ]
    ids: dict[str, int] = {}
    with app.extensions["db_sessionmaker"]() as session:
        territories = dict(session.execute(select(Territory.code, Territory.id)).all())
        kinds = dict(session.execute(select(StructureType.code, StructureType.id)).all())
        for key, year, holder, title, structure, siret, kind, status, category, territory, commune, contact \
                in rows:
            category_id = session.scalar(select(Category.id).where(
                Category.edition_id == editions[year].id, Category.code == category)) if category else None
            initiative = Initiative(
                edition_id=editions[year].id, holder_id=holders[holder].id, title=title, summary="Résumé.",
                territory_id=territories[territory], commune_code=commune, category_id=category_id,
                structure_type_id=kinds[kind], structure_name=structure, siret=siret, status=status.value,
                amount_asked=Decimal(5000), contact_name=contact,
                contact_email=f"{holder}@structure.example.org", contact_phone="03 21 00 00 00",
                created_at=now, updated_at=now, filed_at=now)
            session.add(initiative)
            session.flush()
            ids[key] = initiative.id
        session.commit()

        def structure_of(key: str) -> Structure:
            return session.scalar(select(Structure).join(StructureInitiative).where(
                StructureInitiative.initiative_id == ids[key]))

        listed, unlisted = structure_of("refaire-2025"), structure_of("marais-2026")
        fort = structure_of("fort-2026")
        listed.profile_published, listed.profile_published_at = True, now
        listed.profile_name, listed.profile_description = "Re-Faire", LISTED_TEXT
        listed.profile_territory_id, listed.profile_commune_code = territories["arrageois"], "62041"
        listed.profile_website, listed.collective_member = "https://refaire.example.org", True
        unlisted.profile_name, unlisted.profile_description = UNLISTED_NAME, UNLISTED_TEXT
        unlisted.profile_territory_id, unlisted.profile_commune_code = territories["audomarois"], "62765"
        unlisted.profile_website, unlisted.collective_member = UNLISTED_SITE, True
        session.commit()
        return World(listed.id, unlisted.id, fort.id, ids, holders)
