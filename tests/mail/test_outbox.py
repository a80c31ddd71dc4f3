"""The mail queue: written with the action's commit, forgotten with its rollback, delivered by the worker
at least once and marked sent once; safe headers whatever the text."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from budgetcitoyen.clock import now_utc
from budgetcitoyen.mail import outbox, queue
from budgetcitoyen.mail.models import OutboxMail
from budgetcitoyen.mail.worker import deliver_all, deliver_batch
from tests.conftest import SmtpServer, body_of

UNSAFE_TITLES = [
    "Jardin\r\nBcc: victime@example.org",
    "Jardin\nX-Injected: oui",
    "Jardin\u2028partagé",
    "Jardin\u2029partagé",
    "Jardin\x85partagé",
    "Jardin\x0bpartagé\x0c",
]


def queue_mails(app: Flask, count: int, subject: str = "Bonjour", **kwargs: object) -> None:
    with app.app_context(), app.extensions["db_sessionmaker"]() as session:
        for number in range(count):
            queue(session, f"personne{number}@example.org", subject, "confirm_email",
                  link="http://localhost/x", hours=48, **kwargs)
        session.commit()


def statuses(app: Flask) -> dict[str, int]:
    with app.extensions["db_sessionmaker"]() as session:
        return outbox.counts(session)


def make_due(app: Flask) -> None:
    """As if every wait before a retry were over."""
    with app.extensions["db_sessionmaker"]() as session:
        session.execute(update(OutboxMail).values(next_attempt_at=now_utc()))
        session.commit()


def test_mail_exists_only_if_the_work_commits(app: Flask, smtp: SmtpServer) -> None:
    with app.app_context(), app.extensions["db_sessionmaker"]() as session:
        queue(session, "a@example.org", "Annulé", "confirm_email", link="x", hours=1)
        session.rollback()
        session.commit()  # a later commit does not bring the forgotten mail back
        queue(session, "b@example.org", "Gardé", "confirm_email", link="x", hours=1)
        session.commit()
    assert [str(m["To"]) for m in smtp.messages] == ["b@example.org"]


@pytest.mark.parametrize("title", UNSAFE_TITLES)
def test_no_line_break_of_any_kind_reaches_a_header(app: Flask, smtp: SmtpServer, title: str) -> None:
    queue_mails(app, 1, subject=f"Votre initiative « {title} » : déposée")
    [message] = smtp.messages
    assert message["Subject"] == "Votre initiative « Jardin partagé » : déposée" or message["Subject"] in {
        "Votre initiative « Jardin Bcc: victime@example.org » : déposée",
        "Votre initiative « Jardin X-Injected: oui » : déposée",
    }
    assert message["Bcc"] is None and message["X-Injected"] is None
    assert [str(m["To"]) for m in smtp.messages] == ["personne0@example.org"]


def test_smtp_down_then_up_every_mail_delivered_once(
    app: Flask, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue_mails(app, 12)
    smtp.app = None  # look at the server without delivering
    monkeypatch.setitem(app.config, "MAIL_PORT", 1)  # the mail server is down
    report = deliver_batch(app)
    assert (report.claimed, report.sent, report.retried) == (12, 0, 12)
    assert statuses(app)["queued"] == 12 and smtp.messages == []
    assert deliver_all(app) == 0  # not due yet: waiting before the retry
    monkeypatch.undo()
    make_due(app)
    assert deliver_all(app) == 12
    make_due(app)
    assert deliver_all(app) == 0  # sent once, never again
    recipients = sorted(str(m["To"]) for m in smtp.messages)
    assert recipients == sorted(f"personne{n}@example.org" for n in range(12))
    assert statuses(app) == {"queued": 0, "sending": 0, "sent": 12, "failed": 0}


def test_retries_back_off_then_give_up_and_an_admin_can_retry(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue_mails(app, 1)
    monkeypatch.setitem(app.config, "MAIL_PORT", 1)
    waits = []
    for _ in range(outbox.MAX_ATTEMPTS):
        make_due(app)
        deliver_batch(app)
        with app.extensions["db_sessionmaker"]() as session:
            row = session.scalar(select(OutboxMail))
            waits.append(row.next_attempt_at - now_utc())
    assert row.status == "failed" and row.attempts == outbox.MAX_ATTEMPTS and "Connection" in row.last_error
    assert waits[0] <= timedelta(seconds=30) and timedelta(minutes=59) < waits[-2] <= timedelta(hours=1)
    with app.extensions["db_sessionmaker"]() as session:
        outbox.retry(session, session.get(OutboxMail, row.id), now_utc())
        session.commit()
    assert statuses(app)["queued"] == 1


def test_a_refused_recipient_fails_at_once(app: Flask, smtp: SmtpServer) -> None:
    queue_mails(app, 1)
    with app.extensions["db_sessionmaker"]() as session:
        session.execute(update(OutboxMail).values(recipient="refuse@example.org"))
        session.commit()
    smtp.handler.refuse = {"refuse@example.org"}
    try:
        report = deliver_batch(app)
    finally:
        smtp.handler.refuse = set()
    assert (report.sent, report.failed) == (0, 1)
    assert statuses(app)["failed"] == 1


def test_a_claimed_mail_whose_worker_died_is_claimed_again_after_its_lease(
    app: Flask, smtp: SmtpServer
) -> None:
    queue_mails(app, 3)
    with app.extensions["db_sessionmaker"]() as session:
        claimed = outbox.claim(session, now_utc(), 2)  # a worker takes two, then dies
        session.commit()
    assert len(claimed) == 2
    assert deliver_all(app) == 1  # the others are leased to the dead worker for now
    with app.extensions["db_sessionmaker"]() as session:
        session.execute(update(OutboxMail).where(OutboxMail.status == "sending")
                        .values(claimed_until=now_utc() - timedelta(seconds=1)))
        session.commit()
    assert deliver_all(app) == 2
    assert len(smtp.messages) == 3


def test_private_mails_leave_no_trace_once_delivered(app: Flask, smtp: SmtpServer) -> None:
    with app.app_context(), app.extensions["db_sessionmaker"]() as session:
        queue(session, "votante@example.org", "Votre vote", "confirm_email", private=True, link="x", hours=1)
        queue(session, "autre@example.org", "Bienvenue", "confirm_email", link="x", hours=1)
        session.commit()
    assert len(smtp.messages) == 2
    with app.extensions["db_sessionmaker"]() as session:
        assert session.scalars(select(OutboxMail.recipient)).all() == ["autre@example.org"]


def test_links_are_built_from_the_public_address_outside_a_request(
    app: Flask, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://budget.example.org")
    from budgetcitoyen.mail import Link

    with app.extensions["db_sessionmaker"]() as session:  # no app context: a command's session
        queue(session, "a@example.org", "Lien", "confirm_email", link=Link.to("accounts.login"), hours=1)
        session.commit()
    assert "https://budget.example.org/connexion" in body_of(smtp.messages[0])


def test_counts_by_state(app: Flask) -> None:
    queue_mails(app, 2)
    with app.extensions["db_sessionmaker"]() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMail)) == 2
    assert statuses(app) == {"queued": 2, "sending": 0, "sent": 0, "failed": 0}



def test_the_worker_runs_its_chores_and_one_failing_stops_neither_the_others_nor_the_mail(
    app: Flask, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chores registered by the packages above mail run with `worker --once` and in the loop; a chore that
    raises is logged, the next chore still runs, and the queued mail is still sent."""
    import threading

    from budgetcitoyen.mail import worker

    done: list[str] = []

    def failing(_app: Flask) -> None:
        done.append("failing")
        raise RuntimeError("the database went away")

    def drawing(_app: Flask) -> None:
        done.append("drawing")

    def received() -> int:  # (smtp.messages would run a delivery, and the chores, itself)
        with smtp.handler.lock:
            return len(smtp.handler.messages)

    monkeypatch.setattr(worker, "CHORES", [failing, drawing])
    queue_mails(app, 2)
    assert deliver_all(app) == 2 and done == ["failing", "drawing"] and received() == 2
    # The loop: the chores at its start, then the queue (a mail queued meanwhile is sent).
    queue_mails(app, 1)
    stop = threading.Event()
    loop = threading.Thread(target=worker.run, args=(app,), kwargs={"poll_seconds": 0.05, "stop": stop})
    loop.start()
    try:
        for _ in range(200):
            if received() == 3:
                break
            stop.wait(0.05)
    finally:
        stop.set()
        loop.join(10)
    assert done == ["failing", "drawing"] * 2 and received() == 3
