"""Likely duplicates: accounts (and paper attendance lines) declaring the same person, and the admin's
remedy, voiding one account's ballot (query and use case: session in, flush only, no Flask).

The report says who voted, never under which ballot id nor for what.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from budgetcitoyen.accounts.models import User
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.errors import DomainError
from budgetcitoyen.voting.ballots import void_online_ballot_of
from budgetcitoyen.voting.identity import find_online_ballot, paper_ballot_of
from budgetcitoyen.voting.matching import PersonRecord, find_matches, group_matches
from budgetcitoyen.voting.models import Ballot, PaperAttendance, VerifiedIdentity, VoterProfile
from budgetcitoyen.voting.rules import names_the_person


@dataclass(frozen=True)
class DuplicateEntry:
    """One account or attendance line in a group of likely duplicates."""

    kind: str  # "account" or "paper"
    user: User | None
    profile: VoterProfile | None
    attendance: PaperAttendance | None
    ballot_state: str  # "none", "counted", "voided"

    @property
    def person(self) -> VoterProfile | PaperAttendance:
        return self.profile or self.attendance  # type: ignore[return-value]


@dataclass(frozen=True)
class DuplicateGroup:
    """Accounts and attendance lines likely to be one person. `certain`: the same identity once
    normalised ("doublon probable"); otherwise "à vérifier", for the `reasons` given."""

    entries: list[DuplicateEntry]
    certain: bool
    score: int
    reasons: list[str]


def _record(ref: tuple[str, int], person: VoterProfile | PaperAttendance) -> PersonRecord:
    return PersonRecord(ref, person.first_name, person.last_name, person.birth_date, person.commune_code)


def likely_duplicates(session: Session, edition: Edition, secret: str) -> list[DuplicateGroup]:
    """Groups of accounts (and the edition's paper attendance lines) likely to be one person, most
    likely first, for the admin to settle (voting.matching says which and why).

    The same normalised identity on two accounts is either one person voting twice or a rare
    namesake; a near match is a typing slip, a namesake or a disguise. Flagged for a human
    decision, never voided automatically.
    """
    profiles = {p.id: p for p in session.scalars(
        select(VoterProfile).options(joinedload(VoterProfile.commune)))}
    lines = {line.id: line for line in session.scalars(
        select(PaperAttendance).where(PaperAttendance.edition_id == edition.id)
        .options(joinedload(PaperAttendance.commune)))}
    records = [_record(("account", p.id), p) for p in profiles.values()]
    usage_names: dict[int, str] = dict(session.execute(  # type: ignore[arg-type]
        select(VerifiedIdentity.user_id, VerifiedIdentity.usage_name)
        .where(VerifiedIdentity.usage_name.is_not(None))).all())
    records += [PersonRecord(("account", p.id), p.first_name, usage_names[p.user_id], p.birth_date,
                             p.commune_code, via="nom d'usage vérifié")
                for p in profiles.values() if p.user_id in usage_names]
    records += [_record(("paper", line.id), line) for line in lines.values()]
    groups: list[DuplicateGroup] = []
    for found in group_matches(records, find_matches(records)):
        entries: list[DuplicateEntry] = []
        for kind, ident in found.refs:  # type: ignore[misc]
            if kind == "account":
                profile = profiles[ident]
                user = session.get(User, profile.user_id)
                ballot = find_online_ballot(session, edition, user, secret) if user else None
                entries.append(DuplicateEntry("account", user, profile, None, _state(ballot)))
            else:
                line = lines[ident]
                paper = paper_ballot_of(session, edition, line.person_key, secret)
                entries.append(DuplicateEntry("paper", None, None, line, _state(paper)))
        groups.append(DuplicateGroup(entries, found.certain, found.score, found.reasons))
    return groups


def _state(ballot: Ballot | None) -> str:
    if ballot is None:
        return "none"
    return "voided" if ballot.voided_at is not None else "counted"


def group_of(session: Session, edition: Edition, user: User, secret: str) -> DuplicateGroup | None:
    """The group of likely duplicates this account belongs to, or None."""
    return next(
        (g for g in likely_duplicates(session, edition, secret)
         if any(e.user is not None and e.user.id == user.id for e in g.entries)),
        None,
    )


def void_duplicate_ballot(
    session: Session,
    edition: Edition,
    user: User,
    group: DuplicateGroup,
    actor: User,
    reason: str,
    secret: str,
    now: datetime,
) -> None:
    """Void the ballot of one account of a group of likely duplicates, with a reason (audited) that must
    not name the person: it is kept next to the choices in the ballots export."""
    last_names = [e.person.last_name for e in group.entries]
    emails = [e.user.email for e in group.entries if e.user is not None]
    if names_the_person(reason, last_names, emails):
        raise DomainError(
            "N'écrivez ni le nom ni l'adresse électronique de la personne dans le motif : il figure dans "
            "l'export des bulletins, à côté des choix, qui doivent rester secrets.",
            field="reason",
        )
    void_online_ballot_of(session, edition, user, actor, reason, secret, now)
