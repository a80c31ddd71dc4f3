"""The mail queue's use cases (no Flask): store rendered mails, claim a batch, record each outcome.

Delivery is at least once. A batch is claimed in a short transaction of its own (several workers on
PostgreSQL skip each other's rows with FOR UPDATE SKIP LOCKED; SQLite serialises writers anyway),
each mail is sent, and its outcome is committed at once, one mail at a time, so a worker killed in
the middle of a batch loses nothing: the mails it had not marked are claimed again when their lease
ends, and only the one being handed to the mail server at the instant of the kill can go out twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from budgetcitoyen.errors import Conflict
from budgetcitoyen.mail.models import FAILED, QUEUED, SENDING, SENT, OutboxMail

# How long a claimed mail is reserved for the worker that claimed it before another may take it
# (setting MAIL_CLAIM_LEASE_SECONDS).
LEASE = timedelta(minutes=2)
# After a temporary failure, wait 30 s, 1 min, 2 min… up to an hour; give up after MAX_ATTEMPTS.
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
MAX_ATTEMPTS = 12  # about 8 hours of retries in all


@dataclass(frozen=True)
class RenderedMail:
    """A mail ready to store: the message's bytes and what the queue shows of it; or, for a mail rendered
    at send time (`message` None), its template's name and context (JSON, see mail.encode_context)."""

    recipient: str
    subject: str
    template: str
    message: bytes | None
    keep_after_sending: bool = True
    context: str | None = None

    def __post_init__(self) -> None:
        if (self.message is None) == (self.context is None):
            raise ValueError("a stored mail has either its message or the context to render it with")


@dataclass(frozen=True)
class ClaimedMail:
    """A mail a worker holds for the length of its lease (`message` None: to render from `template` and
    `context` first)."""

    id: int
    recipient: str
    message: bytes | None
    attempts: int
    subject: str = ""
    template: str = ""
    context: str | None = None


def store(session: Session, mails: Sequence[RenderedMail], now: datetime) -> list[OutboxMail]:
    """Queue mails in the session's transaction: they exist only if the action that caused them commits."""
    rows = [
        OutboxMail(created_at=now, recipient=m.recipient, subject=m.subject, template=m.template,
                   message=m.message, context=m.context, keep_after_sending=m.keep_after_sending,
                   status=QUEUED, attempts=0, next_attempt_at=now, last_error="")
        for m in mails
    ]
    session.add_all(rows)
    if rows:
        session.flush()
    return rows


def append(session: Session, mails: Sequence[RenderedMail], now: datetime) -> None:
    """`store` for the commit hook: one Core INSERT, no ORM objects (nothing reads them back), so queuing
    a ballot's receipt costs its statement and little more (issue #14)."""
    session.execute(insert(OutboxMail.__table__), [
        {"created_at": now, "recipient": m.recipient, "subject": m.subject, "template": m.template,
         "message": m.message, "context": m.context, "keep_after_sending": m.keep_after_sending,
         "status": QUEUED, "attempts": 0, "next_attempt_at": now, "last_error": ""}
        for m in mails
    ])


def claim(session: Session, now: datetime, limit: int, lease: timedelta = LEASE) -> list[ClaimedMail]:
    """Reserve up to `limit` due mails (queued and due, or claimed by a worker whose lease ran out).

    The caller commits at once, so other workers see the reservation."""
    due = or_(
        (OutboxMail.status == QUEUED) & (OutboxMail.next_attempt_at <= now),
        (OutboxMail.status == SENDING) & (OutboxMail.claimed_until < now),
    )
    ids = session.scalars(
        select(OutboxMail.id).where(due).order_by(OutboxMail.id).limit(limit).with_for_update(skip_locked=True)
    ).all()
    if not ids:
        return []
    session.execute(
        update(OutboxMail).where(OutboxMail.id.in_(ids))
        .values(status=SENDING, claimed_until=now + lease, attempts=OutboxMail.attempts + 1)
    )
    rows = session.execute(
        select(OutboxMail.id, OutboxMail.recipient, OutboxMail.message, OutboxMail.attempts,
               OutboxMail.subject, OutboxMail.template, OutboxMail.context)
        .where(OutboxMail.id.in_(ids)).order_by(OutboxMail.id)
    ).all()
    return [ClaimedMail(*row) for row in rows]


def _keep_rendered(row: OutboxMail, message: bytes | None) -> None:
    # A mail rendered at send time keeps the message it was sent as, for Gestion → Courriels.
    if row.message is None and message is not None:
        row.message, row.context = message, None


def mark_sent(session: Session, mail_id: int, now: datetime, message: bytes | None = None) -> None:
    """The mail server accepted the mail: done (and forgotten, for a mail not to be kept). `message`: the
    bytes sent, for a mail rendered at send time."""
    row = session.get(OutboxMail, mail_id)
    if row is None:
        return
    if not row.keep_after_sending:
        session.execute(delete(OutboxMail).where(OutboxMail.id == mail_id))
        return
    _keep_rendered(row, message)
    row.status, row.sent_at, row.claimed_until, row.last_error = SENT, now, None, ""


def retry_delay(attempts: int) -> timedelta:
    """30 s after the first failure, doubling, at most an hour."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


def mark_failed(
    session: Session, mail_id: int, error: str, now: datetime, *, permanent: bool,
    message: bytes | None = None,
) -> None:
    """A failed attempt: try again later, or give up (refused for good, or too many attempts)."""
    row = session.get(OutboxMail, mail_id)
    if row is None:
        return
    _keep_rendered(row, message)
    row.last_error = error[:500]
    row.claimed_until = None
    if permanent or row.attempts >= MAX_ATTEMPTS:
        row.status = FAILED
    else:
        row.status = QUEUED
        row.next_attempt_at = now + retry_delay(row.attempts)


def retry(session: Session, mail: OutboxMail, now: datetime) -> None:
    """An administrator asks for a failed (or still waiting) mail to be sent again now."""
    if mail.status not in (FAILED, QUEUED):
        raise Conflict("Ce courriel n'est pas en échec : il n'y a rien à relancer.")
    mail.status, mail.attempts, mail.next_attempt_at, mail.claimed_until = QUEUED, 0, now, None


def counts(session: Session) -> dict[str, int]:
    """How many mails in each state (queue depth, failures), for the admin page and the metrics."""
    found = dict(session.execute(select(OutboxMail.status, func.count()).group_by(OutboxMail.status)).all())
    return {status: int(found.get(status, 0)) for status in (QUEUED, SENDING, SENT, FAILED)}


def purge_sent(session: Session, before: datetime) -> int:
    """Delete mails delivered before `before` (the queue is not an archive)."""
    result = session.execute(delete(OutboxMail).where(OutboxMail.status == SENT, OutboxMail.sent_at < before))
    return result.rowcount or 0
