"""Published results are frozen: publication counts every figure once and draws the charts; the public
pages read them (no ballot query), with an ETag and a public Cache-Control (both engines)."""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select
from sqlalchemy.orm import selectinload

from budgetcitoyen import allocation
from budgetcitoyen.accounts.models import User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.errors import Conflict
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.results import figures, services
from budgetcitoyen.results.models import PublishedFigures
from budgetcitoyen.voting import ballots as voting
from budgetcitoyen.voting import figures as vote_figures
from budgetcitoyen.voting.models import Ballot
from budgetcitoyen.voting.rules import BALLOT_STATUSES
from tests.helpers import login
from tests.results.helpers import YEAR, Scenario, seed, set_vote_window

BALLOT_QUERY = re.compile(r"\b(from|join)\s+(ballots|ballot_choices)\b")
PAGES = [f"/resultats/{YEAR}", f"/api/editions/{YEAR}/results.json",
         *(f"/resultats/{YEAR}/graphiques/{name}.svg" for name in figures.CHART_NAMES)]


def _row_by_row(session, edition: Edition) -> tuple[list[list[int]], list[Initiative]]:
    """The counted ballots read the plain way (ORM objects, one by one): the reference recount."""
    initiatives = session.scalars(
        select(Initiative).where(Initiative.edition_id == edition.id, Initiative.status.in_(BALLOT_STATUSES))
        .order_by(Initiative.filed_at.is_(None), Initiative.filed_at, Initiative.id)
    ).all()
    position = {initiative.id: n for n, initiative in enumerate(initiatives)}
    ballots = session.scalars(
        select(Ballot).where(Ballot.edition_id == edition.id, Ballot.voided_at.is_(None))
        .options(selectinload(Ballot.choices)).order_by(Ballot.public_id)
    ).all()
    return [sorted(position[c.initiative_id] for c in b.choices if c.initiative_id in position)
            for b in ballots], list(initiatives)


def _publish(app: Flask, edition_id: int, admin_id: int, rule: str = "greedy") -> None:
    with app.extensions["db_sessionmaker"]() as session:
        edition, admin = session.get(Edition, edition_id), session.get(User, admin_id)
        edition.allocation_rule = rule
        services.compute(session, edition, admin, now_utc())
        services.publish(session, edition, admin, app.extensions["storage"], now_utc())
        session.commit()


@pytest.fixture
def frozen(app: Flask, scenario: Scenario, admin_user: User) -> Scenario:
    """The scenario with one ballot voided, its vote closed, computed and published by the services."""
    with app.extensions["db_sessionmaker"]() as session:
        ballot = session.scalars(select(Ballot).order_by(Ballot.public_id)).first()
        voting.void(session, ballot, session.get(User, admin_user.id), "Doublon", now_utc())
        session.commit()
    set_vote_window(app, scenario.edition.id, open_=False)
    _publish(app, scenario.edition.id, admin_user.id)
    return scenario


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the application runs inside the block."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(statement.lower())

    engine = app.extensions["db_engine"]
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("for_files", [True, False])
def test_the_bulk_read_gives_the_ballots_read_one_by_one(
    app: Flask, closed_vote: Edition, make_initiative, admin_user: User, for_files: bool
) -> None:
    rng = random.Random(14)
    lists = [rng.sample(range(6), rng.randint(0, 4)) for _ in range(80)]
    initiatives = seed(app, closed_vote, make_initiative, lists, [1000, 2000, 1500, 3000, 500, 2500])
    with app.extensions["db_sessionmaker"]() as session:
        # A withdrawn initiative's votes no longer count, and a voided ballot does not count at all.
        session.get(Initiative, initiatives[4].id).status = Status.ABANDONED.value
        voting.void(session, session.scalars(select(Ballot)).first(), session.get(User, admin_user.id),
                    "Doublon", now_utc())
        session.flush()
        edition = session.get(Edition, closed_vote.id)
        expected, on_ballot = _row_by_row(session, edition)
        instance = services.load_instance(session, edition, for_files=for_files)
        assert [p.id for p in instance.projects] == [str(i.id) for i in on_ballot]
        got = [sorted(instance.ballots.ballot(v).tolist()) for v in range(instance.ballots.num_voters)]
        if for_files:
            assert got == expected  # in random-id order, with each ballot's id and channel
            public = session.execute(select(Ballot.public_id, Ballot.channel).where(
                Ballot.voided_at.is_(None)).order_by(Ballot.public_id)).all()
            assert list(zip(instance.ballot_ids, instance.ballot_channels, strict=True)) == \
                [tuple(row) for row in public]
        else:
            assert sorted(got) == sorted(expected)
        reference = allocation.Ballots.from_lists(expected, len(on_ballot))
        assert np.array_equal(instance.ballots.approvals(), reference.approvals())


@pytest.mark.parametrize("rule", ["greedy", "mes"])
def test_frozen_figures_equal_a_fresh_recount(
    app: Flask, scenario: Scenario, admin_user: User, rule: str
) -> None:
    set_vote_window(app, scenario.edition.id, open_=False)
    with app.extensions["db_sessionmaker"]() as session:
        # The decisions, as the rule gives them on the ballots read one by one (before the publication
        # moves the initiatives off the ballot, to winner or not selected).
        edition = session.get(Edition, scenario.edition.id)
        edition.allocation_rule = rule
        lists, on_ballot = _row_by_row(session, edition)
        instance = services.load_instance(session, edition)
        reference = services.EditionInstance(
            projects=instance.projects, ballots=allocation.Ballots.from_lists(lists, len(on_ballot)),
            ballot_ids=[], ballot_channels=[], initiatives={}, ceilings=instance.ceilings,
            sub_envelopes=instance.sub_envelopes)
        outcome = services.run_rule(edition, reference)
    _publish(app, scenario.edition.id, admin_user.id, rule)
    with app.extensions["db_sessionmaker"]() as session:
        edition = session.get(Edition, scenario.edition.id)
        result = services.result_of(session, edition)
        stored = figures.frozen_figures(session, result)
        # The participation and the votes, as the vote's own (row by row, several queries) count them.
        assert stored.participation == vote_figures.participation(session, edition)
        tally = vote_figures.tally(session, edition)
        assert {r.initiative_id: r.votes for r in stored.rows} == {i: tally.get(i, 0) for i in
                                                                   scenario.ids.values()}
        assert [(int(d.project_id), d.rank, d.votes, d.granted, d.funded, d.explanation)
                for d in outcome.decisions] == \
            [(r.initiative_id, r.rank, r.votes, r.granted, r.funded, r.explanation) for r in stored.rows]
        files = app.extensions["storage"]
        assert stored.file_sizes == {
            kind: files.size(services.file_key(edition.year, name.format(year=edition.year)))
            for kind, name in (("pb", services.PB_NAME), ("csv", services.CSV_NAME))}
        # The charts are drawn once, at publication, from those figures, and stored with the files.
        assert sorted(stored.charts) == sorted(figures.CHART_NAMES)
        for name, digest in stored.charts.items():
            svg = files.read(figures.chart_key(edition.year, name))
            assert svg.startswith(b"<?xml") and hashlib.sha256(svg).hexdigest() == digest


def test_pages_after_publication_count_no_ballot(
    app: Flask, client: FlaskClient, frozen: Scenario, admin_user: User
) -> None:
    with statements(app) as seen:
        for path in PAGES:
            assert client.get(path).status_code == 200, path
    assert seen and not [s for s in seen if BALLOT_QUERY.search(s)]
    login(client, admin_user.email)
    with statements(app) as seen:
        assert client.get(f"/gestion/editions/{YEAR}/repartition").status_code == 200
    assert not [s for s in seen if BALLOT_QUERY.search(s)]


def test_the_page_shows_the_frozen_figures(app: Flask, client: FlaskClient, frozen: Scenario) -> None:
    page = client.get(f"/resultats/{YEAR}").get_data(as_text=True)
    assert "4 bulletins comptés" in page.replace("\u202f", " ") and "1 annulé" in page
    data = client.get(f"/api/editions/{YEAR}/results.json").get_json()
    assert data["votants"] == data["participation"]["bulletins_comptes"] == 4
    assert data["initiatives"][0]["titre"] == "Ressourcerie d'Arras"
    svg = client.get(f"/resultats/{YEAR}/graphiques/participation-territoires.svg").data
    assert "4 au total" in svg.decode().replace("\u202f", " ").replace("\xa0", " ")


@pytest.mark.parametrize("path", PAGES)
def test_public_pages_send_an_etag_and_answer_304(client: FlaskClient, frozen: Scenario, path: str) -> None:
    first = client.get(path)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert client.get(path, headers={"If-None-Match": '"autre"'}).status_code == 200
    if path.endswith(".svg"):
        assert etag.strip('"') == hashlib.sha256(first.data).hexdigest()


def test_a_signed_in_visitors_page_is_not_shared(
    client: FlaskClient, frozen: Scenario, admin_user: User
) -> None:
    login(client, admin_user.email)
    response = client.get(f"/resultats/{YEAR}")
    assert response.status_code == 200
    assert "public" not in response.headers["Cache-Control"] and "ETag" not in response.headers


def test_republication_is_refused_and_the_frozen_figures_stay(
    app: Flask, frozen: Scenario, admin_user: User
) -> None:
    with app.extensions["db_sessionmaker"]() as session:
        edition, admin = session.get(Edition, frozen.edition.id), session.get(User, admin_user.id)
        before = session.scalar(select(PublishedFigures.figures))
        with pytest.raises(Conflict, match="déjà publiés"):
            services.publish(session, edition, admin, app.extensions["storage"], now_utc())
        with pytest.raises(Conflict, match="déjà publiés"):
            services.compute(session, edition, admin, now_utc())
        session.rollback()
        assert session.scalar(select(func.count()).select_from(PublishedFigures)) == 1
        assert session.scalar(select(PublishedFigures.figures)) == before


def test_the_bulk_read_of_an_edition_without_ballots(
    app: Flask, closed_vote: Edition, make_initiative
) -> None:
    seed(app, closed_vote, make_initiative, [], [1000, 2000])
    with app.extensions["db_sessionmaker"]() as session:
        edition = session.get(Edition, closed_vote.id)
        for for_files in (True, False):
            instance = services.load_instance(session, edition, for_files=for_files)
            assert instance.ballots.num_voters == 0 and len(instance.projects) == 2
            assert instance.ballot_ids == [] and [p.votes for p in instance.projects] == [0, 0]


@pytest.mark.parametrize("odd", ["a\nb", "back\\slash", "tab\there", "é;\"q\""])
def test_the_bulk_read_keeps_public_ids_it_cannot_cut(
    app: Flask, closed_vote: Edition, make_initiative, odd: str
) -> None:
    """Imported ids may hold a line break or a backslash: the bulk read then falls back to fetching the
    rows, and the ids come back whole, in the same order."""
    seed(app, closed_vote, make_initiative, [[0], [1], [0, 1], []], [1000, 2000])
    with app.extensions["db_sessionmaker"]() as session:
        session.scalars(select(Ballot)).first().public_id = odd
        session.flush()
        edition = session.get(Edition, closed_vote.id)
        instance = services.load_instance(session, edition)
        expected = session.scalars(select(Ballot.public_id).order_by(Ballot.public_id)).all()
        assert instance.ballot_ids == expected and odd in expected
        assert instance.ballots.num_voters == 4 and [p.votes for p in instance.projects] == [2, 2]
