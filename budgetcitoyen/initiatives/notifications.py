"""Mails the initiatives' use cases ask for: queued on the session, delivered once the change is committed."""

from __future__ import annotations

from sqlalchemy.orm import Session

from budgetcitoyen.initiatives.models import Initiative, StatusChange
from budgetcitoyen.initiatives.rules import STATUS_LABELS, Status
from budgetcitoyen.mail import Link, queue


def status_changed(session: Session, initiative: Initiative, change: StatusChange) -> None:
    """Tell the holder their initiative moved (nobody to tell once the account is deleted)."""
    holder = initiative.holder
    if holder.is_deleted:
        return
    queue(session, holder.email,
          f"Votre initiative « {initiative.title[:60]} » : {STATUS_LABELS[Status(change.to_status)]}",
          "status_change", initiative=initiative, change=change, labels=STATUS_LABELS,
          link=Link.to("initiatives.dossier", initiative_id=initiative.id))
