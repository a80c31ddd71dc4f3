"""Gestion → Courriels: the mail queue (waiting, failed, sent), each mail readable, failures retried."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from budgetcitoyen.clock import now_utc
from budgetcitoyen.forms import BaseForm
from budgetcitoyen.mail import outbox as mail_queue
from budgetcitoyen.mail.delivery import parse_message, render_stored
from budgetcitoyen.mail.models import FAILED, QUEUED, SENDING, SENT, OutboxMail
from budgetcitoyen.web import Access, access, db, perform

bp = Blueprint("mail_admin", __name__, url_prefix="/gestion")

STATUS_LABELS = {QUEUED: "En attente", SENDING: "En cours d'envoi", SENT: "Envoyé", FAILED: "En échec"}
SHOWN = 200


@bp.route("/courriels")
@access(Access.ADMIN)
def outbox() -> str:
    """The newest mails of the queue, filtered by state, with the count of each state."""
    status = request.args.get("etat", "")
    query = select(OutboxMail).order_by(OutboxMail.id.desc()).limit(SHOWN)
    if status in STATUS_LABELS:
        query = query.where(OutboxMail.status == status)
    session = db()
    mails = session.scalars(query).all()
    return render_template("mail/queue.html", mails=mails, counts=mail_queue.counts(session),
                           labels=STATUS_LABELS, status=status if status in STATUS_LABELS else "",
                           smtp_host=current_app.config["MAIL_HOST"], retry_form=BaseForm())


@bp.route("/courriels/<int:mail_id>")
@access(Access.ADMIN, load={"mail_id": OutboxMail})
def outbox_mail(mail: OutboxMail) -> str:
    """One mail as it was sent, its links clickable, with its delivery state."""
    raw = mail.message
    if raw is None:  # queued to be rendered when sent: shown as it will be
        raw = render_stored(current_app._get_current_object(), mail.recipient, mail.subject,  # type: ignore[attr-defined]
                            mail.template, mail.context or "{}")
    return render_template("mail/message.html", mail=mail, message=parse_message(raw),
                           labels=STATUS_LABELS, retry_form=BaseForm())


@bp.route("/courriels/<int:mail_id>/relancer", methods=["POST"])
@access(Access.ADMIN, load={"mail_id": OutboxMail})
def retry(mail: OutboxMail) -> Any:
    """Send a failed mail again now."""
    if BaseForm().validate_on_submit() and perform(mail_queue.retry, mail, now_utc()).ok:
        flash("Le courriel est remis dans la file d'envoi.", "success")
    return redirect(url_for("mail_admin.outbox_mail", mail_id=mail.id))
