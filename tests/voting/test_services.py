"""Casting, changing and checking ballots through the services, on both engines."""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from budgetcitoyen.accounts.models import User
from budgetcitoyen.clock import local_zone, now_utc
from budgetcitoyen.editions.models import BallotScope, Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.errors import DomainError, PhaseClosed
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.voting.ballots import cast_online
from budgetcitoyen.voting.identity import Identity, save_profile
from budgetcitoyen.voting.models import Ballot, BallotChoice
from budgetcitoyen.voting.paper import record_paper
from budgetcitoyen.voting.receipts import check_receipt, long_code, receipt_code
from budgetcitoyen.voting.rules import last_vote_day
from tests.voting.conftest import CALAIS, LENS, SECRET

# Default calendar of 2026: the vote runs 1–30 September, Paris time (UTC+2 in summer).
OPENS = datetime(2026, 8, 31, 22, 0, tzinfo=UTC)
CLOSES = datetime(2026, 9, 30, 22, 0, tzinfo=UTC)
INSTANT = timedelta(microseconds=1)


def ids(initiatives: list[Initiative], *positions: int) -> list[str]:
    return [str(initiatives[p].id) for p in positions]


def cast(app: Flask, edition: Edition, user: User, choices: list[str], now: datetime | None = None) -> Ballot:
    with app.extensions["db_sessionmaker"]() as session:
        ballot = cast_online(
            session,
            session.get(Edition, edition.id),
            session.get(User, user.id),
            choices,
            SECRET,
            now or now_utc(),
        )
        session.commit()
        session.refresh(ballot)
        session.expunge(ballot)
        return ballot


def choices_of(db_session, edition: Edition) -> list[list[int]]:
    ballots = db_session.scalars(
        select(Ballot).where(Ballot.edition_id == edition.id).order_by(Ballot.id)
    ).all()
    return [sorted(c.initiative_id for c in b.choices) for b in ballots]


def test_cast_then_change_keeps_one_ballot_with_the_last_choices(
    app, vote_edition, on_ballot, make_voter, db_session
) -> None:
    voter = make_voter()
    first = cast(app, vote_edition, voter, ids(on_ballot, 0, 1, 2))
    second = cast(app, vote_edition, voter, ids(on_ballot, 2, 3, 4))
    assert first.id == second.id and second.version == 2
    assert choices_of(db_session, vote_edition) == [sorted(int(i) for i in ids(on_ballot, 2, 3, 4))]
    assert db_session.scalar(select(func.count()).select_from(BallotChoice)) == 3


def test_the_ballot_row_names_nobody(app, vote_edition, on_ballot, make_voter, db_session) -> None:
    voter = make_voter(email="camille.martin@example.org", first="Camille", last="Martin")
    cast(app, vote_edition, voter, ids(on_ballot, 0, 1, 2))
    row = db_session.execute(select(Ballot.__table__)).one()._asdict()
    flat = " ".join(str(v) for v in row.values()).lower()
    assert "camille" not in flat and "martin" not in flat and "example.org" not in flat
    assert str(voter.id) not in (row["voter_key"], row["public_id"], row["receipt_id"])
    assert set(BallotChoice.__table__.columns.keys()) == {"ballot_id", "initiative_id"}
    # Only the day is kept: an exact time could be matched with the account's last log-in.
    from budgetcitoyen.clock import to_local

    assert to_local(db_session.scalar(select(Ballot.cast_at))).time() == datetime.min.time()


@pytest.mark.parametrize(
    ("now", "accepted"),
    [
        (OPENS - INSTANT, False),
        (OPENS, True),
        (CLOSES - INSTANT, True),
        (CLOSES, False),
    ],
)
def test_ballots_are_accepted_only_inside_the_window(
    app, make_edition, make_ballot_initiative, make_voter, db_session, now, accepted
) -> None:
    edition = make_edition(year=2026, catalogue_published=True)  # default calendar: 1–30 September
    initiatives = [make_ballot_initiative(edition, f"Initiative {n}") for n in range(3)]
    voter = make_voter(born=date(1990, 1, 1))
    if accepted:
        cast(app, edition, voter, ids(initiatives, 0, 1, 2), now)
        assert db_session.scalar(select(func.count()).select_from(Ballot)) == 1
    else:
        with pytest.raises(PhaseClosed):
            cast(app, edition, voter, ids(initiatives, 0, 1, 2), now)
        assert db_session.scalar(select(func.count()).select_from(Ballot)) == 0


def test_a_closed_vote_keeps_the_counted_ballot(
    app, make_edition, make_ballot_initiative, make_voter, db_session
) -> None:
    edition = make_edition(year=2026, catalogue_published=True)
    initiatives = [make_ballot_initiative(edition, f"Initiative {n}") for n in range(4)]
    voter = make_voter()
    cast(app, edition, voter, ids(initiatives, 0, 1, 2), OPENS + timedelta(days=3))
    with pytest.raises(PhaseClosed, match="close"):
        cast(app, edition, voter, ids(initiatives, 1, 2, 3), CLOSES)
    assert choices_of(db_session, edition) == [sorted(int(i) for i in ids(initiatives, 0, 1, 2))]


def test_refusals_lose_nothing_already_counted(
    app, vote_edition, on_ballot, make_voter, make_ballot_initiative, make_edition, db_session
) -> None:
    voter = make_voter()
    cast(app, vote_edition, voter, ids(on_ballot, 0, 1, 2))
    not_labelled = make_ballot_initiative(vote_edition, "Refusé", status=Status.NOT_LABELLED)
    other_edition = make_edition(year=2025, catalogue_published=True)
    elsewhere = make_ballot_initiative(other_edition, "Autre édition")
    for bad in (
        ids(on_ballot, 0, 1),
        ids(on_ballot, 0, 1, 2, 3),
        ids(on_ballot, 0, 0, 1),
        [*ids(on_ballot, 0, 1), str(not_labelled.id)],
        [*ids(on_ballot, 0, 1), str(elsewhere.id)],
        [*ids(on_ballot, 0, 1), "abc"],
    ):
        with pytest.raises(DomainError):
            cast(app, vote_edition, voter, bad)
    assert choices_of(db_session, vote_edition) == [sorted(int(i) for i in ids(on_ballot, 0, 1, 2))]
    assert db_session.scalar(select(Ballot.version)) == 1


def test_under_age_unconfirmed_and_undeclared_voters_are_refused(
    app, vote_edition, on_ballot, make_voter, make_user, db_session
) -> None:
    last_day = last_vote_day(vote_edition.window(Phase.VOTE).ends_at, local_zone())
    just_eleven = last_day.replace(year=last_day.year - 11)
    too_young = just_eleven + timedelta(days=1)
    cast(app, vote_edition, make_voter(born=just_eleven), ids(on_ballot, 0, 1, 2))
    with pytest.raises(DomainError, match="au moins 11 ans"):
        cast(app, vote_edition, make_voter(born=too_young), ids(on_ballot, 0, 1, 2))
    with pytest.raises(DomainError, match="Confirmez"):
        cast(app, vote_edition, make_voter(confirmed=False), ids(on_ballot, 0, 1, 2))
    with pytest.raises(DomainError, match="identité"):
        cast(app, vote_edition, make_user(), ids(on_ballot, 0, 1, 2))
    assert db_session.scalar(select(func.count()).select_from(Ballot)) == 1


def test_out_of_department_commune_is_refused(app, make_user) -> None:
    user = make_user()
    with (
        app.extensions["db_sessionmaker"]() as session,
        pytest.raises(DomainError, match="habitants du Pas-de-Calais"),
    ):
        save_profile(
            session,
            session.get(User, user.id),
            Identity("Léa", "Roux", date(1990, 1, 1), "59350"),
            SECRET,
            None,
            now_utc(),
        )


def test_identity_is_frozen_once_voted(app, vote_edition, on_ballot, make_voter) -> None:
    voter = make_voter()
    cast(app, vote_edition, voter, ids(on_ballot, 0, 1, 2))
    with app.extensions["db_sessionmaker"]() as session, pytest.raises(DomainError, match="déjà voté"):
        save_profile(
            session,
            session.get(User, voter.id),
            Identity("Autre", "Nom", date(1980, 1, 1), CALAIS),
            SECRET,
            session.get(Edition, vote_edition.id),
            now_utc(),
        )


def test_territory_scope_offers_only_the_voters_territory(
    app, make_edition, make_ballot_initiative, make_voter
) -> None:
    edition = make_edition(
        year=2026,
        open_phase=Phase.VOTE,
        catalogue_published=True,
        ballot_scope=BallotScope.TERRITORY,
        min_choices=1,
        max_choices=2,
    )
    arras = make_ballot_initiative(edition, "À Arras")
    lens = make_ballot_initiative(edition, "À Lens", territory="lens-henin")
    voter = make_voter(commune=LENS)
    with pytest.raises(DomainError, match="pas soumise au vote"):
        cast(app, edition, voter, [str(arras.id)])
    assert cast(app, edition, voter, [str(lens.id)]).version == 1


def test_receipts(app, vote_edition, on_ballot, make_voter) -> None:
    voter = make_voter()
    first = cast(app, vote_edition, voter, ids(on_ballot, 0, 1, 2))
    first_code = receipt_code(SECRET, first)
    with app.extensions["db_sessionmaker"]() as session:
        assert check_receipt(session, SECRET, first_code).state == "counted"
    second = cast(app, vote_edition, voter, ids(on_ballot, 1, 2, 3))
    second_code = receipt_code(SECRET, second)
    with app.extensions["db_sessionmaker"]() as session:
        assert check_receipt(session, SECRET, first_code).state == "superseded"
        check = check_receipt(session, SECRET, second_code)
        assert check.state == "counted" and check.cast_at == second.cast_at
        for forged in (
            second_code[:-2] + ("22" if not second_code.endswith("22") else "33"),
            second_code[:-1],
            "n'importe quoi",
            "",
            receipt_code("other secret", second),
            long_code(SECRET, second)[:-2] + "xx",
            long_code(SECRET, second).replace("-2.", "-3."),
        ):
            with pytest.raises(DomainError, match="pas valide"):
                check_receipt(session, SECRET, forged)
        # Neither the export's id nor the receipt id is written in the code.
        assert first.public_id not in second_code and first.receipt_id not in second_code


def test_short_receipts_are_read_aloud_and_checked(app, vote_edition, on_ballot, make_voter) -> None:
    voter = make_voter()
    first = cast(app, vote_edition, voter, ids(on_ballot, 0, 1, 2))
    first_code = receipt_code(SECRET, first)
    # Four groups of four, from an alphabet without 0/O, 1/l/I (nor L).
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){3}", first_code), first_code
    old_long = long_code(SECRET, first)
    second = cast(app, vote_edition, voter, ids(on_ballot, 1, 2, 3))
    second_code = receipt_code(SECRET, second)
    assert second_code[:9] == first_code[:9] and second_code != first_code  # same ballot, new version
    with app.extensions["db_sessionmaker"]() as session:
        # Typed as people do: lower case, spaces instead of dashes, no separator at all.
        for typed in (second_code.lower(), second_code.replace("-", " "), second_code.replace("-", "")):
            assert check_receipt(session, SECRET, typed).state == "counted"
        assert check_receipt(session, SECRET, first_code).state == "superseded"
        # A code of the first, long format stays verifiable.
        assert check_receipt(session, SECRET, old_long).state == "superseded"
        # Any one symbol changed, in the lookup part or in the signature: refused, in French.
        for position in (0, 7, 10, 18):
            symbol = second_code[position]
            tampered = second_code[:position] + ("2" if symbol != "2" else "3") + second_code[position + 1:]
            with pytest.raises(DomainError, match="Ce code de reçu n'est pas valide"):
                check_receipt(session, SECRET, tampered)
        # Look-alikes are not in the alphabet: a code holding one is refused, not guessed.
        with pytest.raises(DomainError, match="pas valide"):
            check_receipt(session, SECRET, "O" + second_code[1:])


def test_twenty_concurrent_first_ballots_of_one_voter_leave_one(
    app, vote_edition, on_ballot, make_voter, db_session
) -> None:
    voter = make_voter()
    barrier = threading.Barrier(20)
    errors: list[BaseException] = []
    sent: dict[int, set[int]] = {}  # each version's choices, as its own transaction wrote them

    def submit(n: int) -> None:
        choice = ids(on_ballot, n % 5, (n + 1) % 5, (n + 2) % 5)
        try:
            barrier.wait()
            with app.extensions["db_sessionmaker"]() as session:
                ballot = cast_online(session, session.get(Edition, vote_edition.id),
                                     session.get(User, voter.id), choice, SECRET, now_utc())
                version = ballot.version
                session.commit()
            sent[version] = {int(i) for i in choice}
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    ballots = db_session.scalars(select(Ballot)).all()
    assert len(ballots) == 1
    assert ballots[0].version == 20
    assert sorted(sent) == list(range(1, 21))  # each transaction saw the one before it, whole
    # The last version's choices, not a mix: a version that waited on the ballot's row lock removed the
    # choices written by the one it waited for.
    assert {c.initiative_id for c in ballots[0].choices} == sent[20]
    assert db_session.scalar(select(func.count()).select_from(BallotChoice)) == 3


@pytest.mark.parametrize("policy", ["online_wins", "paper_wins"])
def test_an_online_declaration_never_voids_a_paper_ballot(
    app, make_edition, make_ballot_initiative, make_voter, make_user, db_session, policy
) -> None:
    edition = make_edition(
        open_phase=Phase.VOTE, catalogue_published=True, paper_clash_policy=policy
    )
    initiatives = [make_ballot_initiative(edition, f"Initiative {n}") for n in range(3)]
    agent = make_user(email="agent@example.org")
    with app.extensions["db_sessionmaker"]() as session:
        record_paper(
            session,
            session.get(Edition, edition.id),
            session.get(User, agent.id),
            Identity("Lucie", "Durand", date(1975, 2, 14), "62041"),
            "Mairie d'Arras",
            ids(initiatives, 0, 1, 2),
            SECRET,
            now_utc(),
        )
        session.commit()
    # Someone who knows her name, birth date and commune declares them online.
    stranger = make_voter(first="lucie", last="DURAND", born=date(1975, 2, 14))
    with pytest.raises(DomainError, match="vérification est nécessaire") as refused:
        cast(app, edition, stranger, ids(initiatives, 0, 1, 2))
    assert "papier" not in str(refused.value)
    ballots = db_session.scalars(select(Ballot)).all()
    assert len(ballots) == 1 and ballots[0].channel == "paper" and ballots[0].voided_at is None
