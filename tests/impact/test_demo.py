"""The demo's impact survey: the follow-up demo's past winners are asked and most answered, so the impact
page has figures; seeding again asks and answers nobody twice; the holders get no mail."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select

from budgetcitoyen.impact.models import SurveyAnswer, SurveyInvitation
from budgetcitoyen.mail.models import OutboxMail
from tests.helpers import text_of


def test_follow_up_demo_has_an_impact_page(app: Flask, db_session: Any, client: Any) -> None:
    for _ in range(2):
        seeded = app.test_cli_runner().invoke(args=["seed-demo", "--year", "2026", "--phase", "follow_up"])
        assert seeded.exit_code == 0, seeded.output
    db_session.expire_all()
    invitations = db_session.scalar(select(func.count()).select_from(SurveyInvitation))
    answers = db_session.scalar(select(func.count()).select_from(SurveyAnswer))
    assert invitations >= 5 and 3 <= answers < invitations
    assert db_session.scalar(select(func.count()).select_from(OutboxMail)
                             .where(OutboxMail.template == "impact_survey")) == 0
    page = text_of(client.get("/impact"))
    assert "Enquête 2026" in page and "Parmi les réponses" in page and "graphique.svg" in page
    assert "Récits de lauréats" in page
