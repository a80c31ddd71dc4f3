"""The demo's ambassadors' directory: published profiles (some members of the collective) and labelled
structures that chose not to be listed. Runs last in seed-demo, over every edition already seeded."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.public.catalogue import PUBLIC_STATUSES
from budgetcitoyen.structures.models import Structure, StructureInitiative

LISTED = 8  # published profiles, at most
UNLISTED_EVERY = 4  # one labelled structure in four keeps its profile unpublished
MEMBER_EVERY = 3  # one published profile in three belongs to the collective


def _merge_editions(session: Session) -> None:
    """The demo draws a new SIRET for each edition's dossiers; a real structure keeps its own. The dossiers of
    one name and one holder are made one structure, with the SIRET of its first one."""
    kept: dict[tuple[str, int | None], Structure] = {}
    for structure in session.scalars(select(Structure).order_by(Structure.id)):
        first = kept.setdefault((structure.name_key, structure.holder_id), structure)
        if first is structure:
            continue
        for link in list(structure.links):
            link.initiative.siret = first.siret or ""
            link.structure = first
        session.flush()
        session.delete(structure)
    session.flush()


def seed_ambassadors(session: Session, now: datetime) -> None:
    """Publish a few ambassadors' profiles once (idempotent: nothing happens when one is published)."""
    _merge_editions(session)
    if session.scalar(select(Structure.id).where(Structure.profile_published.is_(True)).limit(1)):
        return
    labelled = session.scalars(
        select(Structure).where(Structure.id.in_(
            select(StructureInitiative.structure_id).join(Initiative)
            .where(Initiative.status.in_(PUBLIC_STATUSES))))
        .order_by(Structure.id)).all()
    listed = 0
    for index, structure in enumerate(labelled):
        latest = max((link.initiative for link in structure.links), key=lambda i: (i.edition.year, i.id))
        structure.profile_name = structure.name
        structure.profile_territory_id = latest.territory_id
        structure.profile_commune_code = latest.commune_code
        structure.profile_description = (
            f"Nous portons « {latest.title} ». {latest.summary}\n"
            "Ambassadeurs de l'économie sociale et solidaire, nous accueillons volontiers les porteurs "
            "d'idées pour partager notre expérience : montage du projet, partenaires, budget.")
        structure.profile_website = f"https://structure-{structure.id}.example.org"
        structure.updated_at = now
        if index % UNLISTED_EVERY == UNLISTED_EVERY - 1 or listed >= LISTED:
            continue  # written, never published: the directory must not show it
        structure.profile_published, structure.profile_published_at = True, now
        structure.collective_member = listed % MEMBER_EVERY == 0
        listed += 1
    session.flush()
