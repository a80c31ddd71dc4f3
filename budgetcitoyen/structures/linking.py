"""Every filed dossier is linked to its structure, whichever edition it belongs to and whichever code path
filed it (the holder's form, the ESS service, an import, the demo): a `before_flush` listener on the ORM
session does it, because the use cases that file dossiers sit below this package and must not know of it.

Matching: the SIRET first; else the folded name within the same holder (a name alone is too common across
holders: « Les Jardins partagés »). A structure first known by name gets its SIRET when a later dossier
gives one. Revision 0017 linked the dossiers filed before this module existed, with the same rules."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.structures.models import Structure, StructureInitiative
from budgetcitoyen.structures.rules import Identity, identity_of


def _find(session: Session, identity: Identity,
          pending: dict[tuple[str, Any], Structure]) -> Structure | None:
    if identity.siret:
        found = pending.get(("siret", identity.siret)) or session.scalar(
            select(Structure).where(Structure.siret == identity.siret))
        if found is not None:
            return found
    if identity.name_key:
        key = ("name", (identity.name_key, identity.holder_id))
        found = pending.get(key) or session.scalar(
            select(Structure).where(Structure.name_key == identity.name_key,
                                    Structure.holder_id == identity.holder_id)
            # One with no SIRET yet, or the very same one: another SIRET is another establishment.
            .where((Structure.siret.is_(None)) | (Structure.siret == (identity.siret or None)))
            .order_by(Structure.id).limit(1))
        if found is not None:
            return found
    return None


def link(session: Session, initiative: Initiative,
         pending: dict[tuple[str, Any], Structure] | None = None) -> Structure | None:
    """The initiative's structure, found or created, and the link between them (flushed with the caller's
    work). None when the dossier names no structure."""
    pending = {} if pending is None else pending
    identity = identity_of(initiative.siret or "", initiative.structure_name or "", initiative.holder_id)
    if not identity.known:
        return None
    with session.no_autoflush:
        structure = _find(session, identity, pending)
        stamp = initiative.filed_at or initiative.updated_at
        if structure is None:
            name = initiative.structure_name.strip()[:200] or identity.siret
            structure = Structure(siret=identity.siret or None, name=name, name_key=identity.name_key,
                                  holder_id=initiative.holder_id,
                                  created_at=stamp, updated_at=stamp, profile_published=False,
                                  collective_member=False, profile_name="", profile_description="",
                                  profile_website="")
            session.add(structure)
        elif identity.siret and not structure.siret:
            structure.siret = identity.siret
            structure.updated_at = stamp
        if identity.siret:
            pending[("siret", identity.siret)] = structure
        if identity.name_key:
            pending[("name", (identity.name_key, identity.holder_id))] = structure
        session.add(StructureInitiative(structure=structure, initiative=initiative))
    return structure


def _needs_link(initiative: Initiative) -> bool:
    return initiative.filed_at is not None and bool(initiative.structure_name or initiative.siret)


@event.listens_for(Session, "before_flush")
def _link_filed_dossiers(session: Session, _context: Any, _instances: Any) -> None:
    candidates = [obj for obj in (*session.new, *session.dirty)
                  if isinstance(obj, Initiative) and _needs_link(obj)]
    if not candidates:
        return
    # Links already waiting in this flush (their initiative may still have no id), and those stored: one
    # query for every candidate of the flush (publishing results touches a whole edition at once).
    linked = {id(obj.initiative) for obj in session.new
              if isinstance(obj, StructureInitiative) and obj.initiative is not None}
    known = [i.id for i in candidates if i.id is not None]
    with session.no_autoflush:
        stored = set(session.scalars(select(StructureInitiative.initiative_id).where(
            StructureInitiative.initiative_id.in_(known)))) if known else set()
    pending: dict[tuple[str, Any], Structure] = {}
    for initiative in candidates:
        if id(initiative) in linked or initiative.id in stored:
            continue
        link(session, initiative, pending)
        linked.add(id(initiative))
