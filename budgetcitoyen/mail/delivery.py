"""Rendering and sending mail (Flask side).

- At commit: every mail a use case queued (`budgetcitoyen.mail.queue`) is rendered from
  templates/emails/<template>.txt and written to the mail queue in the same transaction
  (`install_commit_hook`, a `before_commit` listener): no mail for work that was rolled back, and
  no mail lost for work that was committed.
- In the worker (`budgetcitoyen.mail.worker`): the transport that hands a rendered message to the
  SMTP server, keeping one SMTP connection for a whole batch. Without a configured server (the demo)
  nothing leaves the machine: mails are marked delivered and read in Gestion → Courriels.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid
from types import TracebackType
from typing import Any

from flask import Flask, current_app, has_app_context, has_request_context, render_template, request, url_for
from sqlalchemy import event
from sqlalchemy.orm import Session

from budgetcitoyen.clock import now_utc
from budgetcitoyen.mail import (
    Link,
    MailAttachment,
    PendingMail,
    decode_context,
    encode_context,
    one_line,
    queue,
    take_pending,
)
from budgetcitoyen.mail.outbox import RenderedMail, append

# In the stored context of a mail rendered at send time: the site's address the links are built against,
# when PUBLIC_URL is not set.
BASE_URL_KEY = "_base_url"


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link for a mail: from PUBLIC_URL when set, so a forged Host header cannot redirect it."""
    base = current_app.config.get("PUBLIC_URL")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def _resolve(value: Any) -> Any:
    """A Link becomes its absolute URL, also inside a list or a tuple (dossiers listed with their links)."""
    if isinstance(value, Link):
        return external_url(value.endpoint, **dict(value.values))
    if type(value) in (list, tuple):
        return type(value)(_resolve(item) for item in value)
    return value


def build_message(
    to: str, subject: str, template: str, attachments: tuple[MailAttachment, ...] = (), **context: Any
) -> EmailMessage:
    """Render templates/emails/<template>.txt into a plain-text message (plain text reads well everywhere).

    Every header is one line whatever the text it is built from (a title with a line break cannot
    add a header)."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = one_line(current_app.config["MAIL_SENDER"])
    message["To"] = one_line(to)
    message["Subject"] = one_line(subject)
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="budget-citoyen.localhost")
    body = render_template(f"emails/{template}.txt", **{name: _resolve(v) for name, v in context.items()})
    message.set_content(body, charset="utf-8")
    for attachment in attachments:
        message.add_attachment(
            attachment.content,
            maintype=attachment.maintype,
            subtype=attachment.subtype,
            filename=one_line(attachment.filename),
        )
    return message


def render(pending: PendingMail) -> RenderedMail:
    """A queued mail made into the bytes the worker will send (or, for a mail rendered at send time, into
    its stored context).

    A private mail is deleted once delivered, except without a mail server (the demo), where the
    queue is the only place to read it."""
    keep = not pending.private or not current_app.config["MAIL_HOST"]
    if pending.render_later:
        context = dict(pending.context)
        if not current_app.config.get("PUBLIC_URL") and has_request_context():
            # Links are built at send time against the address this request came to, as they would
            # have been now (with PUBLIC_URL set, against it, whatever the request's Host).
            context[BASE_URL_KEY] = request.url_root
        return RenderedMail(one_line(pending.to), one_line(pending.subject), pending.template, None,
                            keep_after_sending=keep, context=encode_context(context))
    message = build_message(pending.to, pending.subject, pending.template, pending.attachments,
                            **pending.context)
    return RenderedMail(one_line(pending.to), str(message["Subject"]), pending.template, bytes(message),
                        keep_after_sending=keep)


def render_stored(app: Flask, recipient: str, subject: str, template: str, context: str) -> bytes:
    """The message of a mail stored to be rendered at send time (the worker, or the admin reading it)."""
    values = decode_context(context)
    base_url = values.pop(BASE_URL_KEY, None) or app.config.get("PUBLIC_URL") or "http://localhost"
    with app.test_request_context("/", base_url=base_url):
        return bytes(build_message(recipient, subject, template, **values))


def write_queued(session: Session) -> None:
    """Write the mails queued so far into the mail queue now, in the session's transaction, rather than
    when it commits (nothing is left for the commit to write). For a use case that takes a busy row lock
    just before committing (the ballot's per-address count, which every voter of one town hall's address
    waits for): the mail's row is written before it, so the lock is held for the commit alone."""
    _store_pending_mail(session)


def _store_pending_mail(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released inside the work (before_commit fires for it too): wait for the end
    pending = take_pending(session)
    if not pending:
        return
    if has_request_context():
        append(session, [render(mail) for mail in pending], now_utc())
        return
    # A command, the worker or a test: links are built against the public address.
    app = current_app._get_current_object() if has_app_context() else session.info.get("app")  # type: ignore[attr-defined]
    if app is None:
        raise RuntimeError("mail queued on a session of no application: it cannot be rendered")
    with app.test_request_context("/", base_url=app.config.get("PUBLIC_URL") or "http://localhost"):
        append(session, [render(mail) for mail in pending], now_utc())


_hook_installed = False


def install_commit_hook() -> None:
    """Write the queued mails to the mail queue when, and in the transaction where, their work commits."""
    global _hook_installed
    if not _hook_installed:
        event.listen(Session, "before_commit", _store_pending_mail)
        _hook_installed = True


# --- Transport (the worker's side) -------------------------------------------------------------


class PermanentFailure(Exception):
    """The mail server refused the mail for good (unknown recipient…): retrying will not help."""


class Transport:
    """Hands rendered messages to the configured SMTP server, one connection per batch. Without a
    server (the demo), delivery is a no-op: the mail stays readable in the queue."""

    def __init__(self, config: Any) -> None:
        self.config = config
        self.client: smtplib.SMTP | None = None

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def send(self, recipient: str, message: bytes) -> None:
        """Deliver one message; PermanentFailure when refused for good, OSError/SMTPException otherwise."""
        if not self.config["MAIL_HOST"]:
            return
        try:
            client = self._connected()
            refused = client.sendmail(_envelope_sender(self.config), [recipient], message)
        except smtplib.SMTPRecipientsRefused as error:
            raise PermanentFailure(f"destinataire refusé : {error.recipients}") from error
        except smtplib.SMTPResponseException as error:
            self.close()
            if 500 <= error.smtp_code < 600:
                raise PermanentFailure(f"{error.smtp_code} {error.smtp_error!r}") from error
            raise
        except (OSError, smtplib.SMTPException):
            self.close()
            raise
        if refused:
            raise PermanentFailure(f"destinataire refusé : {refused}")

    def _connected(self) -> smtplib.SMTP:
        if self.client is None:
            config = self.config
            host, port, timeout = config["MAIL_HOST"], int(config["MAIL_PORT"]), config["MAIL_TIMEOUT"]
            if config["MAIL_USE_SSL"]:
                client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                                        context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(host, port, timeout=timeout)
            if config["MAIL_USE_STARTTLS"]:
                client.starttls(context=ssl.create_default_context())
            if config["MAIL_USERNAME"]:
                client.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            self.client = client
        return self.client

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.quit()
            except (OSError, smtplib.SMTPException):
                self.client.close()
            self.client = None


def _envelope_sender(config: Any) -> str:
    sender = str(config["MAIL_SENDER"])
    match = re.search(r"<([^>]+)>", sender)
    return match.group(1) if match else sender


@dataclass(frozen=True)
class ReadableMail:
    """A stored message's headers and plain-text body, to read it on a page."""

    to: str
    subject: str
    date: str
    body: str


def parse_message(raw: bytes) -> ReadableMail:
    """The headers and plain-text body of a stored message."""
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    part = parsed.get_body(preferencelist=("plain",))
    body = part.get_content() if part is not None else ""
    return ReadableMail(str(parsed["To"]), str(parsed["Subject"]), str(parsed["Date"]), body)


def send(
    to: str, subject: str, template: str, attachments: tuple[MailAttachment, ...] = (), **context: Any
) -> bool:
    """Transitional, for callers not yet moved to `budgetcitoyen.mail.queue`: queue one mail on the
    current session; committed with the caller's work if it holds some, else at once. Always True:
    the queue, not the caller, now deals with delivery failures."""
    from budgetcitoyen.db import get_session, has_pending_work

    session = get_session()
    holds_work = has_pending_work(session)
    queue(session, to, subject, template, attachments=attachments, **context)
    if not holds_work:
        session.commit()
    return True
