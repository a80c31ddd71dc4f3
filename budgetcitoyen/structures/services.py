"""Use cases of a structure: its holder publishes, edits or withdraws its public profile; the ESS service
marks the members of the ambassadors' collective. Flush, never commit; French errors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from budgetcitoyen.accounts.models import User
from budgetcitoyen.accounts.permissions import is_admin
from budgetcitoyen.audit import services as journal
from budgetcitoyen.config import collectivite_in, naming
from budgetcitoyen.errors import DomainError, InvalidInput, NotAllowed
from budgetcitoyen.reference.lookup import CommuneIndex
from budgetcitoyen.reference.models import Territory
from budgetcitoyen.structures import directory, permissions, rules
from budgetcitoyen.structures.models import Structure


@dataclass(frozen=True)
class ProfileInput:
    """The profile as typed by the holder; `published` is the opt-in."""

    published: bool
    name: str
    territory_id: int | None
    commune: str
    description: str
    website: str


def _profile_state(structure: Structure) -> dict[str, object]:
    return {"publie": structure.profile_published, "nom": structure.profile_name,
            "territoire": structure.profile_territory_id, "commune": structure.profile_commune_code,
            "description": structure.profile_description, "site": structure.profile_website}


def save_profile(session: Session, actor: User, structure: Structure, data: ProfileInput,
                 now: datetime) -> Structure:
    """Save the holder's profile; it is public only when `published` and the structure is labelled."""
    if not permissions.can_edit_profile(actor, directory.holder_ids(session, structure)):
        raise NotAllowed("Seul le porteur d'une initiative de cette structure peut modifier son profil.")
    problems: list[tuple[str | None, str]] = []
    name = " ".join(data.name.split())
    if not name:
        problems.append(("name", "Indiquez le nom de la structure."))
    elif len(name) > rules.NAME_MAX:
        problems.append(("name", f"Le nom compte au plus {rules.NAME_MAX} caractères."))
    territory = session.get(Territory, data.territory_id) if data.territory_id is not None else None
    if territory is None:
        problems.append(("territory_id", "Choisissez un territoire."))
    commune_code = None
    if data.commune.strip():
        index = CommuneIndex.load(session)
        commune_code = index.resolve(data.commune)
        if commune_code is None:
            shared = index.shared_postal_code(data.commune)
            problems.append(("commune", f"{shared}." if shared else
                             f"Commune inconnue {collectivite_in()} : vérifiez l'orthographe."))
    description = data.description.strip()
    if len(description) > rules.DESCRIPTION_MAX:
        problems.append(("description",
                         f"La présentation compte au plus {rules.DESCRIPTION_MAX} caractères."))
    website = data.website.strip()
    if (problem := rules.website_problem(website)) is not None:
        problems.append(("website", problem))
    if data.published and not directory.is_ambassador(session, structure):
        problems.append(("published", "Le profil public est réservé aux structures dont une initiative a été "
                                      "labellisée."))
    if problems:
        raise InvalidInput(problems)
    before = _profile_state(structure)
    if data.published and not structure.profile_published:
        structure.profile_published_at = now
    structure.profile_published = data.published
    structure.profile_name = name
    structure.profile_territory_id = territory.id if territory else None
    structure.profile_commune_code = commune_code
    structure.profile_description = description
    structure.profile_website = website
    structure.updated_at = now
    old, new = journal.changed_fields(before, _profile_state(structure))
    if new:
        journal.record(session, actor=actor, action="structure.profile", object_type="structure",
                              object_id=structure.id, now=now, before=old, after=new,
                              summary=f"Profil public de {name} : "
                                      f"{'publié' if data.published else 'non publié'}")
    session.flush()
    return structure


def set_collective_member(session: Session, actor: User, structure: Structure, member: bool,
                          now: datetime) -> Structure:
    """Mark (or unmark) the structure as a member of the ambassadors' collective; journaled."""
    if not is_admin(actor.role_set):
        raise NotAllowed(f"Seule l'administration {naming().service.du} marque les membres du collectif.")
    if member and not directory.is_ambassador(session, structure):
        raise DomainError("Seule une structure labellisée peut être membre du collectif des ambassadeurs.")
    if structure.collective_member == member:
        return structure
    structure.collective_member = member
    structure.updated_at = now
    journal.record(session, actor=actor, action="structure.collective", object_type="structure",
                          object_id=structure.id, now=now, before={"membre_du_collectif": not member},
                          after={"membre_du_collectif": member},
                          summary=f"{structure.display_name} : "
                                  f"{'membre' if member else 'plus membre'} du collectif des ambassadeurs")
    session.flush()
    return structure


def structures_of(session: Session, user: User) -> list[Structure]:
    """The structures of the user's dossiers (the holder's space lists them)."""
    return directory.structures_of_holder(session, user.id) if user is not None else []



def withdraw_profiles_of(session: Session, user: User) -> None:
    """Account deletion: the profiles only this person could publish are withdrawn (the opt-in was
    theirs); a structure another holder also files for keeps its profile."""
    for structure in directory.structures_of_holder(session, user.id):
        if structure.profile_published and directory.holder_ids(session, structure) == {user.id}:
            structure.profile_published = False
    session.flush()


def export_profiles_of(session: Session, user: User) -> dict[str, object]:
    """Account data export: the ambassador profiles of the person's structures, as saved."""
    return {"profils_ambassadeur": [
        {"structure": s.name, **_profile_state(s)} for s in directory.structures_of_holder(session, user.id)]}
