"""Comptoir sign-ups: capacity holds under concurrency (the last-seat race), one sign-up per person."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import func, select

from budgetcitoyen.accounts.models import User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.errors import Conflict, PhaseClosed
from budgetcitoyen.initiatives import workshops
from budgetcitoyen.initiatives.models import Workshop, WorkshopRegistration


def register(app: Flask, user_id: int, workshop_id: int) -> str:
    with app.extensions["db_sessionmaker"]() as session:
        try:
            workshops.register_for_workshop(
                session, session.get(User, user_id), session.get(Workshop, workshop_id), now_utc()
            )
            session.commit()
            return "ok"
        except Conflict as error:
            session.rollback()
            return error.message


def race(app: Flask, workshop_id: int, user_ids: list[int]) -> list[str]:
    """All sign-ups released at the same instant from their own threads and sessions."""
    barrier = threading.Barrier(len(user_ids))
    results: list[str] = []
    lock = threading.Lock()

    def attempt(user_id: int) -> None:
        barrier.wait()
        outcome = register(app, user_id, workshop_id)
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=attempt, args=(uid,)) for uid in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_the_last_seat_goes_to_exactly_one_person(
    app: Flask, make_edition: Callable, make_user: Callable, make_workshop: Callable, db_session
) -> None:
    edition = make_edition(open_phase=Phase.IDEAS)
    for _ in range(5):  # repeated: a race that is lost only sometimes must still be caught
        workshop = make_workshop(edition, capacity=1)
        users = [make_user() for _ in range(2)]
        results = race(app, workshop.id, [u.id for u in users])
        assert sorted(results) == sorted(
            ["ok", "Ce comptoir est complet. Choisissez un autre comptoir ou une autre date."]
        )
        assert db_session.get(Workshop, workshop.id).seats_taken == 1


def test_many_people_for_few_seats(
    app: Flask, make_edition: Callable, make_user: Callable, make_workshop: Callable, db_session
) -> None:
    edition = make_edition(open_phase=Phase.IDEAS)
    workshop = make_workshop(edition, capacity=3)
    users = [make_user() for _ in range(8)]
    results = race(app, workshop.id, [u.id for u in users])
    assert results.count("ok") == 3
    count = db_session.scalar(
        select(func.count())
        .select_from(WorkshopRegistration)
        .where(WorkshopRegistration.workshop_id == workshop.id)
    )
    assert count == 3 == db_session.get(Workshop, workshop.id).seats_taken


def test_one_person_racing_with_themself_gets_one_seat(
    app: Flask, make_edition: Callable, make_user: Callable, make_workshop: Callable, db_session
) -> None:
    edition = make_edition(open_phase=Phase.IDEAS)
    workshop = make_workshop(edition, capacity=10)
    user = make_user()
    results = race(app, workshop.id, [user.id] * 4)
    assert results.count("ok") == 1
    assert db_session.get(Workshop, workshop.id).seats_taken == 1


def test_cancel_gives_the_seat_back_and_sign_up_needs_the_ideas_phase(
    app: Flask, make_edition: Callable, make_user: Callable, make_workshop: Callable
) -> None:
    edition = make_edition(open_phase=Phase.IDEAS)
    workshop = make_workshop(edition, capacity=1)
    first, second = make_user(), make_user()
    assert register(app, first.id, workshop.id) == "ok"
    with app.extensions["db_sessionmaker"]() as session:
        registration = session.scalar(select(WorkshopRegistration))
        workshops.cancel_registration(session, session.get(User, first.id), registration, now_utc())
        session.commit()
    assert register(app, second.id, workshop.id) == "ok"

    closed = make_edition(year=2027, open_phase=Phase.VOTE)
    late = make_workshop(closed)
    with app.extensions["db_sessionmaker"]() as session, pytest.raises(PhaseClosed):
        workshops.register_for_workshop(
            session, session.get(User, first.id), session.get(Workshop, late.id), now_utc()
        )
