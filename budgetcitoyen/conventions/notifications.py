"""Mails to the holder about their convention: each step, and the reminders (Flask side, after commit)."""

from __future__ import annotations

from budgetcitoyen.conventions import rules
from budgetcitoyen.conventions.models import Convention
from budgetcitoyen.conventions.services import PendingReminder, recipient_of
from budgetcitoyen.mail import delivery as mail
from budgetcitoyen.web import external_url

STEP_SUBJECTS = {
    "signed": "convention signée",
    "paid": "subvention versée",
    "report": "bilan final reçu",
    "closed": "convention soldée",
    "terminated": "convention résiliée",
}


def _link(convention: Convention) -> str:
    return external_url("dashboards.holder", _anchor=f"convention-{convention.id}")


def notify_step(convention: Convention, step: str) -> bool:
    """Tell the holder what just happened to their convention, with the dates that now apply."""
    to = recipient_of(convention)
    if to is None:
        return False
    title = convention.initiative.title
    return mail.send(to, f"Votre initiative « {title[:60]} » : {STEP_SUBJECTS[step]}", "convention_step",
                     convention=convention, step=step, link=_link(convention), labels=rules.STATUS_LABELS)


def send_reminder(pending: PendingReminder) -> bool:
    """Mail one due reminder; False when it could not be delivered (it is then tried again next run)."""
    if pending.recipient is None:
        return False
    convention = pending.convention
    subject = f"{rules.REMINDER_LABELS[pending.reminder.kind]} — « {convention.initiative.title[:60]} »"
    return mail.send(pending.recipient, subject, "convention_reminder", convention=convention,
                     kind=pending.reminder.kind.value, link=_link(convention),
                     reminder_days=rules.REPORT_REMINDER_DAYS)
