"""Mail that a use case asks for: queued on the session, written to the mail queue by its commit.

This module is plain Python (no Flask): services and notifications call `queue()`, which records a
`PendingMail` on the session. When that session commits, `budgetcitoyen.mail.delivery` renders each
pending mail and writes it to the `mail_outbox` table in the same transaction; the worker
(`budgetcitoyen worker`) sends it. So a mail exists if and only if the action that caused it was
committed, no request ever talks to a mail server, and a rollback forgets the pending mails.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
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
    # Rendered by the worker when it sends the mail, from the template's name and the context stored as
    # JSON (see encode_context), instead of in the request that queued it: for mails of hot paths.
    render_later: bool = False


def queue(
    session: Session,
    to: str,
    subject: str,
    template: str,
    *,
    attachments: tuple[MailAttachment, ...] = (),
    private: bool = False,
    render_later: bool = False,
    **context: Any,
) -> PendingMail:
    """Ask for a mail, sent only if the session's transaction commits. The subject is made one line.

    `render_later`: the mail is stored as its template's name and context and rendered by the worker at
    send time (the request saves the rendering). The context may then hold only plain values, dates and
    Links (checked here, so a mistake fails in the request that makes it, not in the worker), and the
    mail says what they were when it was queued, like a mail rendered at once."""
    if render_later:
        if attachments:
            raise ValueError("a mail rendered later has no attachments")
        encode_context(context)
    mail = PendingMail(to, one_line(subject, limit=200), template, context, attachments, private,
                       render_later)
    if not session.in_transaction():
        session.begin()  # so that a rollback, even before any SQL, forgets the mail
    session.info.setdefault(PENDING_KEY, []).append(mail)
    return mail


def _encoded(value: Any) -> Any:
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, Link):
        return {"link": [value.endpoint, {k: _encoded(v) for k, v in value.values}]}
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if type(value) in (list, tuple):
        return {"list": [_encoded(item) for item in value]}
    if type(value) is dict and all(type(k) is str for k in value):
        return {"dict": {k: _encoded(v) for k, v in value.items()}}
    raise TypeError(f"a mail rendered later cannot hold {type(value).__name__} values in its context")


def _decoded(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    (kind, inner), = value.items()
    if kind == "link":
        return Link.to(inner[0], **{k: _decoded(v) for k, v in inner[1].items()})
    if kind == "datetime":
        return datetime.fromisoformat(inner)
    if kind == "date":
        return date.fromisoformat(inner)
    if kind == "list":
        return [_decoded(item) for item in inner]
    return {k: _decoded(v) for k, v in inner.items()}


def encode_context(context: dict[str, Any]) -> str:
    """A mail's context as JSON text (plain values, dates, datetimes, Links, lists and dicts of them);
    TypeError for anything else (an ORM row, which would be read again at send time, is not stored)."""
    return json.dumps({name: _encoded(value) for name, value in context.items()}, ensure_ascii=False,
                      sort_keys=True)


def decode_context(text: str) -> dict[str, Any]:
    """The context `encode_context` stored."""
    return {name: _decoded(value) for name, value in json.loads(text).items()}


def take_pending(session: Session) -> list[PendingMail]:
    """The mails queued on the session since the last call, removed from it."""
    return session.info.pop(PENDING_KEY, [])


@event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session: Session, previous_transaction: Any) -> None:
    # Work that is rolled back announces nothing.
    if previous_transaction.parent is None:
        session.info.pop(PENDING_KEY, None)
