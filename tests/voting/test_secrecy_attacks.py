"""The three linkage attacks of issue #11, run by a reader of the database who lacks the app secret, on both
engines; and a walk of the schema: no ballot column finer than a day, no table tying a voter to a ballot.

Criterion: an attack pairs the voters, in the order it can read from their side (identity declared, log-in,
attendance line typed in), with the ballots, in every order it can read from theirs (row id, day, place on
disk, choice rows on disk, transaction ids). Pairing at random links exactly one voter on average, whatever
their number (the fixed points of a random permutation); an attack counts as no better than chance when it
links at most CHANCE_LIMIT voters of N (a random pairing does so with probability > 0.999). Ballot ids come
from a seeded generator here, so the outcome is the same at every run: the test cannot flake.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import DateTime, inspect, select, text
from sqlalchemy.orm import Session

from budgetcitoyen import db as db_module
from budgetcitoyen.accounts.models import User
from budgetcitoyen.clock import now_utc, to_local
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.mail.worker import deliver_all
from budgetcitoyen.ratelimit.models import RateCounter
from budgetcitoyen.ratelimit.services import Limit, hit, keyed
from budgetcitoyen.voting.ballots import cast_online, void_online_ballot_of
from budgetcitoyen.voting.identity import Identity
from budgetcitoyen.voting.models import Ballot, PaperAttendance, VoterProfile
from budgetcitoyen.voting.paper import record_paper
from budgetcitoyen.voting.storage import rewrite_ballots
from tests.voting.conftest import SECRET

CHANCE_LIMIT = 5  # P(a random pairing links more than 5) = 1 - sum(e^-1 / k!, k <= 5) < 0.0006
BALLOT_LIMITS = {"address": Limit(600, timedelta(minutes=10)), "account": Limit(20, timedelta(minutes=10))}
FIRST = ("Camille", "Dominique", "Claude", "Alix", "Sacha", "Noé", "Léa", "Hugo", "Inès", "Jules")
LAST = ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau")


@pytest.fixture
def seeded_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Random ballot and attendance ids drawn from a fixed seed: the same outcome at every run."""
    monkeypatch.setattr(db_module, "_system_random", random.Random(2026))


def exact_links(pairs: list[tuple[int, int]], truth: dict[int, int]) -> int:
    """How many (person, ballot) pairs are right."""
    return sum(1 for person, ballot in pairs if truth.get(ballot) == person)


def ballot_orders(session: Session, channel: str) -> dict[str, list[int]]:
    """Every order of the ballots a reader of the database can see, without the secret."""
    dialect = session.get_bind().dialect.name
    rows = session.execute(select(Ballot.id, Ballot.cast_at).where(Ballot.channel == channel)).all()
    ids = {ballot_id for ballot_id, _ in rows}
    orders = {
        "row id": sorted(ids),
        "day, then row id": [b for b, _ in sorted(rows, key=lambda r: (r[1], r[0]))],
        # No ORDER BY: the order rows lie in (heap order on PostgreSQL, rowid on SQLite).
        "place on disk": [b for b in session.scalars(text("SELECT id FROM ballots")) if b in ids],
        "choices on disk": list(dict.fromkeys(
            b for b in session.scalars(text("SELECT ballot_id FROM ballot_choices")) if b in ids)),
    }
    if dialect == "postgresql":
        by_xmin = session.execute(text("SELECT id, xmin::text::bigint FROM ballots")).all()
        orders["transaction ids"] = [b for b, _ in sorted(by_xmin, key=lambda r: (r[1], r[0])) if b in ids]
    return orders


def best_attack(people: list[int], orders: dict[str, list[int]], truth: dict[int, int]) -> dict[str, int]:
    return {name: exact_links(list(zip(people, order, strict=False)), truth)
            for name, order in orders.items()}


def make_voters(app: Flask, make_voter: Callable[..., User], count: int) -> list[User]:
    """`count` voters who declare their identity one after the other (voter_profiles.created_at in order)."""
    return [make_voter(first=FIRST[n % 10], last=f"{LAST[n // 10 % 10]}-{n}", born=date(1960 + n % 40, 3, 1))
            for n in range(count)]


def vote_in_order(app: Flask, edition: Edition, initiatives: list[Initiative], voters: list[User],
                  start: datetime, rng: random.Random) -> dict[int, int]:
    """Each voter logs in, is counted by the ballot's rate limit and votes, a few seconds apart, in the
    order given (several in the same rate-limit slice: a busy evening). Returns ballot id -> user id (what
    only the application, with its secret, could tell)."""
    truth = {}
    moment = start
    # A fresh pool, so the ballots go through one connection as in one server thread: the pool is the
    # session's, and the idle connections earlier tests left take turns (FIFO), each backend filling a heap
    # page of its own, which scrambles the disk order the first attack expects to find.
    app.extensions["db_engine"].dispose()
    for n, voter in enumerate(voters):
        moment += timedelta(seconds=rng.choice((1, 2, 3, 5, 8)))
        with app.extensions["db_sessionmaker"]() as session:
            user = session.get(User, voter.id)
            user.last_login_at = moment  # what the log-in records
            session.commit()
            keys = {"address": keyed(SECRET, "address", f"203.0.113.{n % 250}"),
                    "account": keyed(SECRET, "account", str(voter.id))}
            hit(session, "ballot", keys, BALLOT_LIMITS, moment + timedelta(seconds=4))
            session.commit()
            chosen = [str(i.id) for i in rng.sample(initiatives, 3)]
            ballot = cast_online(session, session.get(Edition, edition.id), user, chosen, SECRET,
                                 moment + timedelta(seconds=5))
            session.commit()
            truth[ballot.id] = voter.id
    return truth


def assert_no_better_than_chance(links: dict[str, int], people: int) -> None:
    assert people >= 60
    assert max(links.values()) <= CHANCE_LIMIT, links


def test_ballot_order_against_identity_declaration_order(
    app, db_session, vote_edition, on_ballot, make_voter, seeded_ids
) -> None:
    """Attack 1: voters declare their identity and vote in the same order; ballots.id (or any other order
    of the ballots) against voter_profiles.created_at."""
    voters = make_voters(app, make_voter, 80)
    truth = vote_in_order(app, vote_edition, on_ballot, voters, now_utc(), random.Random(1))
    people = list(db_session.scalars(select(VoterProfile.user_id).order_by(VoterProfile.created_at,
                                                                           VoterProfile.id)))
    assert people == [v.id for v in voters]  # the attacker's side is in the casting order
    orders = ballot_orders(db_session, "online")
    if db_session.get_bind().dialect.name == "postgresql":
        # Documented limit (README): during the vote, PostgreSQL keeps rows in the order they were written,
        # which is what rewrite_ballots undoes once the count is final.
        during = best_attack(people, orders, truth)
        assert during["place on disk"] > len(people) // 2  # most: a row moves only when its page is full
        db_session.rollback()
        with app.extensions["db_sessionmaker"]() as session:
            assert rewrite_ballots(session)
            session.commit()
        orders = ballot_orders(db_session, "online")
        assert len(set(db_session.scalars(text("SELECT xmin::text FROM ballots")))) == 1
    else:
        assert not rewrite_ballots(db_session)  # SQLite: the rowid is the random id already
    assert_no_better_than_chance(best_attack(people, orders, truth), len(people))


def test_paper_ballot_order_against_attendance_order(
    app, db_session, vote_edition, on_ballot, make_user, seeded_ids
) -> None:
    """Attack 2: an agent types in paper ballots with their attendance lines; attendance lines (by id or by
    time typed in) against the paper ballots in every order; and the journal names no ballot."""
    agent = make_user(email="agent@example.org")
    rng = random.Random(2)
    moment = now_utc()
    truth = {}
    for n in range(70):
        moment += timedelta(seconds=rng.choice((20, 30, 45)))
        identity = Identity(FIRST[n % 10], f"{LAST[n // 10 % 10]}-{n}", date(1950 + n % 50, 6, 2), "62041")
        with app.extensions["db_sessionmaker"]() as session:
            result = record_paper(session, session.get(Edition, vote_edition.id), session.get(User, agent.id),
                                  identity, "Mairie d'Arras", [str(i.id) for i in rng.sample(on_ballot, 3)],
                                  SECRET, moment)
            session.commit()
            line = session.scalar(select(PaperAttendance.id).where(
                PaperAttendance.person_key == identity.person_key(SECRET)))
            truth[result.ballot.id] = line
    if db_session.get_bind().dialect.name == "postgresql":
        with app.extensions["db_sessionmaker"]() as session:
            rewrite_ballots(session)
            session.commit()
    lines_by_time = list(db_session.scalars(select(PaperAttendance.id).order_by(PaperAttendance.entered_at)))
    lines_by_id = sorted(lines_by_time)
    orders = ballot_orders(db_session, "paper")
    for people in (lines_by_time, lines_by_id):
        assert_no_better_than_chance(best_attack(people, orders, truth), len(people))
    # Every paper ballot carries the same day: the day typed in would pair it with that day's lines.
    assert len(set(db_session.scalars(select(Ballot.cast_at).where(Ballot.channel == "paper")))) == 1
    journal = " ".join(f"{t}:{o} {s}" for t, o, s in db_session.execute(
        text("SELECT object_type, object_id, summary FROM audit_log")))
    for ballot in db_session.scalars(select(Ballot)):
        for value in (str(ballot.id), ballot.public_id, ballot.receipt_id[:8]):
            assert value not in journal


def test_rate_limit_counts_against_log_in_times_under_load(
    app, db_session, vote_edition, on_ballot, make_voter, seeded_ids
) -> None:
    """Attack 3: 120 voters log in and vote seconds apart; the rate limiter's rows and the ballots against
    users.last_login_at. The limiter keeps counts per slice of 10 s, never per ballot: it has no order of
    ballots to offer, and the ballots have none either."""
    voters = make_voters(app, make_voter, 120)
    rng = random.Random(3)
    order = voters[:]
    rng.shuffle(order)  # they vote in an order of their own, not the order of their accounts
    truth = vote_in_order(app, vote_edition, on_ballot, order, now_utc(), rng)
    if db_session.get_bind().dialect.name == "postgresql":
        with app.extensions["db_sessionmaker"]() as session:
            rewrite_ballots(session)
            session.commit()
    people = list(db_session.scalars(select(User.id).where(User.last_login_at.is_not(None))
                                     .order_by(User.last_login_at, User.id)))
    assert people == [v.id for v in order]
    counters = db_session.execute(select(RateCounter.key, RateCounter.step, RateCounter.start,
                                         RateCounter.count).where(RateCounter.action == "ballot")).all()
    # No row per ballot and no time finer than its slice.
    assert all(start % step == 0 and step >= 10 for _, step, start, _ in counters)
    assert len({start for _, _, start, _ in counters}) < len(order)
    assert_no_better_than_chance(best_attack(people, ballot_orders(db_session, "online"), truth), len(people))


# --- The schema itself -----------------------------------------------------------------------------------

BALLOT_TABLES = ("ballots", "ballot_choices", "vote_counts")
VOTER_TABLES = ("users", "voter_profiles", "paper_attendances")
# The only dates a ballot keeps, both at a local midnight (checked on the data below).
BALLOT_DAYS = {("ballots", "cast_at"), ("ballots", "voided_at")}


def three(initiatives: list[Initiative], n: int) -> list[str]:
    return [str(initiatives[(n + k) % len(initiatives)].id) for k in range(3)]


def test_no_ballot_column_is_finer_than_a_day_and_no_table_ties_a_voter_to_a_ballot(
    app, db_session, vote_edition, on_ballot, make_voter, make_user, smtp
) -> None:
    voters = [make_voter(first="Camille", last=f"Martin{n}") for n in range(4)]
    admin = make_user(email="admin@example.org")
    agent = make_user(email="agent@example.org")
    moment = now_utc() + timedelta(hours=1, minutes=7, seconds=13)
    with app.extensions["db_sessionmaker"]() as session:
        edition = session.get(Edition, vote_edition.id)
        for n, voter in enumerate(voters):
            cast_online(session, edition, session.get(User, voter.id), three(on_ballot, n), SECRET,
                        moment + timedelta(seconds=n))
        cast_online(session, edition, session.get(User, voters[0].id), three(on_ballot, 1), SECRET,
                    moment + timedelta(minutes=3))
        void_online_ballot_of(session, edition, session.get(User, voters[1].id), session.get(User, admin.id),
                              "Doublon constaté", SECRET, moment + timedelta(minutes=4, seconds=9))
        record_paper(session, edition, session.get(User, agent.id),
                     Identity("Lucie", "Durand", date(1975, 2, 14), "62041"), "Mairie d'Arras",
                     three(on_ballot, 2), SECRET, moment + timedelta(minutes=5, seconds=21))
        session.commit()
    deliver_all(app)  # receipts name the receipt id: once delivered, the mail queue forgets them

    inspector = inspect(db_session.get_bind())
    tables = inspector.get_table_names()
    # 1. The only date columns of the ballot tables are the two days.
    for table in BALLOT_TABLES:
        for column in inspector.get_columns(table):
            if isinstance(column["type"], DateTime) or "TIMESTAMP" in str(column["type"]).upper():
                assert (table, column["name"]) in BALLOT_DAYS, (table, column["name"])
    for cast_at, voided_at in db_session.execute(select(Ballot.cast_at, Ballot.voided_at)):
        for value in (cast_at, voided_at):
            assert value is None or to_local(value).time() == datetime.min.time(), value
    # 2. No foreign key ties a ballot table to a person, and only the choices point at a ballot.
    for table in tables:
        for key in inspector.get_foreign_keys(table):
            target = key["referred_table"]
            if table in BALLOT_TABLES:
                assert target not in (*VOTER_TABLES, "user_roles", "audit_log"), (table, key)
            if target == "ballots":
                assert table == "ballot_choices", (table, key)
    # 3. No value of any other table names a ballot (ids, export or receipt ids, or a receipt id's start).
    ballot_values = set()
    for ballot in db_session.scalars(select(Ballot)):
        ballot_values |= {str(ballot.id), ballot.public_id, ballot.receipt_id, ballot.receipt_id[:8]}
    for table in tables:
        if table in BALLOT_TABLES or table == "alembic_version":
            continue
        for row in db_session.execute(text(f'SELECT * FROM "{table}"')):
            for value in row:
                if value is None:
                    continue
                flat = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
                assert not any(v in flat for v in ballot_values), (table, flat[:200])
    # 4. Ballot and attendance ids are not a sequence.
    assert all(b >= db_module.RANDOM_ID_LOW for b in db_session.scalars(select(Ballot.id)))
    assert all(a >= db_module.RANDOM_ID_LOW for a in db_session.scalars(select(PaperAttendance.id)))
    if db_session.get_bind().dialect.name == "sqlite":
        # A hidden rowid would keep the choices in insertion order (the casting order).
        schema = db_session.scalar(text("SELECT sql FROM sqlite_master WHERE name = 'ballot_choices'"))
        assert "WITHOUT ROWID" in schema.upper()
    if db_session.get_bind().dialect.name == "postgresql":
        defaults = db_session.execute(text(
            "SELECT table_name, column_default FROM information_schema.columns WHERE column_name = 'id' "
            "AND table_name IN ('ballots', 'paper_attendances')")).all()
        assert all(default is None for _, default in defaults), defaults


def test_the_rewrite_command_keeps_every_ballot_and_choice(app, db_session, vote_edition, on_ballot,
                                                           make_voter) -> None:
    voters = make_voters(app, make_voter, 5)
    vote_in_order(app, vote_edition, on_ballot, voters, now_utc(), random.Random(4))
    before = sorted(db_session.execute(text("SELECT ballot_id, initiative_id FROM ballot_choices")).all())
    db_session.rollback()
    result = app.test_cli_runner().invoke(args=["rewrite-ballots"])
    assert result.exit_code == 0, result.output
    postgres = db_session.get_bind().dialect.name == "postgresql"
    assert ("réécrits" if postgres else "SQLite") in result.output
    after = sorted(db_session.execute(text("SELECT ballot_id, initiative_id FROM ballot_choices")).all())
    assert after == before and len(after) == 15
