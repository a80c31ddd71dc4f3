"""The convention's status machine, its amounts and the reminders due on a given day (no database)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import product

import pytest

from budgetcitoyen.conventions.rules import (
    ConventionStatus,
    DueReminder,
    MoveRefused,
    Reminder,
    check_move,
    due_reminders,
    duration_problem,
    grant_problem,
    is_report_late,
    next_moves,
    payment_problem,
    repayment_problem,
    schedule_for,
)

S = ConventionStatus
# Written out independently of the module's table.
ALLOWED = {
    ("to_sign", "signed"),
    ("signed", "paid"),
    ("paid", "report_received"),
    ("report_received", "closed"),
    ("signed", "terminated"),
    ("paid", "terminated"),
    ("report_received", "terminated"),
}


@pytest.mark.parametrize(("source", "target"), sorted(ALLOWED))
def test_allowed_moves(source: str, target: str) -> None:
    check_move(S(source), S(target))


def test_every_other_move_is_refused_in_french() -> None:
    refused = [(a, b) for a, b in product(S, S) if (a.value, b.value) not in ALLOWED]
    assert len(refused) == len(S) ** 2 - len(ALLOWED)
    for source, target in refused:
        with pytest.raises(MoveRefused, match="ne peut pas passer"):
            check_move(source, target)


def test_specific_refusals() -> None:
    with pytest.raises(MoveRefused, match="« À signer » ne peut pas passer à « Versée »"):
        check_move(S.TO_SIGN, S.PAID)
    with pytest.raises(MoveRefused):
        check_move(S.TO_SIGN, S.TERMINATED)  # nothing signed, nothing to terminate
    with pytest.raises(MoveRefused):
        check_move(S.PAID, S.CLOSED)  # no closing without the final report


def test_final_statuses_lead_nowhere() -> None:
    assert next_moves(S.CLOSED) == [] and next_moves(S.TERMINATED) == []
    assert next_moves(S.PAID) == [S.REPORT_RECEIVED, S.TERMINATED]


@pytest.mark.parametrize(
    ("amount", "paid", "ok"),
    [
        ("0", "8000", True),
        ("8000", "8000", True),
        ("2500.50", "8000", True),
        ("-0.01", "8000", False),
        ("8000.01", "8000", False),
        ("1.005", "8000", False),
        ("1", "0", False),
        ("0", "0", True),
    ],
)
def test_amount_to_pay_back_between_zero_and_what_was_paid(amount: str, paid: str, ok: bool) -> None:
    assert (repayment_problem(Decimal(amount), Decimal(paid)) is None) is ok


def test_amount_messages() -> None:
    assert (
        repayment_problem(Decimal("9000"), Decimal("8000"))
        == "Le montant à reverser ne peut pas dépasser le montant versé."
    )
    assert (
        payment_problem(Decimal("8000.01"), Decimal("8000"))
        == "Le montant versé ne peut pas dépasser le montant accordé."
    )
    assert payment_problem(Decimal("0"), Decimal("8000")) is not None
    assert payment_problem(Decimal("NaN"), Decimal("8000")) is not None
    assert grant_problem(Decimal("0")) is not None and grant_problem(Decimal("4500")) is None
    assert grant_problem(Decimal("10000000.01")) is not None
    assert (
        duration_problem(0) is not None and duration_problem(18) is None and duration_problem(37) is not None
    )


# --- Reminders: signed 31 January 2025, ends 31 July 2026, report due 31 January 2027 ---------------

SCHEDULE = schedule_for(date(2025, 1, 31), 18)


def kinds(today: date, status: ConventionStatus = S.PAID, sent: frozenset = frozenset()) -> list[Reminder]:
    return [d.kind for d in due_reminders(status, SCHEDULE, today, sent)]


def test_nothing_due_while_the_convention_runs() -> None:
    assert kinds(date(2025, 6, 1)) == []
    assert kinds(date(2026, 1, 30)) == []


def test_extension_window_opens_six_months_before_the_end() -> None:
    assert due_reminders(S.PAID, SCHEDULE, date(2026, 1, 31)) == [
        DueReminder(Reminder.EXTENSION_WINDOW, date(2026, 1, 31))
    ]
    # Still due on a later day if the command did not run, but no longer after the end.
    assert kinds(date(2026, 7, 31)) == [Reminder.EXTENSION_WINDOW]
    assert kinds(date(2026, 8, 1)) == []
    # Sent once: not again.
    assert kinds(date(2026, 2, 1), sent=frozenset({(Reminder.EXTENSION_WINDOW, date(2026, 1, 31))})) == []


def test_report_due_in_thirty_days_then_overdue() -> None:
    assert kinds(date(2026, 12, 31)) == []
    assert due_reminders(S.PAID, SCHEDULE, date(2027, 1, 1)) == [
        DueReminder(Reminder.REPORT_DUE_SOON, date(2027, 1, 1))
    ]
    assert kinds(date(2027, 1, 31)) == [Reminder.REPORT_DUE_SOON]  # the due date itself is still on time
    # Late from the next day; the overdue reminder supersedes the "due soon" one.
    assert due_reminders(S.PAID, SCHEDULE, date(2027, 2, 1)) == [
        DueReminder(Reminder.REPORT_OVERDUE, date(2027, 2, 1))
    ]
    sent = frozenset({(Reminder.REPORT_OVERDUE, date(2027, 2, 1))})
    assert kinds(date(2027, 6, 1), sent=sent) == []


def test_no_reminder_once_the_report_is_in_or_the_convention_is_over() -> None:
    for status in (S.TO_SIGN, S.REPORT_RECEIVED, S.CLOSED, S.TERMINATED):
        assert kinds(date(2027, 2, 1), status) == []
        assert kinds(date(2026, 2, 1), status) == []
    assert kinds(date(2027, 2, 1), S.SIGNED) == [
        Reminder.REPORT_OVERDUE
    ]  # signed but the payment not recorded
    assert due_reminders(S.PAID, None, date(2027, 2, 1)) == []


def test_a_short_convention_announces_no_extension_window() -> None:
    short = schedule_for(date(2026, 3, 1), 6)  # in the window from its first day
    assert [d.kind for d in due_reminders(S.PAID, short, date(2026, 3, 1))] == []
    assert [d.kind for d in due_reminders(S.PAID, short, date(2026, 3, 1) + timedelta(days=20))] == []


def test_report_lateness() -> None:
    due = SCHEDULE.report_due_on
    assert not is_report_late(S.PAID, due, due)
    assert is_report_late(S.PAID, due, due + timedelta(days=1))
    assert not is_report_late(S.REPORT_RECEIVED, due, due + timedelta(days=1))
    assert not is_report_late(S.TO_SIGN, None, due)
