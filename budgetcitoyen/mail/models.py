"""The mail queue: every mail is a row written in the transaction of the action that causes it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from budgetcitoyen.db import Base

QUEUED, SENDING, SENT, FAILED = "queued", "sending", "sent", "failed"


class OutboxMail(Base):
    """One mail to deliver: the whole rendered message, its delivery state and its attempts.

    A worker claims queued rows (a lease: `claimed_until`), sends them and marks them sent. A worker
    that dies leaves its claimed rows to be claimed again once the lease is over: each mail is
    delivered at least once, and twice only if the worker died between the mail server's acceptance
    and the commit that marks it sent.
    """

    __tablename__ = "mail_outbox"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'sending', 'sent', 'failed')", name="known_status"),
        Index("ix_mail_outbox_status_next_attempt_at", "status", "next_attempt_at"),
        CheckConstraint("message IS NOT NULL OR context IS NOT NULL", name="renderable"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(255))
    template: Mapped[str] = mapped_column(String(60))
    # The rendered message; None for a mail rendered by the worker at send time from `template` and
    # `context` (JSON: budgetcitoyen.mail.encode_context), which then keeps the message it sent.
    message: Mapped[bytes | None] = mapped_column(LargeBinary)
    context: Mapped[str | None] = mapped_column(Text)
    # Mails whose text is only the person's business (a ballot receipt names a receipt code) are
    # deleted once delivered: the queue keeps no trace of them.
    keep_after_sending: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(10), default=QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(String(500), default="")
