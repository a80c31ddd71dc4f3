"""The convention's status machine, the amounts it accepts and the reminders due on a day (pure, no Flask).

to_sign → signed → paid → report_received → closed; a signed convention may instead be terminated
(from signed, paid or report_received), with an amount to pay back between 0 and what was paid.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from budgetcitoyen.conventions import dates

# The deliberations: "La convention s'applique pour une durée de 18 mois à compter de la date de
# signature". The same for every edition, so a constant rather than an edition setting.
DEFAULT_DURATION_MONTHS = 18
MAX_DURATION_MONTHS = 36
# How long before the final report's due date the holder is reminded.
REPORT_REMINDER_DAYS = 30
MAX_AMOUNT = Decimal("10000000")


class ConventionStatus(enum.StrEnum):
    """Where a convention stands."""

    TO_SIGN = "to_sign"
    SIGNED = "signed"
    PAID = "paid"
    REPORT_RECEIVED = "report_received"
    CLOSED = "closed"
    TERMINATED = "terminated"


STATUS_LABELS = {
    ConventionStatus.TO_SIGN: "À signer",
    ConventionStatus.SIGNED: "Signée",
    ConventionStatus.PAID: "Versée",
    ConventionStatus.REPORT_RECEIVED: "Bilan reçu",
    ConventionStatus.CLOSED: "Soldée",
    ConventionStatus.TERMINATED: "Résiliée",
}

MOVES: dict[ConventionStatus, frozenset[ConventionStatus]] = {
    ConventionStatus.TO_SIGN: frozenset({ConventionStatus.SIGNED}),
    ConventionStatus.SIGNED: frozenset({ConventionStatus.PAID, ConventionStatus.TERMINATED}),
    ConventionStatus.PAID: frozenset({ConventionStatus.REPORT_RECEIVED, ConventionStatus.TERMINATED}),
    ConventionStatus.REPORT_RECEIVED: frozenset({ConventionStatus.CLOSED, ConventionStatus.TERMINATED}),
    ConventionStatus.CLOSED: frozenset(),
    ConventionStatus.TERMINATED: frozenset(),
}

# Statuses in which the final report is still awaited: reminders run, lateness is counted.
AWAITING_REPORT = (ConventionStatus.SIGNED, ConventionStatus.PAID)


class MoveRefused(ValueError):
    """A move the machine does not allow; the message is French."""


def can_move(source: ConventionStatus, target: ConventionStatus) -> bool:
    """Whether the machine allows `source` → `target`."""
    return target in MOVES[source]


def check_move(source: ConventionStatus, target: ConventionStatus) -> None:
    """Nothing when the move is allowed, else MoveRefused with a French message."""
    if not can_move(source, target):
        raise MoveRefused(f"Une convention « {STATUS_LABELS[source]} » ne peut pas passer "
                          f"à « {STATUS_LABELS[target]} ».")


def next_moves(source: ConventionStatus) -> list[ConventionStatus]:
    """The allowed targets, in the machine's order."""
    return [s for s in ConventionStatus if s in MOVES[source]]


def _is_cents(amount: Decimal) -> bool:
    return amount.is_finite() and amount == amount.quantize(Decimal("0.01"))


def grant_problem(amount: Decimal) -> str | None:
    """What is wrong with a granted amount, or None."""
    if not _is_cents(amount) or amount <= 0:
        return "Le montant accordé doit être un montant positif, au centime près."
    if amount > MAX_AMOUNT:
        return "Le montant accordé ne peut pas dépasser 10 000 000 €."
    return None


def payment_problem(amount: Decimal, granted: Decimal) -> str | None:
    """The grant is paid in one go and capped at the voted amount."""
    if not _is_cents(amount) or amount <= 0:
        return "Le montant versé doit être un montant positif, au centime près."
    if amount > granted:
        return "Le montant versé ne peut pas dépasser le montant accordé."
    return None


def repayment_problem(amount: Decimal, paid: Decimal) -> str | None:
    """Sums claimed back: between 0 and what was actually paid."""
    if not _is_cents(amount) or amount < 0:
        return "Le montant à reverser doit être positif ou nul, au centime près."
    if amount > paid:
        return "Le montant à reverser ne peut pas dépasser le montant versé."
    return None


def duration_problem(months: int) -> str | None:
    """The convention's length in months."""
    if not 1 <= months <= MAX_DURATION_MONTHS:
        return f"La durée doit être comprise entre 1 et {MAX_DURATION_MONTHS} mois."
    return None


# --- Reminders -------------------------------------------------------------------------------


class Reminder(enum.StrEnum):
    """The reminders mailed to the holder; each is sent once per due step."""

    EXTENSION_WINDOW = "extension_window"
    REPORT_DUE_SOON = "report_due_soon"
    REPORT_OVERDUE = "report_overdue"


REMINDER_LABELS = {
    Reminder.EXTENSION_WINDOW: "Ouverture de la période de demande de prolongation",
    Reminder.REPORT_DUE_SOON: f"Bilan final attendu dans {REPORT_REMINDER_DAYS} jours",
    Reminder.REPORT_OVERDUE: "Bilan final en retard",
}


@dataclass(frozen=True)
class Schedule:
    """The dates a signed convention runs by."""

    signed_on: date
    end_on: date
    report_due_on: date

    @property
    def extension_from(self) -> date:
        """First day on which an extension may be asked."""
        return dates.extension_window_start(self.end_on)

    @property
    def report_reminder_on(self) -> date:
        """The day the "report due soon" reminder goes."""
        return self.report_due_on - timedelta(days=REPORT_REMINDER_DAYS)


def schedule_for(signed_on: date, duration_months: int) -> Schedule:
    """End and report dates from the signature and the duration."""
    end_on = dates.end_date(signed_on, duration_months)
    return Schedule(signed_on, end_on, dates.report_due_date(end_on))


@dataclass(frozen=True)
class DueReminder:
    """A reminder to send, and the due step it is about (the key that keeps it from going twice)."""

    kind: Reminder
    due_on: date


def due_reminders(status: ConventionStatus, schedule: Schedule | None, today: date,
                  already_sent: set[tuple[Reminder, date]] | frozenset[tuple[Reminder, date]] = frozenset()
                  ) -> list[DueReminder]:
    """The reminders to send on `today` that were not sent yet.

    A reminder stays due for the whole of its period, so a day the command did not run is caught up
    the next day; once the period is over it is no longer sent (an "extension" reminder after the end
    would be useless). A late report supersedes the "due soon" reminder: the holder gets the one that
    is true today, not both at once.
    """
    if schedule is None or status not in AWAITING_REPORT:
        return []
    due: list[DueReminder] = []
    # A convention of six months or less is inside the window from its first day: no "opening" to announce.
    if schedule.signed_on < schedule.extension_from <= today <= schedule.end_on:
        due.append(DueReminder(Reminder.EXTENSION_WINDOW, schedule.extension_from))
    if today > schedule.report_due_on:
        due.append(DueReminder(Reminder.REPORT_OVERDUE, schedule.report_due_on + timedelta(days=1)))
    elif schedule.report_reminder_on <= today:
        due.append(DueReminder(Reminder.REPORT_DUE_SOON, schedule.report_reminder_on))
    return [d for d in due if (d.kind, d.due_on) not in already_sent]


def is_report_late(status: ConventionStatus, report_due_on: date | None, today: date) -> bool:
    """The final report was not received and its due date has passed."""
    return status in AWAITING_REPORT and report_due_on is not None and today > report_due_on
