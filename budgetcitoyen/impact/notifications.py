"""The survey mail to a past winner: queued by the use case, written to the mail queue by its commit and
sent by the worker (never sent from a request)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from budgetcitoyen.impact import rules
from budgetcitoyen.impact.models import SurveyInvitation
from budgetcitoyen.mail import Link, queue


def survey_invitation(session: Session, invitation: SurveyInvitation, token: str) -> None:
    """Ask a past winner what became of its initiative, with its own single-use link."""
    initiative = invitation.convention.initiative
    queue(session, invitation.recipient,
          f"Que devient « {initiative.title[:60]} » ? Enquête {invitation.campaign.year}",
          "impact_survey", initiative=initiative, year=invitation.campaign.year,
          edition_year=invitation.convention.edition.year, link=Link.to("impact.survey", token=token),
          link_days=rules.LINK_DAYS)
