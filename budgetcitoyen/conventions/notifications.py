"""Mails to the holder about their convention: each step, and the reminders (queued by the use cases,
delivered once their transaction is committed)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from budgetcitoyen.conventions import rules
from budgetcitoyen.conventions.models import Convention
from budgetcitoyen.mail import Link, queue

STEP_SUBJECTS = {
    "signed": "convention signée",
    "paid": "subvention versée",
    "report": "bilan final reçu",
    "closed": "convention soldée",
    "terminated": "convention résiliée",
}


def recipient_of(convention: Convention) -> str | None:
    """The holder's address, or the dossier's contact when the account is gone."""
    holder = convention.initiative.holder
    if not holder.is_deleted:
        return holder.email
    return convention.initiative.contact_email or None


def _link(convention: Convention) -> Link:
    return Link.to("dashboards.holder", _anchor=f"convention-{convention.id}")


def step_recorded(session: Session, convention: Convention, step: str) -> None:
    """Tell the holder what just happened to their convention, with the dates that now apply."""
    to = recipient_of(convention)
    if to is None:
        return
    queue(session, to, f"Votre initiative « {convention.initiative.title[:60]} » : {STEP_SUBJECTS[step]}",
          "convention_step", convention=convention, step=step, link=_link(convention),
          labels=rules.STATUS_LABELS)


def reminder(session: Session, convention: Convention, kind: rules.Reminder, to: str) -> None:
    """One due reminder about the convention."""
    subject = f"{rules.REMINDER_LABELS[kind]} — « {convention.initiative.title[:60]} »"
    queue(session, to, subject, "convention_reminder", convention=convention, kind=kind.value,
          link=_link(convention), reminder_days=rules.REPORT_REMINDER_DAYS)
