"""An edition's counted ballots as the allocation engine's plain values (no Flask): the initiatives on the
ballot as projects, the ballots as sparse rows, read in bulk (hundreds of thousands of ballots)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import chain
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from budgetcitoyen import allocation
from budgetcitoyen.editions.models import Category, Edition
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.reference.models import Territory
from budgetcitoyen.voting.models import Ballot, BallotChoice
from budgetcitoyen.voting.rules import BALLOT_STATUSES


@dataclass(frozen=True)
class EditionInstance:
    """An edition's allocation problem as plain values, with the way back to its initiatives."""

    projects: list[allocation.Project]
    ballots: allocation.Ballots
    ballot_ids: list[str]
    ballot_channels: list[str]
    initiatives: dict[str, Initiative]
    ceilings: dict[str, Decimal]
    sub_envelopes: dict[str, Decimal]


def load_instance(session: Session, edition: Edition, *, for_files: bool = True) -> EditionInstance:
    """The initiatives on the ballot, their votes and the counted ballots (voided ones left out). Without
    `for_files` (computing only), the ballots' public ids and channels, which only the published files
    carry, are not read, and the ballots come in no particular order."""
    initiatives = session.scalars(
        select(Initiative).where(Initiative.edition_id == edition.id, Initiative.status.in_(BALLOT_STATUSES))
        .order_by(Initiative.filed_at.is_(None), Initiative.filed_at, Initiative.id)
    ).all()
    position = {initiative.id: n for n, initiative in enumerate(initiatives)}
    ballot_ids, channels, ballots = _counted_ballots(session, edition.id, position, len(initiatives),
                                                     for_files)
    votes = ballots.approvals()
    categories = {c.id: c for c in session.scalars(select(Category).where(Category.edition_id == edition.id))}
    territories = dict(session.execute(select(Territory.id, Territory.code)).all())
    projects = [
        allocation.Project(
            id=str(initiative.id),
            cost=initiative.amount_asked or Decimal(0),
            votes=int(votes[n]),
            category=(categories[initiative.category_id].code if initiative.category_id in categories
                      else None),
            territory=territories.get(initiative.territory_id),
            filed_order=n,
            name=initiative.title,
        )
        for n, initiative in enumerate(initiatives)
    ]
    return EditionInstance(
        projects=projects,
        ballots=ballots,
        ballot_ids=ballot_ids,
        ballot_channels=channels,
        initiatives={str(i.id): i for i in initiatives},
        ceilings={c.code: c.ceiling for c in categories.values()},
        sub_envelopes={c.code: c.sub_envelope for c in categories.values() if c.sub_envelope is not None},
    )


def _fetch(session: Session, statement: Any) -> list[tuple[Any, ...]]:
    """All rows of a query as plain tuples from the database driver: for hundreds of thousands of ballots,
    building SQLAlchemy rows would cost more than the query itself. Only integers are bound (literally)."""
    connection = session.connection()
    sql = str(statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _counted_choices(session: Session, edition_id: int, position: dict[int, int],
                     num_projects: int) -> allocation.Ballots | None:
    """The counted ballots for computing only (no ids, in no particular order): how many there are, and
    the choices of those that are not voided, read in ballot order (the primary key's) and cut into rows
    where the ballot changes; the ballots without a choice still on the ballot are empty rows (they count
    as voters). None when the two reads disagree (a ballot typed in between): read again with the ids."""
    count = session.scalar(select(func.count()).select_from(Ballot).where(
        Ballot.edition_id == edition_id, Ballot.voided_at.is_(None))) or 0
    voided = select(Ballot.id).where(Ballot.edition_id == edition_id, Ballot.voided_at.is_not(None))
    pairs = _fetch(session, select(BallotChoice.ballot_id, BallotChoice.initiative_id).where(
        BallotChoice.initiative_id.in_(sorted(position)), BallotChoice.ballot_id.not_in(voided))
        .order_by(BallotChoice.ballot_id, BallotChoice.initiative_id)) if position else []
    choices = np.fromiter(chain.from_iterable(pairs), dtype=np.int64, count=2 * len(pairs)).reshape(-1, 2)
    lookup = np.full(int(choices[:, 1].max(initial=0)) + 1, -1, dtype=np.int64)
    for initiative_id, j in position.items():
        if initiative_id < len(lookup):
            lookup[initiative_id] = j
    ballot = choices[:, 0]
    starts = np.flatnonzero(np.concatenate(([True], ballot[1:] != ballot[:-1]))) if len(ballot) else \
        np.zeros(0, dtype=np.int64)
    if len(starts) > count:
        return None
    indptr = np.full(count + 1, len(ballot), dtype=np.int64)
    indptr[0] = 0
    indptr[1:len(starts)] = starts[1:]
    return allocation.Ballots(indptr, lookup[choices[:, 1]].astype(np.int32), num_projects)


def _counted_ballots(session: Session, edition_id: int, position: dict[int, int], num_projects: int,
                     for_files: bool) -> tuple[list[str], list[str], allocation.Ballots]:
    """The counted ballots in the order of their public ids, as sparse rows of project positions (each
    row in project order; a choice of an initiative withdrawn since no longer counts). Two queries read
    in bulk, then numpy groups the choices by ballot."""
    counted = (Ballot.edition_id == edition_id) & Ballot.voided_at.is_(None)
    if not for_files:
        quick = _counted_choices(session, edition_id, position, num_projects)
        if quick is not None:
            return [], [], quick
    rows = _fetch(session, select(Ballot.id, Ballot.public_id, Ballot.channel).where(counted)
                  .order_by(Ballot.public_id))
    # The choices of the initiatives on the ballot, without a join (the database's costliest part): the
    # choices of voided ballots are then left out below, with those of ballots the first read did not see.
    pairs = _fetch(session, select(BallotChoice.ballot_id, BallotChoice.initiative_id)
                   .where(BallotChoice.initiative_id.in_(sorted(position)))) if position else []
    count = len(rows)
    ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=count)
    choices = np.fromiter(chain.from_iterable(pairs), dtype=np.int64, count=2 * len(pairs)).reshape(-1, 2)
    if not len(choices):
        choices = np.zeros((0, 2), dtype=np.int64)
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    at = np.minimum(np.searchsorted(sorted_ids, choices[:, 0]), max(count - 1, 0))
    # A choice whose ballot the first query did not see (voided or typed in between the two reads, each
    # its own snapshot under READ COMMITTED) is left out, as its ballot is.
    seen = sorted_ids[at] == choices[:, 0] if count else np.zeros(len(choices), dtype=bool)
    ballot_row = order[at] if count else np.zeros(len(choices), dtype=np.int64)
    lookup = np.full(int(choices[:, 1].max(initial=0)) + 1, -1, dtype=np.int64)
    for initiative_id, j in position.items():
        if initiative_id < len(lookup):
            lookup[initiative_id] = j
    project = lookup[choices[:, 1]]
    keep = seen & (project >= 0)
    ballot_row, project = ballot_row[keep], project[keep]
    by_ballot = np.lexsort((project, ballot_row))
    ballot_row, project = ballot_row[by_ballot], project[by_ballot]
    indptr = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.bincount(ballot_row, minlength=count), out=indptr[1:])
    ballots = allocation.Ballots(indptr, project.astype(np.int32), num_projects)
    if not for_files:
        return [], [], ballots
    return [row[1] for row in rows], [row[2] for row in rows], ballots
