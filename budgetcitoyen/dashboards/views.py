"""The holder's space (/mon-espace: initiatives, comptoir, conventions) and a dossier's attachments, which its
holder, the ESS service and the committee members reviewing it read. Both need several domains, so they
sit above them all."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template

from budgetcitoyen.accounts.models import User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.conventions.presenters import holder_cards
from budgetcitoyen.editions.services import current_edition
from budgetcitoyen.forms import BaseForm
from budgetcitoyen.initiatives import permissions, presenters, uploads, workshops
from budgetcitoyen.initiatives.models import Attachment, Initiative
from budgetcitoyen.initiatives.rules import STATUS_LABELS
from budgetcitoyen.labelling.services import can_score
from budgetcitoyen.web import Access, access, current_actor, db, send_stored

bp = Blueprint("dashboards", __name__)
# The extension follows the checked content, whatever name was uploaded (no "a.html" served as PDF).
EXTENSIONS = {content_type: extension for _, content_type, extension in uploads.SIGNATURES}


@bp.route("/mon-espace")
@access(Access.AUTHENTICATED)
def holder() -> str:
    """My initiatives and my comptoir, with what to do next, and my conventions."""
    session, actor, now = db(), current_actor(), now_utc()
    edition = current_edition(session)
    registration = workshops.registration_of(session, edition, actor) if edition else None
    return render_template("dashboards/holder.html", edition=edition, registration=registration,
                           initiatives=presenters.holder_initiatives(session, actor),
                           labels=STATUS_LABELS, can_edit=permissions.can_edit_dossier, now=now,
                           action_form=BaseForm(), **holder_cards(session, actor, now))


def may_read_attachments(actor: User | None, initiative: Initiative, attachment: Attachment) -> bool:
    """The holder and the ESS service, or a committee member while reviewing the dossier (labelling says)."""
    reviewing = actor is not None and can_score(db(), initiative, actor)
    return permissions.can_view_dossier(actor, initiative, reviewing=reviewing)


@bp.route("/dossiers/<int:initiative_id>/pieces/<int:attachment_id>")
@access(Access.AUTHENTICATED, load={"initiative_id": Initiative, "attachment_id": Attachment},
        check=may_read_attachments)
def dossier_attachment(initiative: Initiative, attachment: Attachment) -> Any:
    """Serve an attachment to those who may read the dossier, never inline as HTML."""
    if attachment.initiative_id != initiative.id:
        abort(404)
    stem = attachment.original_name.rsplit(".", 1)[0] or "piece-jointe"
    response = send_stored(uploads.key_of(attachment.stored_name), mimetype=attachment.content_type,
                           download_name=stem + EXTENSIONS.get(attachment.content_type, ""))
    response.headers["Cache-Control"] = "private, no-store"
    return response
