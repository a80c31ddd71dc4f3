"""Paper ballots: a ballot collected in a town hall typed in with its line of the attendance list, the
clash with an online ballot of the same person settled by the edition's rule, and the list itself
(use cases and queries: session in, flush only, no Flask).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from budgetcitoyen.accounts.models import User
from budgetcitoyen.audit import services as audit
from budgetcitoyen.clock import local_midnight, to_local
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.errors import Conflict, DomainError, PhaseClosed
from budgetcitoyen.voting.ballots import checked_choices, count_is_final, store_ballot, void
from budgetcitoyen.voting.eligibility import age_band, age_on, voter_key
from budgetcitoyen.voting.identity import (
    Identity,
    check_person,
    clean_identity,
    online_ballots_of_person,
    territory_of,
)
from budgetcitoyen.voting.models import Ballot, Channel, PaperAttendance, PaperClashPolicy
from budgetcitoyen.voting.rules import paper_entry_closed, vote_last_day


@dataclass(frozen=True)
class PaperResult:
    """What happened to a paper ballot typed in by an agent."""

    ballot: Ballot
    clash: bool
    counted: bool
    message: str


def record_paper(
    session: Session,
    edition: Edition,
    agent: User,
    identity: Identity,
    polling_place: str,
    raw_choices: Iterable[str],
    secret: str,
    now: datetime,
) -> PaperResult:
    """Enter a ballot collected in a town hall with its attendance-list line, settling clashes with
    online votes.

    Paper ballots arrive after the boxes are opened, so entry stays possible once the vote has
    closed, until results are published; not before the vote opens.
    """
    if count_is_final(session, edition.id):
        raise PhaseClosed(
            "Les résultats de cette édition sont publiés : les bulletins papier ne peuvent plus être saisis."
        )
    closed = paper_entry_closed(edition, now)
    if closed is not None:
        raise PhaseClosed(closed)
    identity = clean_identity(session, identity)
    place = " ".join(polling_place.split())
    if not place:
        raise DomainError("Indiquez le lieu de vote (mairie).", field="polling_place")
    vote = edition.window(Phase.VOTE)  # it has dates: paper_entry_closed said so
    check_person(edition, identity, email_confirmed=True, today=to_local(vote.ends_at).date())
    territory_id = territory_of(session, identity.commune_code)
    choices = checked_choices(session, edition, territory_id, raw_choices)

    key = identity.person_key(secret)
    attendance = PaperAttendance(
        edition_id=edition.id,
        first_name=identity.first_name,
        last_name=identity.last_name,
        birth_date=identity.birth_date,
        commune_code=identity.commune_code,
        person_key=key,
        polling_place=place[:200],
        entered_by_id=agent.id,
        entered_at=now,
    )
    try:
        with session.begin_nested():
            session.add(attendance)
            session.flush()
    except IntegrityError:
        raise Conflict(
            "Cette personne figure déjà sur la liste d'émargement papier de cette édition : "
            "un second bulletin papier n'est pas compté."
        ) from None

    band = age_band(age_on(identity.birth_date, vote_last_day(edition)))
    # Every paper ballot carries the vote's last day, not the day it was typed in: that day would pair
    # it with the attendance lines typed in the same day (each line has its exact time).
    ballot, _ = store_ballot(
        session, edition, voter_key(secret, person=key), Channel.PAPER, territory_id, band, choices, now,
        cast_on=local_midnight(vote_last_day(edition)),
    )
    result = _settle_clash(session, edition, agent, ballot, key, secret, now)
    audit.record(
        session,
        actor=agent,
        action="ballot.paper_entered",
        object_type="paper_attendance",
        object_id=attendance.id,
        now=now,
        summary=f"Émargement papier ({place[:100]}) : {result.message}",
    )
    return result


def _settle_clash(
    session: Session, edition: Edition, agent: User, ballot: Ballot, key: str, secret: str, now: datetime
) -> PaperResult:
    """The person also voted online: the edition's rule says which ballot counts, the other is voided."""
    online = [b for b in online_ballots_of_person(session, edition, key, secret) if b.voided_at is None]
    if not online:
        return PaperResult(ballot, False, True, "Bulletin papier enregistré et compté.")
    if edition.paper_clash_policy == PaperClashPolicy.ONLINE_WINS.value:
        void(session, ballot, agent,
             "Double vote : la même personne a voté en ligne (le vote en ligne compte).", now)
        return PaperResult(ballot, True, False, "Cette personne a déjà voté en ligne : son vote en ligne "
                           "compte, ce bulletin papier est annulé.")
    for other in online:
        void(session, other, agent,
             "Double vote : la même personne a voté sur papier (le bulletin papier compte).", now)
    return PaperResult(ballot, True, True, "Cette personne avait voté en ligne : le bulletin papier "
                       "compte, son vote en ligne est annulé.")


@dataclass(frozen=True)
class AttendancePage:
    """One page of the attendance list, newest first, with the e-mail of the agent of each line."""

    lines: list[PaperAttendance]
    agents: dict[int, str]
    total: int


def attendance_page(session: Session, edition: Edition, page: int, size: int) -> AttendancePage:
    """The lines typed in, newest first (the agent checks the line just typed). The ballot of each line is
    never looked up."""
    query = select(PaperAttendance).where(PaperAttendance.edition_id == edition.id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    lines = list(session.scalars(
        query.options(selectinload(PaperAttendance.commune))
        .order_by(PaperAttendance.entered_at.desc(), PaperAttendance.id.desc())
        .offset((page - 1) * size).limit(size)
    ))
    agent_ids = {line.entered_by_id for line in lines if line.entered_by_id is not None}
    agents = dict(session.execute(select(User.id, User.email).where(User.id.in_(agent_ids))).all()) \
        if agent_ids else {}
    return AttendancePage(lines, agents, total)
