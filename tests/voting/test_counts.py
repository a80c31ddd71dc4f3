"""The participation counts kept with the ballots are exact: after random ballots, changes of vote, voids,
paper ballots and clashes they equal a full recount, and the participation figures read from them equal the
figures counted from the ballots (both engines)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from budgetcitoyen.accounts.models import User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.errors import DomainError
from budgetcitoyen.reference.models import Territory
from budgetcitoyen.voting import counts, figures
from budgetcitoyen.voting.ballots import cast_online, void_online_ballot_of
from budgetcitoyen.voting.identity import Identity
from budgetcitoyen.voting.models import Ballot
from budgetcitoyen.voting.paper import record_paper
from tests.voting.conftest import ARRAS, CALAIS, LENS, SECRET

COMMUNES = (ARRAS, LENS, CALAIS)


def scanned(session, edition_id: int) -> figures.Participation:
    """The participation counted from the ballots themselves, as it was before the counts existed."""
    counted = (Ballot.edition_id == edition_id) & Ballot.voided_at.is_(None)
    by_channel = dict(session.execute(select(Ballot.channel, func.count()).where(counted)
                                      .group_by(Ballot.channel)).all())
    by_band = dict(session.execute(select(Ballot.age_band, func.count()).where(counted)
                                   .group_by(Ballot.age_band)).all())
    territories = dict(session.execute(select(Ballot.territory_id, func.count()).where(counted)
                                       .group_by(Ballot.territory_id)).all())
    names = select(Territory.id, Territory.name).order_by(Territory.name, Territory.id)
    by_territory = [(name, territories.get(tid, 0)) for tid, name in session.execute(names)]
    voided = session.scalar(select(func.count()).where(Ballot.edition_id == edition_id,
                                                       Ballot.voided_at.is_not(None)))
    return figures.Participation(sum(by_channel.values()), by_territory, by_channel, by_band, voided)


@pytest.mark.parametrize("policy", ["online_wins", "paper_wins"])
def test_counts_equal_a_full_recount_after_random_activity(
    app, db_session, make_edition, make_ballot_initiative, make_voter, make_user, policy
) -> None:
    edition = make_edition(open_phase=Phase.VOTE, catalogue_published=True, paper_clash_policy=policy)
    initiatives = [make_ballot_initiative(edition, f"Initiative {n}", territory=t)
                   for n, t in enumerate(("arrageois", "lens-henin", "calaisis", "arrageois", "calaisis"))]
    rng = random.Random(14)
    people = [(f"Prénom{n}", f"Nom{n}", date(1940 + 3 * n % 70, 1 + n % 12, 1 + n % 27), COMMUNES[n % 3])
              for n in range(36)]
    voters = {n: make_voter(first=p[0], last=p[1], born=p[2], commune=p[3]) for n, p in enumerate(people)
              if n % 4 != 3}  # a quarter vote only on paper
    admin = make_user(email="admin@example.org")
    agent = make_user(email="agent@example.org")
    on_paper: set[int] = set()
    moment = now_utc()
    done = {"cast": 0, "void": 0, "paper": 0, "refused": 0}
    for _ in range(160):
        moment += timedelta(seconds=rng.randint(1, 40))
        action = rng.choices(("cast", "void", "paper"), weights=(6, 1, 2))[0]
        with app.extensions["db_sessionmaker"]() as session:
            current = session.get(Edition, edition.id)
            try:
                if action == "cast":
                    n = rng.choice(list(voters))
                    chosen = [str(i.id) for i in rng.sample(initiatives, 3)]
                    cast_online(session, current, session.get(User, voters[n].id), chosen, SECRET, moment)
                elif action == "void":
                    n = rng.choice(list(voters))
                    void_online_ballot_of(session, current, session.get(User, voters[n].id),
                                          session.get(User, admin.id), "Doublon constaté", SECRET, moment)
                else:
                    n = rng.choice([m for m in range(len(people)) if m not in on_paper])
                    first, last, born, commune = people[n]
                    record_paper(session, current, session.get(User, agent.id),
                                 Identity(first, last, born, commune), "Mairie", [str(i.id) for i in
                                                                                  rng.sample(initiatives, 3)],
                                 SECRET, moment)
                    on_paper.add(n)
                session.commit()
                done[action] += 1
            except DomainError:  # a voided ballot changed again, nothing to void, a paper clash refused
                session.rollback()
                done["refused"] += 1
    assert done["cast"] >= 40 and done["void"] >= 3 and done["paper"] >= 10 and done["refused"] > 0, done
    assert counts.stored(db_session, edition.id) == counts.recount(db_session, edition.id)
    assert figures.participation(db_session, db_session.get(Edition, edition.id)) == \
        scanned(db_session, edition.id)
    # Once the vote is closed the figures are the same, still exact; a rebuild changes nothing.
    with app.extensions["db_sessionmaker"]() as session:
        before = counts.stored(session, edition.id)
        counts.rebuild(session, edition.id)
        session.commit()
        assert counts.stored(session, edition.id) == before


def test_participation_reads_a_few_rows_whatever_the_number_of_ballots(
    app, db_session, vote_edition, on_ballot, make_voter
) -> None:
    """The page's query reads the counts: its cost does not grow with the ballots."""
    from sqlalchemy import event

    for n in range(6):
        voter = make_voter(first=f"P{n}", last=f"N{n}")
        with app.extensions["db_sessionmaker"]() as session:
            cast_online(session, session.get(Edition, vote_edition.id), session.get(User, voter.id),
                        [str(i.id) for i in on_ballot[:3]], SECRET, now_utc())
            session.commit()
    seen: list[str] = []
    engine = db_session.get_bind()
    edition = db_session.get(Edition, vote_edition.id)

    def record(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        shown = figures.participation(db_session, edition)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert shown.total == 6
    reads = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 1 and not any("FROM ballots" in s for s in reads), reads


def test_the_tally_of_a_closed_vote_is_remembered_only_while_its_counts_stand_still(
    app, db_session, make_edition, make_ballot_initiative, make_voter, make_user, freeze_time
) -> None:
    """After the close a tally changes only with a void (paper ballots are refused then), which moves the
    counts: the remembered tally is always the one a scan gives, and an unchanged one is read without
    scanning."""
    from sqlalchemy import event

    edition = make_edition(open_phase=Phase.VOTE, catalogue_published=True)
    initiatives = [make_ballot_initiative(edition, f"Initiative {n}") for n in range(4)]
    voters = [make_voter(first=f"Prénom{n}", last=f"Nom{n}", born=date(1970, 1, 1 + n)) for n in range(6)]
    admin, agent = make_user(email="admin@example.org"), make_user(email="agent@example.org")
    for n, voter in enumerate(voters):
        with app.extensions["db_sessionmaker"]() as session:
            cast_online(session, session.get(Edition, edition.id), session.get(User, voter.id),
                        [str(initiatives[(n + k) % 4].id) for k in range(3)], SECRET, now_utc())
            session.commit()
    window = db_session.get(Edition, edition.id).window(Phase.VOTE)
    freeze_time(window.ends_at + timedelta(hours=2))  # the vote is over
    steps = [("paper", 0), ("void", 1), ("paper", 1), ("void", 2), ("paper", 2)]
    done = []
    for action, n in steps:
        with app.extensions["db_sessionmaker"]() as session:
            current = session.get(Edition, edition.id)
            remembered = figures.closed_tally(session, current)
            assert remembered == figures.tally(session, current)
            try:
                if action == "paper":
                    record_paper(session, current, session.get(User, agent.id),
                                 Identity(f"Papier{n}", "Votant", date(1980, 2, 1 + n), ARRAS), "Mairie",
                                 [str(initiatives[n].id)], SECRET, now_utc())
                else:
                    void_online_ballot_of(session, current, session.get(User, voters[n].id),
                                          session.get(User, admin.id), "Doublon constaté", SECRET, now_utc())
                session.commit()
                done.append(action)
            except DomainError:
                session.rollback()
            assert figures.closed_tally(session, session.get(Edition, edition.id)) == \
                figures.tally(session, session.get(Edition, edition.id))
    assert done.count("void") == 2, done  # paper ballots are refused once the vote is over
    seen: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    engine = db_session.get_bind()
    current = db_session.get(Edition, edition.id)
    figures.closed_tally(db_session, current)
    event.listen(engine, "before_cursor_execute", record)
    try:
        figures.closed_tally(db_session, current)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(seen) == 1 and "ballot_choices" not in seen[0]
