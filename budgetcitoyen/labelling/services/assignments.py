"""Use cases of the committee's organisation: giving dossiers to members (automatically or by hand),
taking them back, recording interests, reminding late members. Flush, never commit."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import and_, delete, select
from sqlalchemy.orm import Session

from budgetcitoyen.accounts.models import CommitteeMembership, User
from budgetcitoyen.audit import services as audit
from budgetcitoyen.config import naming
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.errors import Conflict, DomainError, NotAllowed
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.labelling import assignment, notifications
from budgetcitoyen.labelling.models import Assignment, Evaluation, Interest
from budgetcitoyen.labelling.permissions import REVIEWABLE
from budgetcitoyen.labelling.services.committee import (
    add_once,
    evaluation_of,
    has_interest,
    is_member,
    members_of,
    reviewable_dossiers,
)


def _pairs(session: Session, model: type[Assignment] | type[Interest],
           ids: list[int]) -> list[tuple[int, int]]:
    """(dossier, member) of the assignments or interests on these dossiers."""
    if not ids:
        return []
    rows = session.execute(select(model.initiative_id, model.member_id).where(model.initiative_id.in_(ids)))
    return [(initiative_id, member_id) for initiative_id, member_id in rows]


def auto_assign(session: Session, actor: User, edition: Edition, now: datetime) -> int:
    """Give each reviewable dossier k members, loads balanced, never to an interested member (audited)."""
    dossiers = reviewable_dossiers(session, edition)
    members = members_of(session, edition)
    if not members:
        raise DomainError("Le comité de cette édition n'a encore aucun membre.")
    ids = [d.id for d in dossiers]
    # A member never scores a dossier they hold themselves.
    conflicts = set(_pairs(session, Interest, ids)) | {(d.id, d.holder_id) for d in dossiers}
    existing: dict[int, set[int]] = defaultdict(set)
    for initiative_id, member_id in _pairs(session, Assignment, ids):
        existing[initiative_id].add(member_id)
    result = assignment.assign(ids, [m.id for m in members], conflicts, edition.reviewers_per_dossier,
                               existing)
    created = 0
    for initiative_id, chosen in result.items():
        for member_id in chosen - existing[initiative_id]:
            session.add(Assignment(initiative_id=initiative_id, member_id=member_id, assigned_at=now))
            created += 1
    session.flush()
    audit.record(session, actor=actor, action="labelling.auto_assign", object_type="edition",
                 object_id=edition.id, now=now,
                 summary=f"Répartition automatique des dossiers ({edition.year})",
                 after={"assignments_created": created, "dossiers": len(ids), "members": len(members)})
    return created


def assign_by_hand(session: Session, actor: User, initiative: Initiative, member: User,
                   now: datetime) -> Assignment:
    """The admin adds a member to a dossier (audited)."""
    if not is_member(session, initiative.edition_id, member):
        raise DomainError("Cette personne ne siège pas au comité de cette édition.")
    if has_interest(session, initiative.id, member.id):
        raise Conflict("Ce membre a déclaré un intérêt pour ce dossier : il ne peut pas l'évaluer.")
    if initiative.holder_id == member.id:
        raise Conflict("Ce membre porte ce dossier : il ne peut pas l'évaluer.")
    row = Assignment(initiative_id=initiative.id, member_id=member.id, assigned_at=now, by_hand=True)
    add_once(session, row, "Ce membre évalue déjà ce dossier.")
    audit.record(session, actor=actor, action="labelling.assign", object_type="initiative",
                 object_id=initiative.id, now=now, summary="Dossier confié à un membre du comité",
                 after={"member_id": member.id})
    return row


def unassign(session: Session, actor: User, row: Assignment, now: datetime) -> None:
    """The admin takes a dossier back from a member who has not submitted (audited)."""
    evaluation = evaluation_of(session, row.initiative_id, row.member_id)
    if evaluation is not None and evaluation.submitted_at is not None:
        raise Conflict("Ce membre a déjà soumis son évaluation : elle ne peut plus lui être retirée.")
    audit.record(session, actor=actor, action="labelling.unassign", object_type="initiative",
                 object_id=row.initiative_id, now=now, summary="Dossier retiré à un membre du comité",
                 before={"member_id": row.member_id})
    session.delete(row)
    session.flush()


def declare_interest(session: Session, declared_by: User, initiative: Initiative, member: User, note: str,
                     now: datetime) -> Interest:
    """Record an interest: the member leaves the dossier (assignment removed, sheet left out of the
    aggregate)."""
    if not is_member(session, initiative.edition_id, member):
        raise NotAllowed("Seul un membre du comité peut déclarer un intérêt.")
    if has_interest(session, initiative.id, member.id):
        raise Conflict("Cet intérêt est déjà enregistré.")
    if initiative.status not in REVIEWABLE:
        # After the decision, a declaration would silently rewrite a published result.
        raise Conflict(f"Ce dossier n'est plus en instruction : adressez-vous {naming().service.au}.")
    sheet = evaluation_of(session, initiative.id, member.id)
    if declared_by.id == member.id and sheet is not None and sheet.submitted_at is not None:
        # Having seen the others' scores, a member cannot withdraw their own: the ESS service decides.
        raise Conflict(f"Vous avez déjà soumis votre évaluation : signalez ce lien {naming().service.au}, "
                       "qui l'enregistrera.")
    interest = Interest(initiative_id=initiative.id, member_id=member.id, declared_at=now,
                        declared_by_id=declared_by.id, note=note.strip()[:500])
    session.add(interest)
    session.execute(delete(Assignment).where(Assignment.initiative_id == initiative.id,
                                             Assignment.member_id == member.id))
    session.flush()
    audit.record(session, actor=declared_by, action="labelling.interest", object_type="initiative",
                 object_id=initiative.id, now=now, summary="Intérêt déclaré par un membre du comité",
                 after={"member_id": member.id})
    return interest


def remind_late_members(session: Session, edition: Edition) -> int:
    """Mail each member of the committee who still has dossiers to score, with their list; returns how
    many members were mailed."""
    late: dict[User, list[Initiative]] = defaultdict(list)
    for member, initiative in session.execute(
        select(User, Initiative).select_from(Assignment)
        .join(Initiative, Assignment.initiative_id == Initiative.id)
        .join(User, Assignment.member_id == User.id)
        .join(CommitteeMembership, and_(CommitteeMembership.user_id == User.id,
                                        CommitteeMembership.edition_id == edition.id))
        .outerjoin(Evaluation, and_(Evaluation.initiative_id == Assignment.initiative_id,
                                    Evaluation.member_id == Assignment.member_id))
        .where(Initiative.edition_id == edition.id, Initiative.status.in_(REVIEWABLE),
               User.deleted_at.is_(None), Evaluation.submitted_at.is_(None))
        .order_by(User.email, Initiative.id)
    ):
        late[member].append(initiative)
    for member, dossiers in late.items():
        notifications.reminder(session, edition, member, dossiers)
    return len(late)
