"""Participation counts kept with the ballots: one upsert when a ballot is created, one update when it is
voided, in the ballot's own transaction, so the participation pages read a few rows during the vote
instead of counting every ballot (queries and writes: session in, flush only, no Flask).

Counts only, by edition, territory, channel and age band: nothing per ballot, no time.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import bindparam, case, delete, func, insert, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from budgetcitoyen.db import upsert_insert_for
from budgetcitoyen.voting.models import Ballot, VoteCount


def ballot_added(session: Session, ballot: Ballot) -> None:
    """A new ballot counts in its cell."""
    session.execute(_added_statement(session.get_bind().dialect.name), {
        "edition_id": ballot.edition_id, "territory_id": ballot.territory_id, "channel": ballot.channel,
        "age_band": ballot.age_band})


@functools.cache
def _added_statement(dialect: str) -> Any:
    # Built once per process and engine, every value a parameter: every first ballot runs it (issue #14),
    # and building and keying a statement costs more in Python than PostgreSQL takes to run it.
    table = VoteCount.__table__
    values = {name: bindparam(name, type_=table.c[name].type)
              for name in ("edition_id", "territory_id", "channel", "age_band")}
    return upsert_insert_for(dialect, table).values(**values, counted=1, voided=0).on_conflict_do_update(
        index_elements=["edition_id", "territory_id", "channel", "age_band"],
        set_={"counted": table.c.counted + 1},
    )


def added_from(ballots: Any, condition: Any) -> Any:
    """PostgreSQL: `ballot_added` for the ballot rows of a CTE (those meeting `condition`), as an INSERT to
    run in that CTE's statement (voting.ballots writes a first ballot in one statement)."""
    table = VoteCount.__table__
    cell = ("edition_id", "territory_id", "channel", "age_band")
    return pg_insert(table).from_select(
        [*cell, "counted", "voided"],
        select(*(ballots.c[name] for name in cell), literal(1), literal(0)).where(condition),
    ).on_conflict_do_update(index_elements=list(cell), set_={"counted": table.c.counted + 1})


def ballot_voided(session: Session, ballot: Ballot) -> None:
    """A voided ballot leaves the counted ones for the voided ones of its cell."""
    table = VoteCount.__table__
    session.execute(
        update(table)
        .where(table.c.edition_id == ballot.edition_id, table.c.territory_id == ballot.territory_id,
               table.c.channel == ballot.channel, table.c.age_band == ballot.age_band)
        .values(counted=table.c.counted - 1, voided=table.c.voided + 1)
    )


def recount(session: Session, edition_id: int) -> list[tuple[int, str, str, int, int]]:
    """The counts from the ballots themselves: (territory id, channel, age band, counted, voided)."""
    rows = session.execute(
        select(
            Ballot.territory_id, Ballot.channel, Ballot.age_band,
            func.sum(case((Ballot.voided_at.is_(None), 1), else_=0)),
            func.sum(case((Ballot.voided_at.is_(None), 0), else_=1)),
        ).where(Ballot.edition_id == edition_id)
        .group_by(Ballot.territory_id, Ballot.channel, Ballot.age_band)
    ).all()
    return sorted((t, c, a, int(n), int(v)) for t, c, a, n, v in rows)


def stored(session: Session, edition_id: int) -> list[tuple[int, str, str, int, int]]:
    """The kept counts, in the same shape as `recount` (empty cells left out)."""
    rows = session.execute(
        select(VoteCount.territory_id, VoteCount.channel, VoteCount.age_band, VoteCount.counted,
               VoteCount.voided)
        .where(VoteCount.edition_id == edition_id, (VoteCount.counted > 0) | (VoteCount.voided > 0))
    ).all()
    return sorted(tuple(row) for row in rows)  # type: ignore[misc]


def rebuild(session: Session, edition_id: int) -> None:
    """Count the edition's ballots again into its cells: for ballots written in bulk (an imported Pabulib
    file) and as the repair of last resort."""
    session.execute(delete(VoteCount).where(VoteCount.edition_id == edition_id))
    rows = [{"edition_id": edition_id, "territory_id": t, "channel": c, "age_band": a, "counted": n,
             "voided": v} for t, c, a, n, v in recount(session, edition_id)]
    if rows:
        session.execute(insert(VoteCount), rows)
