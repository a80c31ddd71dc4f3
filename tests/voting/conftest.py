"""Fixtures of the vote: an edition whose vote is open, labelled initiatives, voters with an identity,
and the Mission ESS's signed-in clients."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient

from budgetcitoyen.accounts.models import Role, User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.voting.identity import Identity, save_profile

SECRET = "test-secret-key-not-for-production"
# Arras (Arrageois), Lens (Lens-Hénin), Calais (Calaisis).
ARRAS, LENS, CALAIS = "62041", "62498", "62193"


@pytest.fixture
def vote_edition(make_edition: Callable[..., Edition]) -> Edition:
    return make_edition(open_phase=Phase.VOTE, catalogue_published=True)


@pytest.fixture
def make_ballot_initiative(make_initiative: Callable[..., Initiative]) -> Callable[..., Initiative]:
    """make_ballot_initiative(edition, title, territory="arrageois", status=LABELLED): on the ballot."""

    def make(
        edition: Edition, title: str, territory: str = "arrageois", status: Status = Status.LABELLED
    ) -> Initiative:
        return make_initiative(edition, status=status, title=title, territory=territory, amount_asked=4500)

    return make


@pytest.fixture
def on_ballot(vote_edition: Edition, make_ballot_initiative: Callable[..., Initiative]) -> list[Initiative]:
    """Five labelled initiatives in two territories."""
    return [
        make_ballot_initiative(vote_edition, "Ressourcerie d'Arras"),
        make_ballot_initiative(vote_edition, "Jardin partagé d'Achicourt"),
        make_ballot_initiative(vote_edition, "Café associatif de Lens", territory="lens-henin"),
        make_ballot_initiative(vote_edition, "Épicerie solidaire de Liévin", territory="lens-henin"),
        make_ballot_initiative(vote_edition, "Atelier vélo d'Avion", territory="lens-henin"),
    ]


@pytest.fixture
def make_voter(app: Flask, make_user: Callable[..., User]) -> Callable[..., User]:
    """make_voter(email=None, first='Camille', last='Martin', born=date(1990, 5, 4), commune=ARRAS)."""

    def make(
        email: str | None = None,
        first: str = "Camille",
        last: str = "Martin",
        born: date = date(1990, 5, 4),
        commune: str = ARRAS,
        confirmed: bool = True,
    ) -> User:
        user = make_user(email=email, confirmed=confirmed)
        with app.extensions["db_sessionmaker"]() as session:
            identity = Identity(first, last, born, commune)
            save_profile(session, session.get(User, user.id), identity, SECRET, None, now_utc())
            session.commit()
        return user

    return make


@pytest.fixture
def admin(login_as: Callable[..., FlaskClient]) -> FlaskClient:
    """A Mission ESS administrator, signed in."""
    return login_as(Role.ADMIN, email="admin@example.org")


@pytest.fixture
def agent(login_as: Callable[..., FlaskClient]) -> FlaskClient:
    """A Mission ESS agent (enters paper ballots), signed in."""
    return login_as(Role.AGENT, email="agent@example.org")
