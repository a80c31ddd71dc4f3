"""Likely duplicates: accounts (and paper attendance lines) declaring the same person, and the admin's
remedy, voiding one account's ballot (query and use case: session in, flush only, no Flask).

The report says who voted, never under which ballot id nor for what.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from budgetcitoyen.accounts.models import User
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.errors import DomainError
from budgetcitoyen.voting.ballots import void_online_ballot_of
from budgetcitoyen.voting.identity import find_online_ballot, paper_ballot_of
from budgetcitoyen.voting.models import Ballot, PaperAttendance, VoterProfile
from budgetcitoyen.voting.rules import names_the_person


@dataclass(frozen=True)
class DuplicateEntry:
    """One account or attendance line in a group of likely duplicates."""

    kind: str  # "account" or "paper"
    user: User | None
    profile: VoterProfile | None
    attendance: PaperAttendance | None
    ballot_state: str  # "none", "counted", "voided"


def likely_duplicates(session: Session, edition: Edition, secret: str) -> list[list[DuplicateEntry]]:
    """Groups of accounts (and paper attendance lines) declaring the same person, for the admin to settle.

    The same normalised name, birth date and commune on two accounts is either one person voting
    twice or a rare namesake: flagged for a human decision, never voided automatically.
    """
    keys = list(session.scalars(
        select(VoterProfile.person_key).group_by(VoterProfile.person_key).having(func.count() > 1)
    ))
    paper_keys = set(session.scalars(
        select(PaperAttendance.person_key)
        .where(PaperAttendance.edition_id == edition.id)
        .where(PaperAttendance.person_key.in_(select(VoterProfile.person_key)))
    ))
    groups: list[list[DuplicateEntry]] = []
    for key in sorted(set(keys) | paper_keys):
        entries: list[DuplicateEntry] = []
        profiles = select(VoterProfile).where(VoterProfile.person_key == key).order_by(VoterProfile.id)
        for profile in session.scalars(profiles):
            user = session.get(User, profile.user_id)
            ballot = find_online_ballot(session, edition, user, secret) if user else None
            entries.append(DuplicateEntry("account", user, profile, None, _state(ballot)))
        lines = select(PaperAttendance).where(
            PaperAttendance.edition_id == edition.id, PaperAttendance.person_key == key
        )
        for line in session.scalars(lines):
            paper = paper_ballot_of(session, edition, key, secret)
            entries.append(DuplicateEntry("paper", None, None, line, _state(paper)))
        groups.append(entries)
    return groups


def _state(ballot: Ballot | None) -> str:
    if ballot is None:
        return "none"
    return "voided" if ballot.voided_at is not None else "counted"


def group_of(session: Session, edition: Edition, user: User, secret: str) -> list[DuplicateEntry] | None:
    """The group of likely duplicates this account belongs to, or None."""
    return next(
        (g for g in likely_duplicates(session, edition, secret)
         if any(e.user is not None and e.user.id == user.id for e in g)),
        None,
    )


def void_duplicate_ballot(
    session: Session,
    edition: Edition,
    user: User,
    group: list[DuplicateEntry],
    actor: User,
    reason: str,
    secret: str,
    now: datetime,
) -> None:
    """Void the ballot of one account of a group of likely duplicates, with a reason (audited) that must
    not name the person: it is kept next to the choices in the ballots export."""
    last_names = [(e.profile or e.attendance).last_name for e in group if e.profile or e.attendance]
    emails = [e.user.email for e in group if e.user is not None]
    if names_the_person(reason, last_names, emails):
        raise DomainError(
            "N'écrivez ni le nom ni l'adresse électronique de la personne dans le motif : il figure dans "
            "l'export des bulletins, à côté des choix, qui doivent rester secrets.",
            field="reason",
        )
    void_online_ballot_of(session, edition, user, actor, reason, secret, now)
