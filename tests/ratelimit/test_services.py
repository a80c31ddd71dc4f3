"""The sliding-window counter on the database (both engines): counting, refusing, releasing, purging.

Counts are kept per slice of a sixtieth of the window, never per action (no exact times)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from budgetcitoyen.ratelimit import services
from budgetcitoyen.ratelimit.models import RateCounter
from budgetcitoyen.ratelimit.services import KEEP_FOR, Limit, RateLimited, hit, keyed, purge

T0 = datetime(2026, 9, 10, 18, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    opened = app.extensions["db_sessionmaker"]()
    try:
        yield opened
    finally:
        opened.rollback()
        opened.close()


def events(session: Session, action: str | None = None) -> int:
    query = select(func.coalesce(func.sum(RateCounter.count), 0))
    if action:
        query = query.where(RateCounter.action == action)
    return session.scalar(query) or 0


def test_refuses_past_the_limit_and_releases_after_the_window(session: Session) -> None:
    limits = {"address": Limit(3, HOUR)}
    for minute in range(3):
        hit(session, "signup", {"address": "a"}, limits, T0 + timedelta(minutes=minute))
        session.commit()
    with pytest.raises(RateLimited) as caught:
        hit(session, "signup", {"address": "a"}, limits, T0 + timedelta(minutes=30))
    assert caught.value.status_code == 429
    # The oldest of the three leaves the window at T0 + 1 h: 30 minutes from now.
    assert caught.value.wait == timedelta(minutes=30)
    assert "Merci de patienter 30 minutes" in caught.value.message
    session.rollback()
    assert events(session) == 3  # a refused action is not counted: waiting is enough to get through
    # Another key and another action have their own counts.
    hit(session, "signup", {"address": "b"}, limits, T0 + timedelta(minutes=30))
    hit(session, "forgot", {"address": "a"}, limits, T0 + timedelta(minutes=30))
    # One second after the first event left the window, one more fits, and only one.
    hit(session, "signup", {"address": "a"}, limits, T0 + HOUR + timedelta(seconds=1))
    with pytest.raises(RateLimited) as caught:
        hit(session, "signup", {"address": "a"}, limits, T0 + HOUR + timedelta(seconds=2))
    assert caught.value.wait == timedelta(seconds=58)
    assert "Merci de patienter 1 minute avant" in caught.value.message


def test_every_dimension_is_checked_and_the_first_full_one_refuses(session: Session) -> None:
    limits = {"address": Limit(10, HOUR), "account": Limit(2, HOUR)}
    hit(session, "forgot", {"address": "a1", "account": "c"}, limits, T0)
    hit(session, "forgot", {"address": "a2", "account": "c"}, limits, T0)
    with pytest.raises(RateLimited):
        hit(session, "forgot", {"address": "a3", "account": "c"}, limits, T0)
    # Nothing was counted for the refused attempt, on any dimension.
    assert session.scalar(select(func.count()).where(RateCounter.key == "a3")) == 0
    hit(session, "forgot", {"address": "a3", "account": "autre"}, limits, T0)


def test_a_dimension_without_a_limit_is_neither_checked_nor_stored(session: Session) -> None:
    hit(session, "login", {"address": "a", "account": "c"}, {"address": Limit(1, HOUR)}, T0)
    assert session.scalars(select(RateCounter.key)).all() == ["a"]
    hit(session, "login", {"address": "a"}, {}, T0)  # no limit at all: nothing to do
    assert events(session) == 1


def test_one_key_under_two_limits_counts_once(session: Session) -> None:
    limits = {"burst": Limit(2, timedelta(minutes=1)), "day": Limit(3, KEEP_FOR)}
    hit(session, "ballot", {"burst": "k", "day": "k"}, limits, T0)
    # Once under each limit (each counts in slices of its own length).
    assert dict(session.execute(select(RateCounter.step, RateCounter.count)).all()) == {1: 1, 1440: 1}
    hit(session, "ballot", {"burst": "k", "day": "k"}, limits, T0 + timedelta(minutes=5))
    hit(session, "ballot", {"burst": "k", "day": "k"}, limits, T0 + timedelta(minutes=10))
    with pytest.raises(RateLimited) as caught:  # the burst allows it, the daily cap does not
        hit(session, "ballot", {"burst": "k", "day": "k"}, limits, T0 + timedelta(minutes=15))
    assert "Merci de patienter 24 heures" in caught.value.message


def test_slices_out_of_the_window_no_longer_count(session: Session) -> None:
    limits = {"address": Limit(3, timedelta(minutes=10))}
    for minute in (0, 1, 2):
        hit(session, "login", {"address": "a"}, limits, T0 + timedelta(minutes=minute))
    hit(session, "login", {"address": "b"}, limits, T0)
    later = T0 + timedelta(minutes=11, seconds=30)
    # a's actions at 0 and 1 min left the window; the one at 2 min still counts.
    hit(session, "login", {"address": "a"}, limits, later)
    hit(session, "login", {"address": "a"}, limits, later)
    with pytest.raises(RateLimited):
        hit(session, "login", {"address": "a"}, limits, later)
    # One row per slice and key, holding a count: no row per action.
    assert session.scalar(select(func.count()).where(RateCounter.key == "a")) == 4
    now_slice = int(later.timestamp()) // 10 * 10
    assert session.scalar(
        select(RateCounter.count).where(RateCounter.key == "a", RateCounter.start == now_slice)) == 2
    assert events(session) == 6


def test_purge_deletes_what_no_window_needs(session: Session) -> None:
    limits = {"address": Limit(100, HOUR)}
    hit(session, "signup", {"address": "old"}, limits, T0 - KEEP_FOR - timedelta(seconds=1))
    hit(session, "signup", {"address": "recent"}, limits, T0 - KEEP_FOR + timedelta(seconds=1))
    assert purge(session, T0) == 1
    assert session.scalars(select(RateCounter.key)).all() == ["recent"]


def test_hits_purge_the_table_now_and_then(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    limits = {"address": Limit(100, HOUR)}
    for n in range(5):  # clients seen once, long ago, never again
        hit(session, "signup", {"address": f"passant{n}"}, limits, T0 - 2 * KEEP_FOR)
    monkeypatch.setattr(services, "PURGE_CHANCE", 0.0)
    hit(session, "signup", {"address": "x"}, limits, T0)
    assert events(session) == 6
    monkeypatch.setattr(services, "PURGE_CHANCE", 1.0)
    hit(session, "login", {"address": "y"}, limits, T0)
    assert sorted(session.scalars(select(RateCounter.key)).all()) == ["x", "y"]


def test_with_the_default_chance_the_table_stays_bounded(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A seeded draw keeps the test exact; the chance itself is the production one.
    monkeypatch.setattr(services, "_random", random.Random(62))
    limits = {"address": Limit(1, HOUR)}
    for n in range(2000):  # one-off clients every 2 minutes for nearly three days (720 a day)
        hit(session, "signup", {"address": f"c{n}"}, limits, T0 + n * timedelta(minutes=2))
    session.commit()
    assert 720 < events(session) < 2 * 720


@pytest.mark.parametrize(
    ("count", "window"), [(0, HOUR), (-1, HOUR), (1, timedelta(0)), (1, KEEP_FOR + timedelta(seconds=1))]
)
def test_impossible_limits_are_refused(count: int, window: timedelta) -> None:
    with pytest.raises(ValueError):
        Limit(count, window)


def test_keys_are_keyed_hashes() -> None:
    key = keyed("secret-de-test-assez-long", "address", "203.0.113.9")
    assert len(key) == 64 and "203" not in key
    assert key != keyed("un-autre-secret-assez-long", "address", "203.0.113.9")
    assert key != keyed("secret-de-test-assez-long", "account", "203.0.113.9")


def test_counting_does_not_wait_for_the_disk_on_postgresql(session: Session) -> None:
    """The counts' transaction commits without waiting for the WAL flush (the ballot's own still does)."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no asynchronous commit")
    from sqlalchemy import text

    hit(session, "ballot", {"address": "a"}, {"address": Limit(5, HOUR)}, T0)
    assert session.scalar(text("SHOW synchronous_commit")) == "off"
    session.rollback()
    assert session.scalar(text("SHOW synchronous_commit")) == "on"


def test_a_count_sharing_an_actions_transaction_keeps_its_commit_durable(session: Session) -> None:
    """ratelimit.web.counted: the ballot's own commit still waits for the disk; nothing is purged there."""
    from sqlalchemy import text

    hit(session, "ballot", {"address": "a"}, {"address": Limit(5, HOUR)}, T0, own_transaction=False)
    if session.get_bind().dialect.name == "postgresql":
        assert session.scalar(text("SHOW synchronous_commit")) == "on"
    assert session.scalar(select(func.sum(RateCounter.count))) == 1
    # Past the limit the count is not taken back by hand: the action's rollback takes it with its work.
    for _ in range(4):
        hit(session, "ballot", {"address": "a"}, {"address": Limit(5, HOUR)}, T0, own_transaction=False)
    with pytest.raises(RateLimited):
        hit(session, "ballot", {"address": "a"}, {"address": Limit(5, HOUR)}, T0, own_transaction=False)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(RateCounter)) == 0
