"""Count actions per key in a sliding window and refuse past the limit (no Flask)."""

from __future__ import annotations

import hashlib
import hmac
import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from budgetcitoyen.errors import DomainError
from budgetcitoyen.ratelimit.models import RateEvent

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


def _wait_for(session: Session, action: str, key: str, limit: Limit, now: datetime, count: int) -> timedelta:
    """How long until one more action fits: until enough of the counted events leave the window."""
    # With `count` events in the window and room for `limit.count`, the (count - limit.count + 1)-th
    # oldest must leave it.
    freeing = session.scalar(
        select(RateEvent.at)
        .where(RateEvent.action == action, RateEvent.key == key, RateEvent.at >= now - limit.window)
        .order_by(RateEvent.at)
        .offset(count - limit.count)
        .limit(1)
    )
    if freeing is None:  # cannot happen while the rows are locked; the window is the safe answer
        return limit.window
    return max(freeing + limit.window - now, timedelta(seconds=1))


def hit(session: Session, action: str, keys: dict[str, str], limits: dict[str, Limit], now: datetime) -> None:
    """Count one `action` for each of `keys` (name → hashed key); raise RateLimited if any limit is reached.

    `limits` maps the same names to their Limit; a name without a limit is not checked. The action is
    counted only when it is allowed, so a blocked client does not extend its own wait forever.
    The caller commits (or the count is lost with its transaction).
    """
    checked = {name: key for name, key in keys.items() if name in limits}
    if not checked:
        return
    if session.get_bind().dialect.name == "postgresql":
        # Count-then-insert must not interleave for one key; SQLite's BEGIN IMMEDIATE already serialises.
        for key in sorted(set(checked.values())):
            session.execute(
                text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 1))"), {"k": action + key}
            )
    for name, key in checked.items():
        limit = limits[name]
        count = session.scalar(
            select(func.count()).where(
                RateEvent.action == action, RateEvent.key == key, RateEvent.at >= now - limit.window
            )
        ) or 0
        if count >= limit.count:
            raise RateLimited(_wait_for(session, action, key, limit, now, count))
    # One row per distinct key: a key checked under two limits (a burst and a daily cap) is one action.
    longest: dict[str, timedelta] = {}
    for name, key in checked.items():
        longest[key] = max(longest.get(key, timedelta(0)), limits[name].window)
    for key, window in longest.items():
        # This key's rows that left every window are dead weight: drop them while the index is warm.
        session.execute(delete(RateEvent).where(
            RateEvent.action == action, RateEvent.key == key, RateEvent.at < now - window
        ))
        session.add(RateEvent(action=action, key=key, at=now))
    if _random.random() < PURGE_CHANCE:
        purge(session, now)
    session.flush()


def purge(session: Session, now: datetime) -> int:
    """Delete events no window needs any more; returns how many."""
    result = session.execute(delete(RateEvent).where(RateEvent.at < now - KEEP_FOR))
    return result.rowcount or 0
