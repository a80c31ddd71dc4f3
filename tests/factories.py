"""Factories as fixtures returning callables that add and commit rows (Indico style), and `login_as`.

The one place tests build rows: make_user, make_edition, make_committee_member, make_initiative;
and the one way a test client signs in: login_as(Role.ADMIN) or login_as(user).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from budgetcitoyen.accounts.models import College, Role, User, UserRole
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions import services as editions
from budgetcitoyen.editions.models import AllocationRule, BallotScope, Edition
from budgetcitoyen.editions.rules import Phase, calendar_around
from budgetcitoyen.initiatives.models import Initiative, StatusChange
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.reference.models import Territory

DEFAULT_PASSWORD = "Correct-Horse-Battery-62"
# Hashing is deliberately slow; computing it once keeps factories fast.
_DEFAULT_HASH = generate_password_hash(DEFAULT_PASSWORD)
_counter = itertools.count(1)


def edition_input(**overrides: Any) -> editions.EditionInput:
    """Valid edition settings, with overrides."""
    values: dict[str, Any] = {
        "title": "Budget citoyen test",
        "envelope": Decimal("400000"),
        "operation_code": "C01-650A01",
        "imputation": "6568//9365",
        "budget_label": "Mission ESS",
        "payment_credits": Decimal("1000000"),
        "voting_min_age": 11,
        "min_choices": 3,
        "max_choices": 3,
        "ballot_scope": BallotScope.DEPARTMENT,
        "allocation_rule": AllocationRule.GREEDY,
        "is_published": True,
    }
    values.update(overrides)
    return editions.EditionInput(**values)


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    """make_user(email=None, roles=(), confirmed=True, password=None) -> committed User."""

    def make(
        email: str | None = None,
        roles: tuple[Role, ...] = (),
        confirmed: bool = True,
        password: str | None = None,
    ) -> User:
        with app.app_context():
            session = app.extensions["db_sessionmaker"]()
            now = now_utc()
            user = User(
                email=email or f"personne{next(_counter)}@example.org",
                password_hash=generate_password_hash(password) if password else _DEFAULT_HASH,
                created_at=now,
                email_confirmed_at=now if confirmed else None,
            )
            for role in roles:
                user.roles.append(UserRole(role=role.value, granted_at=now))
            session.add(user)
            session.commit()
            session.close()
            return user

    return make


@pytest.fixture
def make_edition(app: Flask) -> Callable[..., Edition]:
    """make_edition(year=2026, open_phase=None, **settings) -> committed Edition with its calendar."""

    def make(
        year: int = 2026, open_phase: Phase | None = None, today: date | None = None, **settings: Any
    ) -> Edition:
        with app.app_context():
            session = app.extensions["db_sessionmaker"]()
            edition = editions.create_edition(session, None, year, edition_input(**settings), now_utc())
            if open_phase is not None:
                dates = calendar_around(today or now_utc().date(), open_phase)
                windows = editions.windows_from_dates(dates)
                by_phase = {p.phase: p for p in edition.phases}
                for window in windows:
                    row = by_phase[window.phase.value]
                    row.starts_at, row.ends_at = window.starts_at, window.ends_at
            session.commit()
            session.refresh(edition)
            session.close()
            return edition

    return make


@pytest.fixture
def make_committee_member(app: Flask, make_user: Callable[..., User]) -> Callable[..., User]:
    """make_committee_member(edition, college=AMBASSADOR) -> committed User with a seat."""

    def make(edition: Edition, college: College = College.AMBASSADOR, **user_kwargs: Any) -> User:
        user = make_user(**user_kwargs)
        with app.app_context():
            session = app.extensions["db_sessionmaker"]()
            editions.add_committee_member(
                session,
                session.get(User, user.id),
                session.get(Edition, edition.id),
                session.get(User, user.id),
                college,
                now_utc(),
            )
            session.commit()
            session.close()
        return user

    return make


@pytest.fixture
def make_initiative(app: Flask, make_user: Callable[..., User]) -> Callable[..., Initiative]:
    """make_initiative(edition, status=FILED, title=..., territory="artois", holder=None, **columns)
    -> committed Initiative (a new holder unless one is given), with its status history started."""

    def make(
        edition: Edition,
        status: Status = Status.FILED,
        title: str = "Jardin partagé",
        territory: str = "artois",
        holder: User | None = None,
        **columns: Any,
    ) -> Initiative:
        holder = holder or make_user()
        now = now_utc()
        with app.extensions["db_sessionmaker"]() as session:
            territory_id = session.scalar(select(Territory.id).where(Territory.code == territory))
            columns.setdefault("summary", "Résumé.")
            if status is not Status.IDEA:
                columns.setdefault("filed_at", now if status is not Status.DRAFT else None)
            initiative = Initiative(
                edition_id=edition.id,
                holder_id=holder.id,
                title=title,
                territory_id=territory_id,
                status=status.value,
                created_at=now,
                updated_at=now,
                **columns,
            )
            initiative.history.append(StatusChange(to_status=status.value, at=now))
            session.add(initiative)
            session.commit()
            session.refresh(initiative)
            return initiative

    return make


@pytest.fixture
def login_as(app: Flask, make_user: Callable[..., User]) -> Callable[..., FlaskClient]:
    """login_as(Role.ADMIN, email=None) or login_as(user) -> a test client signed in through the real
    log-in form; the signed-in User is on `client.user`."""
    from tests.helpers import login

    def sign_in(who: Role | User | None = None, *, email: str | None = None) -> FlaskClient:
        user = who if isinstance(who, User) else make_user(email=email, roles=(who,) if who else ())
        client = app.test_client()
        login(client, user.email)
        client.user = user  # type: ignore[attr-defined]
        return client

    return sign_in
