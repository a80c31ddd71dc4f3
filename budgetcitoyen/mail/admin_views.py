"""Back-office pages of the demo outbox (/gestion/courriels): the mails written to the instance folder
when no SMTP server is configured."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, render_template

from budgetcitoyen.mail import delivery
from budgetcitoyen.web import Access, access

bp = Blueprint("mail_admin", __name__, url_prefix="/gestion/courriels")


def _outbox() -> Path:
    return Path(current_app.config["OUTBOX_FOLDER"])


@bp.route("")
@access(Access.ADMIN)
def outbox() -> str:
    """Mails written to the outbox (demo without SMTP)."""
    return render_template("mail/admin_outbox.html", mails=delivery.list_outbox(_outbox()),
                           smtp_host=current_app.config["MAIL_HOST"])


@bp.route("/<name>")
@access(Access.ADMIN)
def outbox_mail(name: str) -> str:
    """One outbox mail, with its links clickable."""
    try:
        message = delivery.read_outbox(_outbox(), name)
    except FileNotFoundError:
        abort(404)
    return render_template("mail/admin_outbox_mail.html", message=message)
