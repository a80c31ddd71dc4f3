"""An edition's counted ballots as the allocation engine's plain values (no Flask): the initiatives on the
ballot as projects, the ballots as sparse rows, read in bulk (hundreds of thousands of ballots)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import chain
from typing import Any

import numpy as np
from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session

from budgetcitoyen import allocation
from budgetcitoyen.editions.models import Category, Edition
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.reference.models import Territory
from budgetcitoyen.results.models import AllocationDecision, AllocationResult
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
    carry, are not read, and the ballots come in the order of their primary key."""
    # Once the results are published, the initiatives have left the ballot's statuses (lauréate, non
    # retenue, then convention…): those of the published result are the ones that were on the ballot
    # (the rule simulator compares rules on past editions).
    published = (select(AllocationDecision.initiative_id).join(AllocationResult)
                 .where(AllocationResult.edition_id == edition.id,
                        AllocationResult.published_at.is_not(None)))
    initiatives = session.scalars(
        select(Initiative).where(Initiative.edition_id == edition.id,
                                 or_(Initiative.status.in_(BALLOT_STATUSES), Initiative.id.in_(published)))
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


def _sql(session: Session, statement: Any) -> str:
    """The statement as SQL text; only integers are bound (literally)."""
    dialect = session.connection().dialect
    return str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
_ELEMENT_WIDTHS = {20: 8, 23: 4}  # the binary array's element type (int8, int4): bytes per element


def _one_row(session: Session, sql: str) -> list[bytes | None] | None:
    """The fields of the one row of `sql`, as PostgreSQL's binary COPY sends them (None for a NULL); None
    when the answer is not laid out so. One row holding whole arrays crosses the wire as a few large
    blocks: reading a row per ballot costs Python far more than the database.

    The aggregates are fed in the order of the ordered subquery inside `sql` (PostgreSQL does not flatten
    a subquery with ORDER BY); a parallel plan could combine partial aggregates in another order, so none
    runs for this read."""
    setting = text("SELECT set_config('max_parallel_workers_per_gather', :value, true)")
    previous = session.scalar(text("SELECT current_setting('max_parallel_workers_per_gather')"))
    session.execute(setting, {"value": "0"})
    buffer = bytearray()
    with session.connection().connection.cursor() as cursor, \
            cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT binary)") as copy:
        for block in copy:
            buffer += block
    session.execute(setting, {"value": previous})
    data = memoryview(buffer)
    if bytes(data[:11]) != _COPY_SIGNATURE or len(data) < 23:
        return None
    at = 19 + int.from_bytes(data[15:19], "big")  # past the header and its extension
    count = int.from_bytes(data[at:at + 2], "big", signed=True)
    at += 2
    fields: list[bytes | None] = []
    for _ in range(count):
        length = int.from_bytes(data[at:at + 4], "big", signed=True)
        at += 4
        fields.append(None if length < 0 else data[at:at + length])  # type: ignore[arg-type]
        at += max(length, 0)
    return fields


def _int_array(field: Any) -> np.ndarray | None:
    """A binary one-dimensional integer array without NULLs (PostgreSQL's send format) as int64; None when
    it is not one. A NULL field (array_agg of no row) is an empty array."""
    if field is None:
        return np.zeros(0, dtype=np.int64)
    ndim, has_nulls, element = (int.from_bytes(field[n:n + 4], "big") for n in (0, 4, 8))
    if ndim == 0:
        return np.zeros(0, dtype=np.int64)
    width = _ELEMENT_WIDTHS.get(element)
    if ndim != 1 or has_nulls or width is None:
        return None
    size = int.from_bytes(field[12:16], "big")
    if len(field) != 20 + size * (4 + width):
        return None
    elements = np.frombuffer(field, dtype=np.dtype([("length", ">i4"), ("value", f">i{width}")]),
                             offset=20, count=size)
    if np.any(elements["length"] != width):
        return None
    return elements["value"].astype(np.int64)


def _lines(field: Any, count: int) -> list[str] | None:
    """A string_agg(…, E'\\n') of `count` values cut back into them; None when a value held a line break
    (then there are more pieces than values)."""
    if field is None:
        return [] if count == 0 else None
    pieces = bytes(field).decode("utf-8").split("\n")
    return pieces if len(pieces) == count else None


def _ballot_rows(session: Session, statement: Any) -> tuple[np.ndarray, list[str], list[str]]:
    """The rows of a query of (ballot id, channel, public id), in its order: the ids as an int64 array, the
    channels and public ids as lists; in bulk on PostgreSQL, else (SQLite, or a public id with a line
    break) fetched."""
    if session.connection().dialect.name == "postgresql":
        row = _one_row(session, "SELECT array_agg(id), string_agg(channel, E'\\n'), "
                       f"string_agg(public_id, E'\\n') FROM ({_sql(session, statement)}) AS ballots")
        ids = _int_array(row[0]) if row is not None and len(row) == 3 else None
        if row is not None and ids is not None:
            channels, public_ids = _lines(row[1], len(ids)), _lines(row[2], len(ids))
            if channels is not None and public_ids is not None:
                return ids, channels, public_ids
    rows = _fetch(session, statement)
    return (np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows)),
            [row[1] for row in rows], [row[2] for row in rows])


def _choices(session: Session, statement: Any) -> np.ndarray:
    """The rows of a query of (ballot id, initiative id) as an int64 array of shape (n, 2) sorted by ballot
    id: in bulk on PostgreSQL (two arrays in one row, parsed by numpy), else the tuples. Sorted here: the
    database's ORDER BY (an index scan, or a sort) costs it more than numpy, and far more on a table
    just filled (its index-only scans then visit the table, in random order)."""
    pairs = None
    if session.connection().dialect.name == "postgresql":
        row = _one_row(session, "SELECT array_agg(ballot_id), array_agg(initiative_id) "
                       f"FROM ({_sql(session, statement)}) AS choices")
        if row is not None and len(row) == 2:
            ballots, initiatives = _int_array(row[0]), _int_array(row[1])
            if ballots is not None and initiatives is not None and len(ballots) == len(initiatives):
                pairs = np.column_stack((ballots, initiatives))
    if pairs is None:
        rows = _fetch(session, statement)
        pairs = np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=2 * len(rows)).reshape(-1, 2)
    if np.any(pairs[1:, 0] < pairs[:-1, 0]):
        pairs = pairs[np.argsort(pairs[:, 0], kind="stable")]
    return pairs


def _positions(choices: np.ndarray, position: dict[int, int]) -> np.ndarray:
    """Each choice's initiative as its position among the projects (-1 when it is no longer on the
    ballot)."""
    lookup = np.full(int(choices[:, 1].max(initial=0)) + 1, -1, dtype=np.int64)
    for initiative_id, j in position.items():
        if initiative_id < len(lookup):
            lookup[initiative_id] = j
    return lookup[choices[:, 1]]


def _counted_choices(session: Session, edition_id: int, position: dict[int, int],
                     num_projects: int) -> allocation.Ballots | None:
    """The counted ballots for computing only (no ids, in the order of their primary key): how many there
    are, and the choices of those that are not voided, sorted by ballot and cut into rows where the
    ballot changes; the ballots without a choice still on the ballot are empty rows at the end (they
    count as voters). None when the two reads disagree (a ballot typed in between): read again with the
    ids."""
    count = session.scalar(select(func.count()).select_from(Ballot).where(
        Ballot.edition_id == edition_id, Ballot.voided_at.is_(None))) or 0
    voided = select(Ballot.id).where(Ballot.edition_id == edition_id, Ballot.voided_at.is_not(None))
    choices = _choices(session, select(BallotChoice.ballot_id, BallotChoice.initiative_id).where(
        BallotChoice.initiative_id.in_(sorted(position)), BallotChoice.ballot_id.not_in(voided)))
    ballot = choices[:, 0]
    starts = np.flatnonzero(np.concatenate(([True], ballot[1:] != ballot[:-1]))) if len(ballot) else \
        np.zeros(0, dtype=np.int64)
    if len(starts) > count:
        return None
    indptr = np.full(count + 1, len(ballot), dtype=np.int64)
    indptr[0] = 0
    indptr[1:len(starts)] = starts[1:]
    return allocation.Ballots(indptr, _positions(choices, position).astype(np.int32), num_projects)


def _counted_ballots(session: Session, edition_id: int, position: dict[int, int], num_projects: int,
                     for_files: bool) -> tuple[list[str], list[str], allocation.Ballots]:
    """The counted ballots in the order of their public ids, as sparse rows of project positions (each
    row in project order; a choice of an initiative withdrawn since no longer counts). Two reads in bulk,
    then numpy groups the choices by ballot."""
    if not for_files and position:
        quick = _counted_choices(session, edition_id, position, num_projects)
        if quick is not None:
            return [], [], quick
    counted = (Ballot.edition_id == edition_id) & Ballot.voided_at.is_(None)
    ids, channels, public_ids = _ballot_rows(
        session,
        select(Ballot.id, Ballot.channel, Ballot.public_id).where(counted).order_by(Ballot.public_id))
    # The choices of the initiatives on the ballot, without a join (the database's costliest part): the
    # choices of voided ballots are then left out below, with those of ballots the first read did not see.
    choices = _choices(session, select(BallotChoice.ballot_id, BallotChoice.initiative_id)
                       .where(BallotChoice.initiative_id.in_(sorted(position)))) if position else \
        np.zeros((0, 2), dtype=np.int64)
    count = len(ids)
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    # The choices come sorted by ballot: searched in that order, several times faster than at random.
    at = np.minimum(np.searchsorted(sorted_ids, choices[:, 0]), max(count - 1, 0))
    # A choice whose ballot the first query did not see (voided or typed in between the two reads, each
    # its own snapshot under READ COMMITTED) is left out, as its ballot is.
    seen = sorted_ids[at] == choices[:, 0] if count else np.zeros(len(choices), dtype=bool)
    ballot_row = order[at] if count else np.zeros(len(choices), dtype=np.int64)
    project = _positions(choices, position)
    keep = seen & (project >= 0)
    ballot_row, project = ballot_row[keep], project[keep]
    # By ballot (in public id order), then project: one sort of a combined key (a ballot lists a project
    # once), faster than a lexsort of the two.
    by_ballot = np.argsort(ballot_row * max(num_projects, 1) + project)
    ballot_row, project = ballot_row[by_ballot], project[by_ballot]
    indptr = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.bincount(ballot_row, minlength=count), out=indptr[1:])
    return public_ids, channels, allocation.Ballots(indptr, project.astype(np.int32), num_projects)
