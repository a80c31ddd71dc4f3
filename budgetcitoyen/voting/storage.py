"""Where ballots lie on disk: rewriting them in random id order once the count is final (no Flask).

Ballot ids are random, but on PostgreSQL a table keeps its rows where they were written (heap order) and
each row carries the id of the transaction that wrote it (`xmin`): both follow the casting order, which a
reader of the database (or of a `pg_dump`, written in heap order) could line up with log-in times or the
attendance list. Rewriting both tables in one transaction gives every row the same `xmin`, and `CLUSTER`
stores them in the order of their random ids. SQLite keeps a table in its integer primary key's order (the
random id is the rowid): nothing to do there.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session


def rewrite_ballots(session: Session) -> bool:
    """Rewrite `ballots` and `ballot_choices` in random id order (PostgreSQL; True when done). Takes an
    exclusive lock on both tables for the time of the rewrite (seconds for hundreds of thousands of
    ballots): run it once the vote is over and the last paper ballot typed in."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    session.flush()
    for statement in (
        "UPDATE ballots SET version = version",
        "UPDATE ballot_choices SET initiative_id = initiative_id",
        "CLUSTER ballots USING pk_ballots",
        "CLUSTER ballot_choices USING pk_ballot_choices",
    ):
        session.execute(text(statement))
    return True
