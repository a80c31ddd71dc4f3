"""The mail worker: claims due mails from the queue and sends them, as a process of its own.

Run as `budgetcitoyen worker` (systemd, a container, or next to the demo server). Several workers
may run at once, on one machine or several: each claims its own batch (see mail/outbox.py).
"""

from __future__ import annotations

import logging
import smtplib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta

from flask import Flask

from budgetcitoyen.clock import now_utc
from budgetcitoyen.mail import outbox
from budgetcitoyen.mail.delivery import PermanentFailure, Transport, render_stored

log = logging.getLogger("budgetcitoyen.mail")

# Chores the packages above mail give the worker (mail cannot import them): each takes the app, does
# what is left to do and returns quickly when there is nothing. Results registers the drawing of published
# charts that the publishing process did not live to draw. Run at the worker's start, then every
# CHORE_SECONDS between passes over the queue, and by `worker --once`.
CHORES: list[Callable[[Flask], None]] = []
CHORE_SECONDS = 60.0


def run_chores(app: Flask) -> None:
    """Each chore once; one that fails is logged and the others still run (the next round retries it)."""
    for chore in CHORES:
        try:
            chore(app)
        except Exception:
            log.exception("worker chore %s failed", chore.__name__)


@dataclass
class BatchReport:
    """What one pass over the queue did."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0


def deliver_batch(app: Flask, limit: int = 50) -> BatchReport:
    """Claim up to `limit` due mails and try each once; every outcome is committed as soon as known."""
    sessions = app.extensions["db_sessionmaker"]
    report = BatchReport()
    with app.app_context():
        with sessions() as session:
            lease = timedelta(seconds=float(app.config["MAIL_CLAIM_LEASE_SECONDS"]))
            claimed = outbox.claim(session, now_utc(), limit, lease)
            session.commit()
        report.claimed = len(claimed)
        if not claimed:
            return report
        with Transport(app.config) as transport:
            for mail in claimed:
                rendered, error = _rendered(app, mail)
                permanent = error is not None
                if rendered is not None:
                    error, permanent = _send(transport, replace(mail, message=rendered))
                with sessions() as session:
                    if error is None:
                        outbox.mark_sent(session, mail.id, now_utc(), message=rendered)
                        report.sent += 1
                    else:
                        outbox.mark_failed(session, mail.id, error, now_utc(), permanent=permanent,
                                           message=rendered)
                        if permanent or mail.attempts >= outbox.MAX_ATTEMPTS:
                            report.failed += 1
                        else:
                            report.retried += 1
                    session.commit()
    return report


def _rendered(app: Flask, mail: outbox.ClaimedMail) -> tuple[bytes | None, str | None]:
    """The message to send: as stored, or rendered now from its template and context (a mail queued with
    render_later). A mail that cannot be rendered (a template gone wrong) fails for good, kept in the queue
    with its error for an administrator to send again once the template is mended."""
    if mail.message is not None:
        return mail.message, None
    try:
        return render_stored(app, mail.recipient, mail.subject, mail.template, mail.context or "{}"), None
    except Exception as error:  # any template error: this mail fails, the batch goes on
        log.exception("mail %s could not be rendered", mail.id)
        return None, f"rendu impossible : {type(error).__name__}: {error}"[:500]


def _send(transport: Transport, mail: outbox.ClaimedMail) -> tuple[str | None, bool]:
    """(None, _) when sent; else (the error, whether it is permanent)."""
    try:
        transport.send(mail.recipient, mail.message)
    except PermanentFailure as error:
        log.warning("mail %s refused for good: %s", mail.id, error)
        return str(error), True
    except (OSError, smtplib.SMTPException) as error:
        log.warning("mail %s not delivered (attempt %s), will retry: %s", mail.id, mail.attempts, error)
        return f"{type(error).__name__}: {error}", False
    return None, False


def deliver_all(app: Flask, limit: int = 200) -> int:
    """Send everything due now (tests, `worker --once`); returns how many mails were sent."""
    run_chores(app)
    sent = 0
    while True:
        report = deliver_batch(app, limit)
        sent += report.sent
        if report.claimed < limit:
            return sent


def run(
    app: Flask, *, poll_seconds: float = 1.0, batch: int = 50, stop: threading.Event | None = None
) -> None:
    """Deliver until `stop` is set: a full batch is followed at once by the next, an empty queue is
    looked at again after `poll_seconds`."""
    stop = stop or threading.Event()
    log.info("mail worker started (batch %s, poll %.1f s)", batch, poll_seconds)
    chores_due = time.monotonic()
    while not stop.is_set():
        if time.monotonic() >= chores_due:
            run_chores(app)
            chores_due = time.monotonic() + CHORE_SECONDS
        try:
            report = deliver_batch(app, batch)
        except Exception:  # the database went away for a moment: wait and carry on
            log.exception("mail worker pass failed; retrying in %.1f s", poll_seconds)
            stop.wait(poll_seconds)
            continue
        if report.claimed < batch:
            stop.wait(poll_seconds)
    log.info("mail worker stopped")
