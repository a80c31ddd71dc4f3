"""Who sits on the committee and where a member stands on the dossiers: the reads the use cases and the
views' access checks build on (labelling.permissions holds the predicates themselves), and `add_once`
for the rows a unique constraint keeps single."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from budgetcitoyen.accounts.models import CommitteeMembership, User
from budgetcitoyen.db import Base
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.errors import Conflict
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.labelling import permissions
from budgetcitoyen.labelling.models import Assignment, Evaluation, Interest
from budgetcitoyen.labelling.permissions import REVIEWABLE, CommitteeRecord


def is_member(session: Session, edition_id: int, user: User) -> bool:
    """Whether the person sits on this edition's committee."""
    return session.scalar(select(CommitteeMembership.id).where(
        CommitteeMembership.edition_id == edition_id, CommitteeMembership.user_id == user.id)) is not None


def members_of(session: Session, edition: Edition) -> list[User]:
    """The committee of an edition."""
    return list(session.scalars(select(User).join(CommitteeMembership).where(
        CommitteeMembership.edition_id == edition.id, User.deleted_at.is_(None)).order_by(User.email)))


def colleges_of(session: Session, edition: Edition) -> dict[int, str]:
    """Member id -> college, for the edition's committee."""
    return dict(session.execute(select(CommitteeMembership.user_id, CommitteeMembership.college)
                                .where(CommitteeMembership.edition_id == edition.id)).all())


def reviewable_dossiers(session: Session, edition: Edition) -> list[Initiative]:
    """Filed dossiers and dossiers under review."""
    return list(session.scalars(select(Initiative).where(Initiative.edition_id == edition.id,
                                                         Initiative.status.in_(REVIEWABLE))
                                .order_by(Initiative.id)))


def has_interest(session: Session, initiative_id: int, member_id: int) -> bool:
    """Whether the member declared (or was recorded with) an interest in the dossier."""
    return session.scalar(select(Interest.id).where(Interest.initiative_id == initiative_id,
                                                    Interest.member_id == member_id)) is not None


def is_assigned(session: Session, initiative_id: int, member_id: int) -> bool:
    """Whether the dossier was given to this member."""
    return session.scalar(select(Assignment.id).where(Assignment.initiative_id == initiative_id,
                                                      Assignment.member_id == member_id)) is not None


def evaluation_of(session: Session, initiative_id: int, member_id: int) -> Evaluation | None:
    """A member's sheet for a dossier, if started."""
    return session.scalar(select(Evaluation).where(Evaluation.initiative_id == initiative_id,
                                                   Evaluation.member_id == member_id)
                          .options(selectinload(Evaluation.scores)))


def committee_record(session: Session, member: User) -> CommitteeRecord:
    """What the permission predicates read about a person: seats, dossiers given, interests, sheets sent."""

    def ids(query: Select[tuple[int]]) -> frozenset[int]:
        return frozenset(session.scalars(query))

    return CommitteeRecord(
        member.id,
        seats=ids(select(CommitteeMembership.edition_id).where(CommitteeMembership.user_id == member.id)),
        assignments=ids(select(Assignment.initiative_id).where(Assignment.member_id == member.id)),
        interests=ids(select(Interest.initiative_id).where(Interest.member_id == member.id)),
        submitted=ids(select(Evaluation.initiative_id).where(Evaluation.member_id == member.id,
                                                             Evaluation.submitted_at.is_not(None))),
    )


def add_once(session: Session, row: Base, conflict: str) -> None:
    """Insert a row a unique constraint keeps single (an assignment, a sheet, a decision): when the same
    action lands twice at once, the second is refused with the `conflict` message."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(conflict) from exc


def can_score(session: Session, initiative: Initiative, member: User) -> bool:
    """On the committee, assigned, not the holder, no declared interest, and the dossier still under review
    (permissions.can_score on the member's record, read here)."""
    return permissions.can_score(committee_record(session, member), initiative)
