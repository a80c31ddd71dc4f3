"""The vote's figures: participation, the tally per initiative, the running tally's visibility, and the
export of the counted ballots for a recount (queries and one use case: session in, flush only, no Flask).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from budgetcitoyen.accounts.models import User
from budgetcitoyen.audit import services as audit
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.reference.models import Territory
from budgetcitoyen.textsearch import alphabetical, alphabetically
from budgetcitoyen.voting.ballots import CHANNEL_NAMES, ballot_initiatives
from budgetcitoyen.voting.models import Ballot, BallotChoice, VoteCount
from budgetcitoyen.voting.rules import BALLOT_STATUSES


@dataclass(frozen=True)
class Participation:
    """Counted ballots (voided ones excluded), in total and by territory, channel and age band."""

    total: int
    by_territory: list[tuple[str, int]]
    by_channel: dict[str, int]
    by_age_band: dict[str, int]
    voided: int


def participation(session: Session, edition: Edition) -> Participation:
    """From the counts kept with the ballots (voting.counts): a few rows read, whatever the number of
    ballots, and exact (they change in the ballots' own transactions)."""
    rows = session.execute(
        select(Territory.id, Territory.name, VoteCount.channel, VoteCount.age_band, VoteCount.counted,
               VoteCount.voided)
        .select_from(Territory)
        .outerjoin(VoteCount,
                   and_(VoteCount.territory_id == Territory.id, VoteCount.edition_id == edition.id))
        .order_by(*alphabetically(Territory.name), Territory.id)
    ).all()
    by_territory: dict[int, tuple[str, int]] = {}
    by_channel: dict[str, int] = {}
    by_age_band: dict[str, int] = {}
    voided = 0
    for territory_id, name, channel, band, counted, void_count in rows:
        previous = by_territory.get(territory_id, (name, 0))[1]
        by_territory[territory_id] = (name, previous + (counted or 0))
        if channel is None:
            continue
        if counted:
            by_channel[channel] = by_channel.get(channel, 0) + counted
            by_age_band[band] = by_age_band.get(band, 0) + counted
        voided += void_count or 0
    return Participation(sum(by_channel.values()), list(by_territory.values()), by_channel, by_age_band,
                         voided)


def tally(session: Session, edition: Edition) -> dict[int, int]:
    """Votes per initiative id, counting only ballots that are not voided."""
    rows = session.execute(
        select(BallotChoice.initiative_id, func.count())
        .join(Ballot, Ballot.id == BallotChoice.ballot_id)
        .where(Ballot.edition_id == edition.id, Ballot.voided_at.is_(None))
        .group_by(BallotChoice.initiative_id)
    )
    return dict(rows.all())


def _ranked(counts: dict[int, int], initiatives: Iterable[Initiative]) -> list[tuple[Initiative, int]]:
    return sorted(((i, counts.get(i.id, 0)) for i in initiatives),
                  key=lambda row: (-row[1], alphabetical(row[0].title)))


def public_tally(session: Session, edition: Edition) -> list[tuple[Initiative, int]]:
    """Votes per initiative on the ballot, most voted first (the public participation page)."""
    return _ranked(tally(session, edition), ballot_initiatives(session, edition))


# Once the vote is closed, a tally changes only when a ballot is counted or voided (a paper ballot typed
# in, a void): both always move the counts kept with the ballots, so (edition, counted, voided) is an exact
# key for it. Each process keeps the last few; a scan of every choice is then paid once, not per page.
_CLOSED_TALLIES: dict[tuple[int, int, int], dict[int, int]] = {}
_CLOSED_TALLIES_KEPT = 16


def forget_closed_tallies() -> None:
    """Forget the remembered tallies (a database replaced under a running process: tests, a restore)."""
    _CLOSED_TALLIES.clear()


def closed_tally(session: Session, edition: Edition) -> dict[int, int]:
    """`tally` of an edition whose vote is over, remembered while its counts do not move."""
    counted, voided = session.execute(
        select(func.coalesce(func.sum(VoteCount.counted), 0), func.coalesce(func.sum(VoteCount.voided), 0))
        .where(VoteCount.edition_id == edition.id)).one()
    key = (edition.id, int(counted), int(voided))
    if key not in _CLOSED_TALLIES:
        if len(_CLOSED_TALLIES) >= _CLOSED_TALLIES_KEPT:
            _CLOSED_TALLIES.pop(next(iter(_CLOSED_TALLIES)))
        _CLOSED_TALLIES[key] = tally(session, edition)
    return dict(_CLOSED_TALLIES[key])


def full_tally(session: Session, edition: Edition, *,
               vote_over: bool = False) -> list[tuple[Initiative, int]]:
    """Votes per initiative, those without any vote and those taken off the ballot since included, most
    voted first (the ESS service's dashboard)."""
    counts = closed_tally(session, edition) if vote_over else tally(session, edition)
    initiatives = session.scalars(
        select(Initiative)
        .where(Initiative.edition_id == edition.id,
               or_(Initiative.status.in_(BALLOT_STATUSES), Initiative.id.in_(list(counts))))
        .options(selectinload(Initiative.territory))
    )
    return _ranked(counts, initiatives)


def set_live_results(session: Session, edition: Edition, actor: User, show: bool, now: datetime) -> bool:
    """Show or hide the running tally on the public participation page (audited); False when it already
    was so (a double click does not flip it back)."""
    if edition.live_results == show:
        return False
    audit.record(
        session, actor=actor, action="edition.live_results", object_type="edition", object_id=edition.id,
        now=now, summary=f"Résultats provisoires du vote {edition.year} {'affichés' if show else 'masqués'}",
        before={"live_results": edition.live_results}, after={"live_results": show},
    )
    edition.live_results = show
    session.flush()
    return True


# --- Export for a recount --------------------------------------------------------------------

RECOUNT_COLUMNS = [
    "Bulletin", "Canal", "Nombre de choix", "Initiatives choisies (n°)", "Initiatives choisies (titres)",
]


def recount_rows(session: Session, edition: Edition) -> Iterator[list[object]]:
    """The counted ballots by random id: channel and choices, nothing about the voter.

    Without voided ballots (the admin voids a ballot knowing whose it is, so a voided row's choices
    would be that person's vote), ordered by the random public id: the casting order (row id, time)
    could be matched with who was seen voting when.
    """
    titles = dict(session.execute(
        select(Initiative.id, Initiative.title).where(Initiative.edition_id == edition.id)).all())
    ballots = session.scalars(
        select(Ballot).where(Ballot.edition_id == edition.id, Ballot.voided_at.is_(None))
        .options(selectinload(Ballot.choices)).order_by(Ballot.public_id)
    )
    for ballot in ballots:
        ids = sorted(c.initiative_id for c in ballot.choices)
        yield [
            ballot.public_id,
            CHANNEL_NAMES[ballot.channel],
            len(ids),
            " ".join(str(i) for i in ids),
            " | ".join(titles.get(i, f"n° {i}") for i in ids),
        ]
