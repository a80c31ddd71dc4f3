"""Demo impact survey: the demo year's survey of the past editions' winners, three in four answered, so
the impact page shows figures, small groups and a few published stories."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from budgetcitoyen.conventions.services import INDICATOR_FIELDS
from budgetcitoyen.impact import services
from budgetcitoyen.impact.models import SurveyAnswer
from budgetcitoyen.mail import take_pending

FUNDERS = ("Fondation de France, caisse locale du Crédit Mutuel", "Communauté d'agglomération, CAF",
           "Financement participatif local", "France Active (prêt d'honneur)")
STORIES = (
    "Le local ouvre désormais trois jours par semaine ; une dizaine d'habitants y passent chaque jour.",
    "Le projet a essaimé dans deux villages voisins, avec les mêmes bénévoles et de nouveaux partenaires.",
    "Après la subvention, une première personne a été embauchée en contrat aidé, puis en CDI.",
)


def _answers(rank: int) -> dict[str, object]:
    """Varied but reproducible answers: most initiatives still active, some with more people."""
    volunteers = 2 + rank % 5
    employees = rank % 2
    funded = rank % 5 != 4
    story = STORIES[rank % len(STORIES)] if rank % 3 == 0 else ""
    return {
        "still_active": rank % 6 != 5,
        "volunteers_before": volunteers, "volunteers_after": volunteers + (rank % 3) - (rank % 2),
        "employees_before": employees, "employees_after": employees + (1 if rank % 2 == 0 else 0),
        "other_funding": funded,
        "other_funding_amount": Decimal(1500 + 500 * (rank % 4)) if funded and rank % 2 == 0 else None,
        "funders": FUNDERS[rank % len(FUNDERS)] if funded else "",
        "story": story, "story_public": bool(story) and rank % 2 == 0,
    }


def seed_impact(session: Session, year: int, secret: str, now: datetime) -> None:
    """Survey the winners of the editions before `year` and answer for three in four of those newly asked
    (running it again asks and answers nobody twice). The demo's holders get no mail."""
    if not services.surveyed_conventions(session, year):
        return  # a demo without past winners (before the follow-up phase): no survey to show
    sent = services.send_survey(session, None, year, secret, now)
    take_pending(session)
    fresh = [i for i in services.invitations_of(session, sent.campaign) if i.answer is None]
    for rank, invitation in enumerate(fresh[-sent.queued:] if sent.queued else []):
        if rank % 4 == 3:
            continue  # not everyone answers
        values = _answers(rank)
        session.add(SurveyAnswer(invitation_id=invitation.id, answered_at=now - timedelta(days=rank % 20),
                                 **{name: values[name] for name in INDICATOR_FIELDS}))
    session.flush()
