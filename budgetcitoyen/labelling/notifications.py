"""Mails the labelling use cases ask for: the decision to the holder (radar attached) and the reminders
to late committee members. Queued on the session, delivered once the use case is committed."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from budgetcitoyen.accounts.models import User
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.labelling import radar
from budgetcitoyen.labelling.models import Decision
from budgetcitoyen.labelling.rules import fmt
from budgetcitoyen.mail import Link, MailAttachment, PendingMail, queue

if TYPE_CHECKING:
    from budgetcitoyen.labelling.services.decisions import DossierReview

logger = logging.getLogger(__name__)


def _radar_attachment(initiative: Initiative, review: DossierReview) -> tuple[MailAttachment, ...]:
    """The public radar (no member's polygon) as a PNG, when there were scores; none if it cannot be drawn."""
    if not review.result.members:
        return ()
    try:
        png = radar.render(radar.radar_data(review, initiative.title, with_members=False), "png")
    except ValueError:
        logger.exception("radar of initiative %s could not be drawn", initiative.id)
        return ()
    return (MailAttachment(f"radar-initiative-{initiative.id}.png", png, "image", "png"),)


def decision_made(session: Session, initiative: Initiative, decision: Decision,
                  review: DossierReview) -> PendingMail | None:
    """Tell the holder the outcome, with the motivation and the aggregate per axis (None: the account is
    gone)."""
    holder = initiative.holder
    if holder.is_deleted:
        return None
    attachments = _radar_attachment(initiative, review)
    outcome = "labellisée" if decision.labelled else "non labellisée"
    return queue(session, holder.email, f"Votre initiative « {initiative.title[:60]} » : {outcome}",
                 "labelling_decision", attachments=attachments, initiative=initiative, decision=decision,
                 review=review, fmt=fmt, has_radar=bool(attachments),
                 link=Link.to("initiatives.dossier", initiative_id=initiative.id))


def reminder(session: Session, edition: Edition, member: User, dossiers: list[Initiative]) -> PendingMail:
    """Remind a member of the dossiers given to them whose sheet is not submitted, with their links."""
    window = edition.window(Phase.LABELLING)
    count = len(dossiers)
    return queue(session, member.email,
                 f"Labellisation {edition.year} : {count} dossier{'s' if count > 1 else ''} à évaluer",
                 "labelling_reminder", edition=edition,
                 items=[(d, Link.to("labelling.dossier", initiative_id=d.id)) for d in dossiers],
                 deadline=window.ends_at if window else None, home=Link.to("labelling.index"))
