"""Building winners and conventions in the test database, through the real services."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import Flask
from sqlalchemy import select

from budgetcitoyen.accounts.models import User
from budgetcitoyen.clock import local_midnight, now_utc
from budgetcitoyen.conventions import services
from budgetcitoyen.conventions.models import Convention
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.initiatives.models import Initiative, StatusChange
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.reference.models import Territory

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def add_winner(
    app: Flask,
    edition: Edition,
    holder: User,
    title: str = "Recyclerie solidaire",
    status: Status = Status.WINNER,
    amount: Decimal = Decimal("8000"),
) -> int:
    """An initiative that reached `status` (winner by default), owned by `holder`."""
    now = now_utc()
    with app.extensions["db_sessionmaker"]() as session:
        territory_id = session.scalar(select(Territory.id).where(Territory.code == "calaisis"))
        initiative = Initiative(
            edition_id=edition.id,
            holder_id=holder.id,
            title=title,
            status=status.value,
            summary="Réparer et donner une seconde vie aux objets.",
            territory_id=territory_id,
            structure_name="Association Re-Faire",
            siret="44067202000037",
            contact_email="contact@example.org",
            amount_asked=amount,
            created_at=now,
            updated_at=now,
        )
        initiative.history = [StatusChange(to_status=status.value, at=now)]
        session.add(initiative)
        session.commit()
        return initiative.id


def at_noon(day: date) -> datetime:
    """An instant in the middle of a local day (the services' `now`)."""
    return local_midnight(day) + timedelta(hours=12)


def make_convention(
    app: Flask,
    initiative_id: int,
    admin: User,
    *,
    signed_on: date | None = None,
    paid: bool = False,
    amount: Decimal = Decimal("8000"),
    duration: int = 18,
) -> int:
    """A convention through the services: created, then signed and paid as asked."""
    with app.extensions["db_sessionmaker"]() as session:
        actor = session.get(User, admin.id)
        initiative = session.get(Initiative, initiative_id)
        convention = services.create_convention(session, initiative, amount, now_utc(), actor=actor)
        if signed_on is not None:
            services.sign(session, actor, convention, signed_on, duration, at_noon(signed_on))
            if paid:
                services.record_payment(session, actor, convention, signed_on, amount, at_noon(signed_on))
        session.commit()
        return convention.id


def load(app: Flask, convention_id: int) -> Convention:
    """A fresh copy of a convention (with its initiative and reminders loaded)."""
    with app.extensions["db_sessionmaker"]() as session:
        convention = session.get(Convention, convention_id)
        assert convention is not None
        _ = convention.initiative.status, convention.initiative.history, list(convention.reminders)
        session.expunge_all()
        return convention
