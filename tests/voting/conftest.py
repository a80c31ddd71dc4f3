"""Fixtures of the vote: an edition whose vote is open, labelled initiatives, voters with an identity."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import select

from budgetcitoyen.accounts.models import User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.reference.models import Territory
from budgetcitoyen.voting import services

SECRET = "test-secret-key-not-for-production"
# Arras (Arrageois), Lens (Lens-Hénin), Calais (Calaisis).
ARRAS, LENS, CALAIS = "62041", "62498", "62193"


@pytest.fixture
def vote_edition(make_edition: Callable[..., Edition]) -> Edition:
    return make_edition(open_phase=Phase.VOTE, catalogue_published=True)


@pytest.fixture
def make_ballot_initiative(app: Flask, make_user: Callable[..., User]) -> Callable[..., Initiative]:
    def make(
        edition: Edition, title: str, territory: str = "arrageois", status: Status = Status.LABELLED
    ) -> Initiative:
        holder = make_user()
        now = now_utc()
        with app.extensions["db_sessionmaker"]() as session:
            territory_id = session.scalar(select(Territory.id).where(Territory.code == territory))
            initiative = Initiative(
                edition_id=edition.id,
                holder_id=holder.id,
                title=title,
                summary="Résumé.",
                territory_id=territory_id,
                status=status.value,
                created_at=now,
                updated_at=now,
                amount_asked=4500,
            )
            session.add(initiative)
            session.commit()
            session.refresh(initiative)
            return initiative

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
            services.save_profile(
                session,
                session.get(User, user.id),
                services.Identity(first, last, born, commune),
                SECRET,
                None,
                now_utc(),
            )
            session.commit()
        return user

    return make
