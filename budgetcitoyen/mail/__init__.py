"""Mail that a use case asks for: queued on the session, written to the mail queue by its commit.

This module is plain Python (no Flask): services and notifications call `queue()`, which records a
`PendingMail` on the session. When that session commits, `budgetcitoyen.mail.delivery` renders each
pending mail and writes it to the `mail_outbox` table in the same transaction; the worker
(`budgetcitoyen worker`) sends it. So a mail exists if and only if the action that caused it was
committed, no request ever talks to a mail server, and a rollback forgets the pending mails.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

PENDING_KEY = "pending_mail"

# Every character a mail header must not carry: line breaks of any kind (CR, LF, NEL, the Unicode
# line and paragraph separators, vertical tab, form feed) and the other control characters.
_UNSAFE_IN_HEADER = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(text: str, limit: int | None = None) -> str:
    """Text made safe for a mail header: control characters and line breaks become one space."""
    flat = " ".join(_UNSAFE_IN_HEADER.sub(" ", text).split())
    if limit is not None and len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return flat


@dataclass(frozen=True)
class Link:
    """An absolute link to a page of the site, built when the mail is rendered (from PUBLIC_URL)."""

    endpoint: str
    values: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def to(cls, endpoint: str, **values: Any) -> Link:
        """Link.to("accounts.confirm", token=...)."""
        return cls(endpoint, tuple(sorted(values.items())))


@dataclass(frozen=True)
class MailAttachment:
    """A file joined to a mail (the radar of a decision, for instance)."""

    filename: str
    content: bytes
    maintype: str
    subtype: str


@dataclass(frozen=True)
class PendingMail:
    """A mail a use case asked for: rendered from templates/emails/<template>.txt once committed."""

    to: str
    subject: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    attachments: tuple[MailAttachment, ...] = ()
    # A private mail (a ballot receipt: it names the receipt code) is deleted from the queue once
    # delivered, so the database keeps no trace tying the address to the code.
    private: bool = False


def queue(
    session: Session,
    to: str,
    subject: str,
    template: str,
    *,
    attachments: tuple[MailAttachment, ...] = (),
    private: bool = False,
    **context: Any,
) -> PendingMail:
    """Ask for a mail, sent only if the session's transaction commits. The subject is made one line."""
    mail = PendingMail(to, one_line(subject, limit=200), template, context, attachments, private)
    if not session.in_transaction():
        session.begin()  # so that a rollback, even before any SQL, forgets the mail
    session.info.setdefault(PENDING_KEY, []).append(mail)
    return mail


def take_pending(session: Session) -> list[PendingMail]:
    """The mails queued on the session since the last call, removed from it."""
    return session.info.pop(PENDING_KEY, [])


@event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session: Session, previous_transaction: Any) -> None:
    # Work that is rolled back announces nothing.
    if previous_transaction.parent is None:
        session.info.pop(PENDING_KEY, None)
