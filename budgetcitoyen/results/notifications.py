"""Mails of the results: each holder learns the outcome of their initiative (queued by the publication,
delivered once it is committed)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from budgetcitoyen.initiatives.models import Initiative, StatusChange
from budgetcitoyen.initiatives.rules import STATUS_LABELS, Status
from budgetcitoyen.mail import Link, queue


def outcome(session: Session, initiative: Initiative, change: StatusChange) -> None:
    """Tell the holder their initiative is a winner or not selected, with the allocation's explanation."""
    holder = initiative.holder
    if holder.is_deleted:
        return
    queue(session, holder.email,
          f"Votre initiative « {initiative.title[:60]} » : {STATUS_LABELS[Status(change.to_status)]}",
          "status_change", initiative=initiative, change=change, labels=STATUS_LABELS,
          link=Link.to("initiatives.dossier", initiative_id=initiative.id))
