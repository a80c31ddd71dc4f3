"""Count actions per key in a sliding window and refuse past the limit (no Flask).

Counts are kept per slice of time (a sixtieth of the window), never per action: no row tells when
someone acted, to the second, so the table cannot be joined to log-in times or to the ballots.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    String,
    and_,
    bindparam,
    delete,
    func,
    literal,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from budgetcitoyen.db import upsert_insert
from budgetcitoyen.errors import DomainError
from budgetcitoyen.ratelimit.models import RateCounter

# A window slides by slices of a sixtieth of its length.
SLICES = 60
# Rows older than this are of no use to any window and are personal data: they are purged.
# No Limit may have a longer window, so a purge can never forget what a window still counts.
KEEP_FOR = timedelta(days=1)
# Share of hits that also purge the whole table: old rows of clients never seen again would
# otherwise stay for ever. Small, since the delete scans the table; with a day's worth of rows kept
# it stays cheap. A module setting so tests can make it certain.
PURGE_CHANCE = 0.02
_random = random.Random()


@dataclass(frozen=True)
class Limit:
    """At most `count` actions per key within `window`."""

    count: int
    window: timedelta

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError("a limit allows at least one action")
        if not timedelta(0) < self.window <= KEEP_FOR:
            raise ValueError(f"a limit's window lasts more than 0 s and at most {KEEP_FOR}")


def _french_duration(wait: timedelta) -> str:
    """'1 minute', '45 minutes', '3 heures': rounded up, so the person never comes back too early."""
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    if minutes <= 120:
        return f"{minutes} minute" + ("s" if minutes > 1 else "")
    hours = math.ceil(minutes / 60)
    return f"{hours} heures"


class RateLimited(DomainError):
    """Too many actions: the message says how long to wait, in French."""

    status_code = 429

    def __init__(self, window: timedelta) -> None:
        self.wait = window
        super().__init__(
            "Trop de tentatives en peu de temps. "
            f"Merci de patienter {_french_duration(window)} avant de recommencer."
        )


def keyed(secret: str, *parts: object) -> str:
    """A keyed hash of what identifies the actor (address, account): the table holds nothing readable."""
    message = "\x1f".join(str(p) for p in parts).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def step_of(limit: Limit) -> int:
    """The seconds of one counting slice of `limit`: a sixtieth of its window (10 s for ten minutes, a
    minute for an hour), so the window slides by slices with at most one slice's leniency, and no row
    keeps an action's exact time."""
    return max(1, int(limit.window.total_seconds()) // SLICES)


def _slice_start(now: datetime, step: int) -> int:
    seconds = int(now.timestamp())
    return seconds - seconds % step


def _counted(
    rows: list[tuple[int, int, int]], limit: Limit, step: int, now: datetime
) -> list[tuple[int, int]]:
    """(start, count) of the slices of `limit` within its window at `now`, oldest first: a slice counts
    while it starts after now - window."""
    oldest = now.timestamp() - limit.window.total_seconds()
    return sorted((start, count) for start, row_step, count in rows if row_step == step and start > oldest)


def _wait_for(slices: list[tuple[int, int]], limit: Limit, now: datetime) -> timedelta:
    """How long until one more action fits: until enough of the counted slices leave the window."""
    # `slices` counts this refused action too: free the total minus the limit.
    to_free = sum(count for _, count in slices) - limit.count
    freed = 0
    for start, count in slices:
        freed += count
        if freed >= to_free:
            leaves = start + limit.window.total_seconds()
            return max(timedelta(seconds=leaves - now.timestamp()), timedelta(seconds=1))
    return limit.window  # pragma: no cover - the slices hold at least the refused action


def hit(
    session: Session, action: str, keys: dict[str, str], limits: dict[str, Limit], now: datetime,
    *, own_transaction: bool = True,
) -> None:
    """Count one `action` for each of `keys` (name → hashed key); raise RateLimited if any limit is reached.

    `limits` maps the same names to their Limit; a name without a limit is not checked. The action is
    counted only when it is allowed, so a blocked client does not extend its own wait forever.
    The caller commits (or the count is lost with its transaction).

    One statement on PostgreSQL (two on SQLite), whatever the number of keys: an upsert adds the action
    to the current slice of every (key, slice length), taking its row lock, so concurrent actions of one
    key queue there instead of counting past the limit, and the slices in the window are read. A refusal
    takes the action back out (more statements, only then).

    `own_transaction`: the session's transaction counts and nothing else (ratelimit.web.limit), so its commit
    may be made asynchronous on PostgreSQL. False when the count shares the action's own transaction
    (ratelimit.web.counted): that commit keeps its durability, and the action's work is rolled back with a
    refusal anyway.
    """
    checked = {name: key for name, key in keys.items() if name in limits}
    if not checked:
        return
    # One action per (key, slice length): a key checked under two limits of one window is counted once.
    cells = sorted({(key, step_of(limits[name])) for name, key in checked.items()})
    rows = [{"action": action, "key": key, "step": step, "start": _slice_start(now, step), "count": 1}
            for key, step in cells]
    longest = max(limits[name].window for name in checked)
    by_key: dict[str, list[tuple[int, int, int]]] = {}
    for key, start, step, count in _count_and_read(session, action, rows, now - longest, own_transaction):
        by_key.setdefault(key, []).append((start, step, count))
    for name, key in checked.items():
        limit = limits[name]
        slices = _counted(by_key.get(key, []), limit, step_of(limit), now)
        if sum(count for _, count in slices) > limit.count:
            if own_transaction:  # else the action's rollback takes the count back with its work
                _take_back(session, action, rows)
            raise RateLimited(_wait_for(slices, limit, now))
    # The purge scans the table: left to the counts of their own transaction (log-ins, sign-ups…), never
    # run inside an action's transaction, which would hold it up.
    if own_transaction and _random.random() < PURGE_CHANCE:
        purge(session, now)


def _count_and_read(
    session: Session, action: str, rows: list[dict[str, Any]], since: datetime, relax_commit: bool = True
) -> list[tuple[str, int, int, int]]:
    """Add the action to its slices, then read every slice of these keys since `since`: (key, start, step,
    count), the current slices with this action counted."""
    table = RateCounter.__table__
    keys = {row["key"] for row in rows}
    if session.get_bind().dialect.name != "postgresql":
        session.execute(upsert_insert(session, table).values(rows).on_conflict_do_update(
            index_elements=["action", "key", "step", "start"], set_={"count": table.c.count + 1},
        ))
        earlier = select(table.c.key, table.c.start, table.c.step, table.c.count).where(
            table.c.action == action, table.c.key.in_(keys), table.c.start > int(since.timestamp()) - 1,
        )
        return [tuple(row) for row in session.execute(earlier)]  # type: ignore[misc]
    # PostgreSQL: one statement, built once per process (see _pg_count_and_read).
    current = {(row["key"], row["step"], row["start"]) for row in rows}
    found = session.connection().execute(_pg_count_and_read(relax_commit), {
        "action": action, "keys": [row["key"] for row in rows], "steps": [row["step"] for row in rows],
        "starts": [row["start"] for row in rows], "key_set": sorted(keys),
        "since": int(since.timestamp()) - 1,
    }).all()
    return [(key, start, step, count) for key, start, step, count, fresh, _ in found
            if fresh or (key, step, start) not in current]


@functools.cache
def _pg_count_and_read(relax_commit: bool) -> Any:
    """The PostgreSQL statement of _count_and_read, every value a parameter, so SQLAlchemy compiles it once
    (a multi-row VALUES is compiled anew at each call: half the cost of a count): the rows come from
    unnest() over arrays of keys, slice lengths and starts.

    The upsert runs in a WITH clause; the rest of the statement sees the table as it was before it, so the
    current slices are taken from what the upsert returns. With `relax_commit` the statement also makes
    its transaction's commit asynchronous (set_config(..., true) lasts until it ends): a crash may forget
    the last counts, which is harmless, and the slice's row lock, which every action of the key (one town
    hall's address) waits for, is no longer held through a disk flush. Never for a count sharing an
    action's transaction, whose commit must stay durable."""
    from sqlalchemy.dialects.postgresql import ARRAY, insert

    table = RateCounter.__table__
    rows = select(
        bindparam("action", type_=String), func.unnest(bindparam("keys", type_=ARRAY(String))),
        func.unnest(bindparam("steps", type_=ARRAY(Integer))),
        func.unnest(bindparam("starts", type_=ARRAY(BigInteger))), literal(1),
    )
    columns = ["action", "key", "step", "start", "count"]
    counted = insert(table).from_select(columns, rows).on_conflict_do_update(
        index_elements=["action", "key", "step", "start"], set_={"count": table.c.count + 1},
    ).returning(table.c.key, table.c.start, table.c.step, table.c.count).cte("counted")
    earlier = select(table.c.key, table.c.start, table.c.step, table.c.count).where(
        table.c.action == bindparam("action"), table.c.key.in_(bindparam("key_set", expanding=True)),
        table.c.start > bindparam("since", type_=BigInteger),
    )
    relaxed = func.set_config("synchronous_commit", "off", True) if relax_commit else literal("")
    return union_all(
        select(counted.c.key, counted.c.start, counted.c.step, counted.c.count, literal(True), relaxed),
        earlier.add_columns(literal(False), literal("")),
    )


def _take_back(session: Session, action: str, rows: list[dict[str, object]]) -> None:
    """Undo this call's upsert (its transaction may still commit: the refused action must not count)."""
    table = RateCounter.__table__
    for row in rows:
        cell = and_(table.c.action == action, table.c.key == row["key"], table.c.step == row["step"],
                    table.c.start == row["start"])
        # A slice this action opened goes; one counted before loses this action (count stays >= 1).
        session.execute(delete(table).where(cell, table.c.count <= 1))
        session.execute(update(table).where(cell).values(count=table.c.count - 1))


def purge(session: Session, now: datetime) -> int:
    """Delete slices no window needs any more (ended a day ago at least); returns how many rows."""
    table = RateCounter.__table__
    limit = int(now.timestamp() - KEEP_FOR.total_seconds())
    result = session.execute(delete(table).where(table.c.start + table.c.step <= limit))
    return result.rowcount or 0
