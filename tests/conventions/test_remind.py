"""`budgetcitoyen remind` with a frozen date: each reminder reaches the SMTP server once, and only once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from budgetcitoyen.accounts.models import Role, User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.conventions import reminders
from budgetcitoyen.conventions.models import ConventionReminder
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.mail import take_pending
from budgetcitoyen.mail.models import OutboxMail
from budgetcitoyen.mail.worker import deliver_all
from budgetcitoyen.web import run_use_case
from tests.conftest import SmtpServer, body_of
from tests.conventions.helpers import make_convention


@pytest.fixture
def convention(
    app: Flask,
    make_user: Callable[..., User],
    make_edition: Callable[..., Edition],
    add_winner: Callable[..., int],
    smtp: SmtpServer,
) -> int:
    """Signed and paid on 31 January 2026: ends 31 July 2027, report due 31 January 2028. The mails of
    the signature and the payment are forgotten: the tests count reminders."""
    edition = make_edition(year=2026)
    admin, holder = make_user(roles=(Role.ADMIN,)), make_user(email="porteuse@example.org")
    convention_id = make_convention(
        app, add_winner(edition, holder), admin, signed_on=date(2026, 1, 31), paid=True
    )
    smtp.clear()
    return convention_id


def remind(app: Flask, day: str, *extra: str) -> tuple[int, str]:
    """Run the command as cron would, on a frozen day; the output holds what it printed (errors included)."""
    result = app.test_cli_runner().invoke(args=["remind", "--date", day, *extra])
    return result.exit_code, result.output


def test_each_reminder_is_sent_once_on_its_day(
    app: Flask, convention: int, smtp: SmtpServer, db_session
) -> None:
    code, output = remind(app, "2027-01-30")
    assert code == 0 and "Aucun rappel à envoyer le 30/01/2027." in output and smtp.messages == []

    # The extension window opens six months before the end.
    code, output = remind(app, "2027-01-31")
    assert code == 0, output
    assert "Envoyé à porteuse@example.org" in output and "1 rappel envoyé le 31/01/2027." in output
    [mail] = smtp.messages
    assert str(mail["To"]) == "porteuse@example.org"
    assert "prolongation" in str(mail["Subject"]).lower()
    body = body_of(mail)
    assert "31 juillet 2027" in body and "prolongation exceptionnelle" in body
    assert "http://localhost/mon-espace#convention-" in body

    # Run again the same day, and the next days: nothing more for that step.
    assert remind(app, "2027-01-31")[0] == 0
    assert remind(app, "2027-02-15")[1].startswith("Aucun rappel")
    assert len(smtp.messages) == 1

    # Thirty days before the report's due date, then once late.
    remind(app, "2028-01-01")
    assert len(smtp.messages) == 2 and "31 janvier 2028" in body_of(smtp.messages[-1])
    remind(app, "2028-01-20")
    remind(app, "2028-02-01")
    assert len(smtp.messages) == 3
    assert "en retard" in str(smtp.messages[-1]["Subject"])
    # Narrow no-break spaces in French amounts.
    assert "remboursement de la totalité des sommes versées (8\u202f000,00\xa0€)" in body_of(
        smtp.messages[-1]
    )
    remind(app, "2028-02-02")
    remind(app, "2029-01-01")
    assert len(smtp.messages) == 3
    kinds = db_session.scalars(select(ConventionReminder.kind).order_by(ConventionReminder.id)).all()
    assert kinds == ["extension_window", "report_due_soon", "report_overdue"]


def test_a_first_run_after_the_due_date_sends_only_what_is_true_today(
    app: Flask, convention: int, smtp: SmtpServer
) -> None:
    # The command was never run before: the holder gets "late", not "due in 30 days" as well.
    code, output = remind(app, "2028-03-01")
    assert code == 0, output
    assert [str(m["Subject"]).split(" — ")[0] for m in smtp.messages] == ["Bilan final en retard"]


def test_dry_run_sends_and_records_nothing(app: Flask, convention: int, smtp: SmtpServer, db_session) -> None:
    code, output = remind(app, "2027-01-31", "--dry-run")
    assert code == 0
    assert "[simulation] À envoyer à porteuse@example.org" in output and "rien n'a été envoyé" in output
    assert smtp.messages == []
    assert db_session.scalar(select(func.count()).select_from(ConventionReminder)) == 0
    remind(app, "2027-01-31")
    assert len(smtp.messages) == 1


def test_a_reminder_queued_while_smtp_is_down_goes_out_once_it_is_back(
    app: Flask, convention: int, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch, db_session
) -> None:
    # The reminder is booked and queued in one transaction; the mail server being down is the mail
    # worker's business (it retries), so the command succeeds and never books the reminder twice.
    monkeypatch.setitem(app.config, "MAIL_PORT", 1)  # nobody listens there
    code, output = remind(app, "2027-01-31")
    assert code == 0, output
    smtp.app = None  # read the SMTP server without delivering
    assert deliver_all(app) == 0 and smtp.messages == []
    queued = db_session.scalars(select(OutboxMail).where(OutboxMail.status != "sent")).all()
    assert [(m.status, m.attempts) for m in queued] == [("queued", 1)]
    assert "ConnectionRefused" in queued[0].last_error
    assert db_session.scalar(select(func.count()).select_from(ConventionReminder)) == 1
    monkeypatch.undo()
    assert remind(app, "2027-02-01")[1].startswith("Aucun rappel")  # booked: never queued twice
    with app.extensions["db_sessionmaker"]() as session:  # the retry is due (as if its wait was over)
        session.execute(update(OutboxMail).values(next_attempt_at=now_utc()))
        session.commit()
    smtp.app = app
    assert len(smtp.messages) == 1


def test_a_reminder_booked_by_another_run_queues_no_mail(
    app: Flask, convention: int, smtp: SmtpServer
) -> None:
    # Two runs saw the same due reminder; the first books it with its mail, the second gets nothing.
    day, now = date(2027, 1, 31), datetime(2027, 1, 31, 12, tzinfo=UTC)
    sessions = app.extensions["db_sessionmaker"]
    with sessions() as late, sessions() as early, app.test_request_context():
        [stale] = reminders.pending_reminders(late, day)
        late.rollback()
        [fresh] = reminders.pending_reminders(early, day)
        booking = run_use_case(early, reminders.book_reminder, fresh, now)
        assert booking is not None
        early.rollback()  # rendering the mail read in a new transaction: SQLite allows one writer
        assert reminders.book_reminder(late, stale, now) is None
        assert take_pending(late) == []
    assert len(smtp.messages) == 1


def test_no_reminder_once_the_initiative_is_abandoned(app: Flask, convention: int, smtp: SmtpServer) -> None:
    with app.extensions["db_sessionmaker"]() as session:
        session.scalar(select(Initiative)).status = Status.ABANDONED.value
        session.commit()
    assert remind(app, "2028-03-01")[1].startswith("Aucun rappel")
    assert smtp.messages == []


def test_links_use_the_public_address(
    app: Flask, convention: int, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://budget.example.org")
    remind(app, "2027-01-31")
    assert "https://budget.example.org/mon-espace#convention-" in body_of(smtp.messages[0])


def test_a_bad_date_is_refused(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["remind", "--date", "31/01/2027"])
    assert result.exit_code == 2


@pytest.mark.postgres_only
def test_two_machines_running_remind_at_once_book_and_mail_each_reminder_once(
    app: Flask, convention: int, smtp: SmtpServer, db_session
) -> None:
    """The race itself, on PostgreSQL: the second run's insert waits on the first's uncommitted booking,
    then meets the unique key and queues nothing."""
    import threading

    if app.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("SQLite has one writer: no two runs book at once")
    day, now = date(2027, 1, 31), datetime(2027, 1, 31, 12, tzinfo=UTC)
    sessions = app.extensions["db_sessionmaker"]
    outcome: dict[str, int | None] = {}
    with sessions() as first, app.test_request_context():
        [due] = reminders.pending_reminders(first, day)
        assert reminders.book_reminder(first, due, now) is not None  # booked, not committed yet

        def second_machine() -> None:
            with sessions() as second, app.test_request_context():
                [seen] = reminders.pending_reminders(second, day)  # the first booking is not visible
                outcome["second"] = run_use_case(second, reminders.book_reminder, seen, now)

        other = threading.Thread(target=second_machine)
        other.start()
        other.join(timeout=1.0)
        assert other.is_alive()  # its insert waits on the first booking's unique key
        first.commit()
        other.join(timeout=10)
    assert outcome == {"second": None}
    assert db_session.scalar(select(func.count()).select_from(ConventionReminder)) == 1
    assert len(smtp.messages) == 1
