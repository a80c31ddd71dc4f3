"""Building winners and conventions in the test database, through the real services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import Flask

from budgetcitoyen.accounts.models import User
from budgetcitoyen.clock import local_midnight, now_utc
from budgetcitoyen.conventions import services
from budgetcitoyen.conventions.indicators import Indicators
from budgetcitoyen.conventions.models import Convention
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import Status

# Impact indicators as a holder gives them with the final report.
IMPACT = Indicators(still_active=True, volunteers_before=3, volunteers_after=8, employees_before=0,
                    employees_after=1, other_funding=True, other_funding_amount=Decimal("2500"),
                    funders="Fondation locale", story="Le local est ouvert trois jours par semaine.",
                    story_public=True)
# The same, as the form's fields.
IMPACT_FORM = {"still_active": "oui", "volunteers_before": "3", "volunteers_after": "8",
               "employees_before": "0", "employees_after": "1", "other_funding": "oui",
               "other_funding_amount": "2 500", "funders": "Fondation locale",
               "story": "Le local est ouvert trois jours par semaine.", "story_public": "y"}

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


WINNER_COLUMNS = {
    "summary": "Réparer et donner une seconde vie aux objets.",
    "structure_name": "Association Re-Faire",
    "siret": "44067202000037",
    "contact_email": "contact@example.org",
}


def winner_maker(make_initiative: Callable[..., Initiative]) -> Callable[..., int]:
    """add_winner(edition, holder, title=..., status=WINNER, amount=8000) -> the id of an initiative that
    reached `status` (winner by default), owned by `holder`, built with the shared make_initiative."""

    def add_winner(
        edition: Edition,
        holder: User,
        title: str = "Recyclerie solidaire",
        status: Status = Status.WINNER,
        amount: Decimal = Decimal("8000"),
    ) -> int:
        initiative = make_initiative(
            edition, status, title, territory="calaisis", holder=holder, amount_asked=amount, **WINNER_COLUMNS
        )
        return initiative.id

    return add_winner


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
