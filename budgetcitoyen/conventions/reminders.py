"""Use cases of the reminders (`budgetcitoyen remind`): which are due on a day, booking one with its
mail, and releasing a booking whose mail could not be delivered.

A reminder is booked under a unique key (convention, kind, due step) in the same transaction as its
queued mail: once committed it is never sent again. The mail goes out after the commit; if it could
not be delivered, the booking is released so that the next run tries again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from budgetcitoyen.conventions import notifications, rules
from budgetcitoyen.conventions.models import Convention, ConventionReminder
from budgetcitoyen.conventions.rules import DueReminder
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import Status


@dataclass(frozen=True)
class PendingReminder:
    """A reminder due today for a convention, and where it goes."""

    convention: Convention
    reminder: DueReminder
    recipient: str | None


def pending_reminders(session: Session, today: date) -> list[PendingReminder]:
    """Every reminder due on `today` and not sent yet, for conventions still awaiting their report."""
    conventions = session.scalars(
        select(Convention).join(Initiative, Convention.initiative_id == Initiative.id)
        .where(Convention.status.in_([s.value for s in rules.AWAITING_REPORT]),
               # An initiative abandoned from its dossier page has nothing more to report.
               Initiative.status == Status.UNDER_AGREEMENT.value)
        .options(selectinload(Convention.reminders),
                 selectinload(Convention.initiative).selectinload(Initiative.holder))
        .order_by(Convention.id))
    pending = []
    for convention in conventions:
        sent = {(r.kind_enum, r.due_on) for r in convention.reminders}
        for due in rules.due_reminders(convention.status_enum, convention.schedule, today, sent):
            pending.append(PendingReminder(convention, due, notifications.recipient_of(convention)))
    return pending


def book_reminder(session: Session, pending: PendingReminder, now: datetime) -> int | None:
    """Book the reminder and queue its mail, committed together; None when there is no address or
    another run booked it first (the unique key decides). Returns the booking's id."""
    if pending.recipient is None:
        return None
    row = ConventionReminder(convention_id=pending.convention.id, kind=pending.reminder.kind.value,
                             due_on=pending.reminder.due_on, sent_at=now, recipient=pending.recipient)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    notifications.reminder(session, pending.convention, pending.reminder.kind, pending.recipient)
    return row.id
