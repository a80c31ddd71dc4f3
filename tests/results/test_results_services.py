"""Computing and publishing an edition's allocation from its counted ballots (services, both engines)."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from budgetcitoyen.accounts.models import User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.conventions.models import Convention
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.errors import Conflict, DomainError, PhaseClosed
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import STATUS_LABELS, Status
from budgetcitoyen.mail import take_pending
from budgetcitoyen.results import figures, services, simulation
from budgetcitoyen.results.models import AllocationResult
from budgetcitoyen.storage import LocalStorage
from budgetcitoyen.voting import ballots as voting
from budgetcitoyen.voting import paper as vote_paper
from budgetcitoyen.voting.eligibility import voter_key
from budgetcitoyen.voting.identity import Identity
from budgetcitoyen.voting.models import Channel
from tests.results.helpers import seed
from tests.voting.conftest import SECRET


def test_compute_ranks_and_funds_by_votes_skipping_what_does_not_fit(
    app, closed_vote, make_initiative, admin_user
) -> None:
    # Votes: A 3, B 2, C 2, D 1. Envelope 10 000: A (6 000) fits, B (5 000) does not, C (4 000) does.
    a, b, c, d = seed(
        app, closed_vote, make_initiative, [[0, 1, 2], [0, 1, 2], [0, 3]], [6000, 5000, 4000, 1000]
    )
    with app.extensions["db_sessionmaker"]() as session:
        result = services.compute(
            session, session.get(Edition, closed_vote.id), session.get(User, admin_user.id), now_utc()
        )
        session.commit()
        funded = {d.initiative_id: d.granted for d in result.decisions if d.funded}
        assert funded == {a.id: Decimal("6000.00"), c.id: Decimal("4000.00")}
        assert result.spent == Decimal("10000.00") and result.remaining == 0 and result.voters == 3
        by_id = {d.initiative_id: d for d in result.decisions}
        assert by_id[b.id].rank == 3 and not by_id[b.id].funded  # tie with C broken by the lower cost
        assert "Non financé" in by_id[b.id].explanation and by_id[d.id].votes == 1


def _compute_and_publish(session, edition_id: int, admin_id: int, folder) -> AllocationResult:
    """Compute then publish the edition in this session's transaction (not committed)."""
    ed, admin = session.get(Edition, edition_id), session.get(User, admin_id)
    result = services.compute(session, ed, admin, now_utc())
    services.publish(session, ed, admin, LocalStorage.for_instance(folder), now_utc())
    return result


def test_amounts_computed_and_published_in_one_transaction_are_written_in_cents(
    app, closed_vote, make_initiative, admin_user, tmp_path
) -> None:
    # Whole-euro amounts: the allocation counts in euros and gives back Decimal("6000"); what the
    # result keeps, and the figures frozen at publication in the same transaction (as the demo does),
    # read "6000.00" like the amounts read back from the database, in the open data too.
    seed(app, closed_vote, make_initiative, [[0, 1, 2], [0, 1, 2], [0, 3]], [6000, 5000, 4000, 1000])
    with app.extensions["db_sessionmaker"]() as session:
        result = _compute_and_publish(session, closed_vote.id, admin_user.id, tmp_path)
        amounts = [result.envelope, result.spent, result.remaining]
        amounts += [d.asked for d in result.decisions] + [d.granted for d in result.decisions]
        assert all(amount.as_tuple().exponent == -2 for amount in amounts), amounts
        frozen = figures.frozen_figures(session, result)
        assert frozen is not None
        rows = frozen.to_json()["rows"]
        assert len(rows) == 4
        assert {row["granted"] for row in rows} == {"6000.00", "4000.00", "0.00"}
        session.commit()


def test_a_published_edition_is_still_simulated_on_the_initiatives_that_were_on_its_ballot(
    app, closed_vote, make_initiative, admin_user, tmp_path
) -> None:
    # Publication moves the initiatives to lauréate / non retenue: the rule simulator (and any later
    # reading of the edition's ballots) still finds the four that were on the ballot, and its greedy
    # rule funds what was published.
    a, b, c, d = seed(
        app, closed_vote, make_initiative, [[0, 1, 2], [0, 1, 2], [0, 3]], [6000, 5000, 4000, 1000]
    )
    with app.extensions["db_sessionmaker"]() as session:
        _compute_and_publish(session, closed_vote.id, admin_user.id, tmp_path)
        session.commit()
    with app.extensions["db_sessionmaker"]() as session:
        ed = session.get(Edition, closed_vote.id)
        simulated = simulation.simulate_edition(session, ed, now_utc())
        assert sorted(int(p.id) for p in simulated.projects) == sorted([a.id, b.id, c.id, d.id])
        greedy = next(c for c in simulated.comparisons if c.rule == "greedy")
        assert set(greedy.outcome.selected) == {str(a.id), str(c.id)}
        assert simulated.voters == 3


def test_compute_is_refused_while_the_vote_is_open(
    app, make_edition, make_initiative, admin_user
) -> None:
    edition = make_edition(open_phase=Phase.VOTE, catalogue_published=True)
    make_initiative(edition, Status.LABELLED, "Seule", territory="arrageois", amount_asked=4500)
    with app.extensions["db_sessionmaker"]() as session, pytest.raises(PhaseClosed, match="encore ouvert"):
        services.compute(
            session, session.get(Edition, edition.id), session.get(User, admin_user.id), now_utc()
        )


def test_close_vote_now_needs_a_reason_and_then_allows_the_computation(
    app, make_edition, make_initiative, admin_user, db_session
) -> None:
    edition = make_edition(open_phase=Phase.VOTE, catalogue_published=True)
    seule = make_initiative(edition, Status.LABELLED, "Seule", territory="arrageois", amount_asked=4500)
    with app.extensions["db_sessionmaker"]() as session:
        ed, admin = session.get(Edition, edition.id), session.get(User, admin_user.id)
        voting.store_ballot(
            session,
            ed,
            voter_key(SECRET, user_id=1),
            Channel.ONLINE,
            seule.territory_id,
            "30-44",
            [seule.id],
            now_utc(),
        )
        with pytest.raises(DomainError, match="pourquoi"):
            services.close_vote_now(session, ed, admin, "  ", now_utc())
        services.close_vote_now(session, ed, admin, "Démonstration", now_utc())
        session.commit()
    with app.extensions["db_sessionmaker"]() as session:
        # Saving the calendar afterwards (another phase changed) keeps the vote closed, and the vote
        # itself cannot be reopened through the calendar.
        from budgetcitoyen.editions import services as edition_services

        ed, admin = session.get(Edition, edition.id), session.get(User, admin_user.id)
        dates = edition_services.dates_of(ed)
        first, last = dates[Phase.FOLLOW_UP]
        edition_services.update_calendar(
            session, admin, ed, {**dates, Phase.FOLLOW_UP: (first, last + timedelta(days=1))}, now_utc()
        )
        assert services.vote_is_over(ed, now_utc())
        vote_first, vote_last = dates[Phase.VOTE]
        with pytest.raises(DomainError, match="ne peut pas être rouvert"):
            edition_services.update_calendar(
                session,
                admin,
                ed,
                {**dates, Phase.VOTE: (vote_first, vote_last + timedelta(days=1))},
                now_utc(),
            )
        session.commit()
    with app.extensions["db_sessionmaker"]() as session:
        ed = session.get(Edition, edition.id)
        assert services.vote_is_over(ed, now_utc())
        with pytest.raises(Conflict, match="déjà clos"):
            services.close_vote_now(session, ed, session.get(User, admin_user.id), "encore", now_utc())
        services.compute(session, ed, session.get(User, admin_user.id), now_utc())
        session.commit()


def test_publish_writes_files_statuses_and_conventions_once(
    app, closed_vote, make_initiative, admin_user, db_session, tmp_path
) -> None:
    a, b, c, d = seed(
        app, closed_vote, make_initiative, [[0, 1, 2], [0, 1, 2], [0, 3]], [6000, 5000, 4000, 1000]
    )
    with app.extensions["db_sessionmaker"]() as session:
        ed, admin = session.get(Edition, closed_vote.id), session.get(User, admin_user.id)
        with pytest.raises(Conflict, match="Calculez"):
            services.publish(session, ed, admin, LocalStorage.for_instance(tmp_path), now_utc())
        services.compute(session, ed, admin, now_utc())
        result = services.publish(session, ed, admin, LocalStorage.for_instance(tmp_path), now_utc())
        session.commit()
        folder = services.results_folder(str(tmp_path), ed.year)
        pb = (folder / services.PB_NAME.format(year=ed.year)).read_bytes()
        table = (folder / services.CSV_NAME.format(year=ed.year)).read_bytes()
        assert hashlib.sha256(pb).hexdigest() == result.ballots_pb_sha256
        assert hashlib.sha256(table).hexdigest() == result.ballots_csv_sha256
    statuses = dict(db_session.execute(select(Initiative.id, Initiative.status)).all())
    assert statuses[a.id] == statuses[c.id] == Status.WINNER.value
    assert statuses[b.id] == statuses[d.id] == Status.NOT_SELECTED.value
    assert db_session.scalar(select(func.count()).select_from(Convention)) == 2
    rows = list(csv.reader(io.StringIO(table.decode()), delimiter=";"))
    assert rows[0] == ["bulletin", "canal", "initiatives"] and len(rows) == 4
    assert all(len(r[0]) == 32 for r in rows[1:])
    with app.extensions["db_sessionmaker"]() as session:
        ed, admin = session.get(Edition, closed_vote.id), session.get(User, admin_user.id)
        with pytest.raises(Conflict, match="déjà publiés"):
            services.publish(session, ed, admin, LocalStorage.for_instance(tmp_path), now_utc())
        with pytest.raises(Conflict, match="déjà publiés"):
            services.compute(session, ed, admin, now_utc())
        # The published files are the count: no ballot can be voided or typed in afterwards.
        from budgetcitoyen.voting.models import Ballot

        with pytest.raises(Conflict, match="résultats de cette édition sont publiés"):
            voting.void(session, session.scalars(select(Ballot)).first(), admin, "Trop tard", now_utc())
        agent = session.get(User, admin_user.id)
        with pytest.raises(PhaseClosed, match="publiés"):
            vote_paper.record_paper(
                session,
                ed,
                agent,
                Identity("Léa", "Roux", date(1990, 1, 1), "62041"),
                "Mairie",
                [str(a.id), str(b.id), str(c.id)],
                SECRET,
                now_utc(),
            )


def test_publish_queues_each_holders_mail_and_a_rollback_forgets_them(
    app, closed_vote, make_initiative, admin_user, tmp_path
) -> None:
    a, b, c, d = seed(
        app, closed_vote, make_initiative, [[0, 1, 2], [0, 1, 2], [0, 3]], [6000, 5000, 4000, 1000]
    )
    with app.extensions["db_sessionmaker"]() as session:
        ed, admin = session.get(Edition, closed_vote.id), session.get(User, admin_user.id)
        services.compute(session, ed, admin, now_utc())
        session.commit()
        services.publish(session, ed, admin, LocalStorage.for_instance(tmp_path), now_utc())
        session.rollback()
        assert take_pending(session) == []  # nothing announces a publication that did not happen
        services.publish(session, ed, admin, LocalStorage.for_instance(tmp_path), now_utc())
        mails = take_pending(session)
        holders = [session.get(Initiative, i.id).holder.email for i in (a, b, c, d)]
        subjects = {m.context["initiative"].id: m.subject for m in mails}
    assert sorted(m.to for m in mails) == sorted(holders)
    assert {m.template for m in mails} == {"status_change"}
    assert subjects[a.id].endswith(STATUS_LABELS[Status.WINNER])
    assert subjects[b.id].endswith(STATUS_LABELS[Status.NOT_SELECTED])


def test_publish_refuses_an_outdated_computation(
    app, closed_vote, make_initiative, admin_user, tmp_path
) -> None:
    seed(app, closed_vote, make_initiative, [[0, 1, 2], [0, 1, 2], [0, 3]], [6000, 5000, 4000, 1000])
    with app.extensions["db_sessionmaker"]() as session:
        ed, admin = session.get(Edition, closed_vote.id), session.get(User, admin_user.id)
        services.compute(session, ed, admin, now_utc())
        session.commit()
    with app.extensions["db_sessionmaker"]() as session:
        ed = session.get(Edition, closed_vote.id)
        ed.envelope = Decimal("5000")
        with pytest.raises(Conflict, match="recalculez"):
            services.publish(session, ed, session.get(User, admin_user.id),
                             LocalStorage.for_instance(tmp_path), now_utc())


def test_publish_refuses_a_computation_older_than_a_ballot_that_changes_no_winner(
    app, closed_vote, make_initiative, admin_user, tmp_path
) -> None:
    initiatives = seed(
        app, closed_vote, make_initiative, [[0, 1, 2], [0, 1, 2], [0, 3]], [6000, 5000, 4000, 1000]
    )
    with app.extensions["db_sessionmaker"]() as session:
        services.compute(
            session, session.get(Edition, closed_vote.id), session.get(User, admin_user.id), now_utc()
        )
        session.commit()
    with app.extensions["db_sessionmaker"]() as session:
        # A paper ballot typed in after the computation: same winners, different votes and files.
        edition = session.get(Edition, closed_vote.id)
        voting.store_ballot(
            session,
            edition,
            voter_key(SECRET, person="late-paper"),
            Channel.PAPER,
            initiatives[0].territory_id,
            "30-44",
            [initiatives[0].id, initiatives[1].id, initiatives[2].id],
            now_utc(),
        )
        with pytest.raises(Conflict, match="recalculez"):
            services.publish(session, edition, session.get(User, admin_user.id),
                             LocalStorage.for_instance(tmp_path), now_utc())


def test_voided_ballots_do_not_count(app, closed_vote, make_initiative, admin_user) -> None:
    initiatives = seed(
        app, closed_vote, make_initiative, [[0, 1, 2], [0, 1, 2], [0, 1, 2]], [6000, 5000, 4000]
    )
    with app.extensions["db_sessionmaker"]() as session:
        from budgetcitoyen.voting.models import Ballot

        ballot = session.scalars(select(Ballot)).first()
        voting.void(session, ballot, session.get(User, admin_user.id), "Doublon", now_utc())
        result = services.compute(
            session, session.get(Edition, closed_vote.id), session.get(User, admin_user.id), now_utc()
        )
        assert result.voters == 2
        assert {d.votes for d in result.decisions} == {2}
        assert len(initiatives) == 3
        assert session.scalar(select(func.count()).select_from(AllocationResult)) == 1


def test_the_ballots_csv_quotes_ids_only_when_they_need_it() -> None:
    """The fast writer gives the csv module's bytes; ids holding a separator or a quote are quoted."""
    from budgetcitoyen import allocation
    from budgetcitoyen.results.services import EditionInstance, ballots_csv

    projects = [allocation.Project(id=str(n), cost=Decimal(100)) for n in (7, 8, 9)]
    ballots = allocation.Ballots.from_lists([[0, 2], [], [1]], 3)
    for ids in (["a1", "b2", "c3"], ['x;1', 'y"2', "z3"]):
        instance = EditionInstance(projects=projects, ballots=ballots, ballot_ids=ids,
                                   ballot_channels=["online", "paper", "online"], initiatives={},
                                   ceilings={}, sub_envelopes={})
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\n")
        writer.writerow(["bulletin", "canal", "initiatives"])
        writer.writerows([[ids[0], "en ligne", "7,9"], [ids[1], "papier", ""], [ids[2], "en ligne", "8"]])
        assert ballots_csv(None, instance) == out.getvalue().encode()  # type: ignore[arg-type]


def test_computing_reads_the_same_ballots_as_the_published_files(app, closed_vote, make_initiative) -> None:
    """The quick read used to compute (no ids) and the full one used for the files give the same ballots:
    voided ballots left out, a withdrawn initiative's choices dropped, ballots left empty still voters."""
    from sqlalchemy import update

    from budgetcitoyen.voting.models import Ballot

    initiatives = seed(app, closed_vote, make_initiative,
                       [[0, 1, 2], [2, 1], [3], [0, 3], [1], [0, 1, 2], []], [6000, 5000, 4000, 1000])
    with app.extensions["db_sessionmaker"]() as session:
        some = session.scalars(select(Ballot.id).where(Ballot.edition_id == closed_vote.id)).all()[:2]
        session.execute(update(Ballot).where(Ballot.id.in_(some))
                        .values(voided_at=now_utc(), void_reason="Doublon"))
        session.get(Initiative, initiatives[3].id).status = Status.ABANDONED.value
        session.commit()
    with app.extensions["db_sessionmaker"]() as session:
        edition = session.get(Edition, closed_vote.id)
        quick = services.load_instance(session, edition, for_files=False)
        full = services.load_instance(session, edition)

    def rows(instance: services.EditionInstance) -> list[tuple[int, ...]]:
        ballots = instance.ballots
        return sorted(tuple(sorted(ballots.ballot(n).tolist())) for n in range(ballots.num_voters))

    assert rows(quick) == rows(full) and quick.ballots.num_voters == 5
    assert [p.votes for p in quick.projects] == [p.votes for p in full.projects]
    assert [p.id for p in quick.projects] == [str(i.id) for i in initiatives[:3]]
