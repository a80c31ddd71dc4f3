"""Past winners with conventions, through the real services, for the impact survey's tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Flask
from sqlalchemy import select

from budgetcitoyen.accounts import tokens
from budgetcitoyen.accounts.models import Role, User
from budgetcitoyen.clock import now_utc, to_local
from budgetcitoyen.conventions.services import INDICATOR_FIELDS
from budgetcitoyen.impact import services
from budgetcitoyen.impact.models import SurveyAnswer, SurveyInvitation
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.web import run_use_case
from tests.conventions.helpers import IMPACT, make_convention

# tests/conftest.py's app secret: the links the app reads are signed with it.
SECRET = "test-secret-key-not-for-production"


@dataclass
class PastWinners:
    year: int  # this year: the survey's
    admin: User
    # (title, edition year, territory code) -> convention id, of the conventions surveyed
    surveyed: dict[str, int]
    not_surveyed: list[int]


def this_year() -> int:
    return to_local(now_utc()).year


def make_past_winners(app: Flask, make_edition: Callable[..., Any], make_initiative: Callable[..., Any],
                      make_user: Callable[..., User]) -> PastWinners:
    """Two past editions: five signed winners two years ago (four in the Calaisis), two a year ago (one
    convention still to sign: not surveyed), and one winner of this year's edition (not surveyed)."""
    year = this_year()
    admin = make_user(email="admin@example.org", roles=(Role.ADMIN,))
    older, recent, current = make_edition(year=year - 2), make_edition(year=year - 1), make_edition(year=year)
    surveyed: dict[str, int] = {}
    not_surveyed: list[int] = []
    plan = [(older, f"Initiative A{n}", "calaisis" if n < 4 else "artois", True) for n in range(5)]
    plan += [(recent, "Ressourcerie du port", "artois", True), (recent, "Café des aidants", "artois", False),
             (current, "Jardin de l'année", "artois", True)]
    for number, (edition, title, territory, signed) in enumerate(plan):
        holder = make_user(email=f"porteur{number}@example.org")
        initiative = make_initiative(edition, Status.WINNER, title, territory=territory, holder=holder,
                                     amount_asked=5000, structure_name="Asso", contact_email="c@example.org")
        signed_on = date(edition.year, 11, 2) if edition.year < year else None
        convention_id = make_convention(app, initiative.id, admin, signed_on=signed_on if signed else None)
        if signed and edition.year < year:
            surveyed[title] = convention_id
        else:
            not_surveyed.append(convention_id)
    return PastWinners(year, admin, surveyed, not_surveyed)


def send(app: Flask, year: int, secret: str = SECRET) -> services.Sent:
    with app.test_request_context(), app.extensions["db_sessionmaker"]() as session:
        sent = run_use_case(session, services.send_survey, None, year, secret, now_utc())
        _ = sent.campaign.year
        return sent


def token_for(app: Flask, convention_id: int, secret: str = SECRET, purpose: str = services.PURPOSE,
              **payload: Any) -> str:
    """The token of a convention's invitation, signed as the mail's is (or with other values)."""
    with app.extensions["db_sessionmaker"]() as session:
        invitation = session.scalar(select(SurveyInvitation).where(
            SurveyInvitation.convention_id == convention_id))
        values = {"i": invitation.id, "c": invitation.campaign_id, "v": convention_id, **payload}
        return tokens.make_token(secret, purpose, values)


def answer(app: Flask, convention_id: int, **changes: Any) -> None:
    """Store an answer to the convention's invitation directly (the figures' tests)."""
    values = {name: getattr(IMPACT, name) for name in INDICATOR_FIELDS}
    values.update(changes)
    with app.extensions["db_sessionmaker"]() as session:
        invitation = session.scalar(select(SurveyInvitation).where(
            SurveyInvitation.convention_id == convention_id))
        session.add(SurveyAnswer(invitation=invitation, answered_at=now_utc(), **values))
        session.commit()
