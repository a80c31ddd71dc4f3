"""Rendering and sending mail (Flask side): real SMTP when a host is configured, otherwise .eml files
in the instance outbox folder."""

from __future__ import annotations

import re
import smtplib
import ssl
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from flask import current_app, render_template, url_for

from budgetcitoyen.mail import Link, MailAttachment, PendingMail, one_line

OUTBOX_NAME = re.compile(r"[0-9T_-]+[0-9a-f]{8}\.eml")


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
    """Render templates/emails/<template>.txt into a plain-text message (plain text reads well everywhere)."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = current_app.config["MAIL_SENDER"]
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
            filename=attachment.filename,
        )
    return message


def deliver(message: EmailMessage) -> bool:
    """Send now; log and return False on failure so the caller can tell the person instead of failing."""
    config = current_app.config
    try:
        if config["MAIL_HOST"]:
            _send_smtp(message, config)
        else:
            _write_outbox(message, Path(config["OUTBOX_FOLDER"]))
    except (OSError, smtplib.SMTPException):
        current_app.logger.exception("mail to %s could not be delivered", message["To"])
        return False
    return True


def send(
    to: str, subject: str, template: str, attachments: tuple[MailAttachment, ...] = (), **context: Any
) -> bool:
    """Build and deliver in one call."""
    return deliver(build_message(to, subject, template, attachments, **context))


def deliver_pending(mails: list[PendingMail]) -> bool:
    """Send what a committed use case queued; False if any mail could not be delivered (each is logged)."""
    delivered = True
    for pending in mails:
        message = build_message(
            pending.to, pending.subject, pending.template, pending.attachments, **pending.context
        )
        if pending.background:
            _deliver_in_background(message)
        else:
            delivered = deliver(message) and delivered
    return delivered


# A few threads per process: a receipt waits for a free one rather than a ballot waiting for SMTP.
_MAIL_THREADS = 4
_background: ThreadPoolExecutor | None = None
_background_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    global _background
    with _background_lock:
        if _background is None:
            # Its threads are joined at interpreter exit, so a clean shutdown still sends what is queued.
            _background = ThreadPoolExecutor(max_workers=_MAIL_THREADS, thread_name_prefix="mail")
        return _background


def _deliver_in_background(message: EmailMessage) -> None:
    """Deliver from a background thread.

    For mails that confirm what is already saved (a ballot receipt): the person does not wait for
    the SMTP server, and a server that is down costs them nothing but the mail (logged). Not tied
    to the response's close, which some servers skip when the client hangs up first.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def _deliver() -> None:
        with app.app_context():
            deliver(message)

    _executor().submit(_deliver)


def _send_smtp(message: EmailMessage, config: Any) -> None:
    host, port, timeout = config["MAIL_HOST"], int(config["MAIL_PORT"]), config["MAIL_TIMEOUT"]
    if config["MAIL_USE_SSL"]:
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    with client:
        if config["MAIL_USE_STARTTLS"]:
            client.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            client.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        client.send_message(message)


def _write_outbox(message: EmailMessage, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S_%f")
    (folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml").write_bytes(bytes(message))


@dataclass(frozen=True)
class OutboxMail:
    """A mail written to the demo outbox."""

    name: str
    to: str
    subject: str
    date: str
    body: str


def list_outbox(folder: Path, limit: int = 200) -> list[OutboxMail]:
    """The newest mails first."""
    if not folder.is_dir():
        return []
    names = sorted((p.name for p in folder.iterdir() if OUTBOX_NAME.fullmatch(p.name)), reverse=True)
    return [read_outbox(folder, name) for name in names[:limit]]


def read_outbox(folder: Path, name: str) -> OutboxMail:
    """One outbox mail; the name is checked so no path outside the outbox can be read."""
    if not OUTBOX_NAME.fullmatch(name):
        raise FileNotFoundError(name)
    with (folder / name).open("rb") as handle:
        parsed = BytesParser(policy=policy.default).parse(handle)
    part = parsed.get_body(preferencelist=("plain",))
    body = part.get_content() if part is not None else ""
    return OutboxMail(name, str(parsed["To"]), str(parsed["Subject"]), str(parsed["Date"]), body)
