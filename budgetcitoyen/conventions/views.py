"""The holder's side of a convention: sending the final report, and downloading it (holder and staff).

The holder's cards on the dashboard are built by budgetcitoyen.conventions.presenters.holder_cards
(imported here too for initiatives.views, until it imports it from presenters).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from budgetcitoyen.accounts.models import User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.config import naming
from budgetcitoyen.conventions import forms, permissions, services
from budgetcitoyen.conventions.models import Convention
from budgetcitoyen.conventions.presenters import fill_indicators, holder_report_prefix
from budgetcitoyen.initiatives import uploads
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.web import Access, access, current_actor, db, or_404, perform, send_stored, storage

bp = Blueprint("conventions", __name__)
EXTENSIONS = {content_type: extension for _, content_type, extension in uploads.SIGNATURES}


def _may_see_report(actor: User | None, initiative: Initiative) -> bool:
    # Without a convention the answer is the same 404 for everyone (the view says so).
    convention = services.convention_of(db(), initiative)
    return convention is None or permissions.can_see(actor, convention)


def _render_report_form(convention: Convention, form: forms.ReportForm, status_code: int = 200) -> Any:
    return render_template("conventions/report_form.html", convention=convention, form=form,
                           can_send=services.report_expected(convention)), status_code


@bp.route("/dossiers/<int:initiative_id>/convention/bilan/envoyer", methods=["GET"])
@access(Access.AUTHENTICATED, load={"initiative_id": Initiative}, check=permissions.is_holder_of)
def report_form(initiative: Initiative) -> Any:
    """The final report's form: the file and the impact indicators, sent together."""
    convention = or_404(services.convention_of(db(), initiative))
    form = forms.ReportForm(formdata=None, prefix=holder_report_prefix(convention))
    if convention.report_impact is not None:
        fill_indicators(form, convention.report_impact)
    return _render_report_form(convention, form)


@bp.route("/dossiers/<int:initiative_id>/convention/bilan", methods=["POST"])
@access(Access.AUTHENTICATED, load={"initiative_id": Initiative}, check=permissions.is_holder_of)
def report_upload(initiative: Initiative) -> Any:
    """The holder sends the final report and its impact indicators; anything refused leaves nothing behind
    (no file, no figures) and shows the form again with every problem."""
    convention = or_404(services.convention_of(db(), initiative))
    form = forms.ReportForm(prefix=holder_report_prefix(convention))
    if form.validate_on_submit():
        outcome = perform(services.send_report, current_actor(), convention, *form.upload(), storage(),
                          now_utc(), as_staff=False, answers=form.answers(), form=form)
        if outcome.ok:
            flash(f"Votre bilan final est envoyé. {naming().service.Le} vous écrira après l'avoir examiné.",
                  "success")
            return redirect(url_for("dashboards.holder", _anchor=f"convention-{convention.id}"))
    elif form.csrf_token.errors:
        abort(400)
    return _render_report_form(convention, form, 422)


@bp.route("/dossiers/<int:initiative_id>/convention/bilan", methods=["GET"])
@access(Access.AUTHENTICATED, load={"initiative_id": Initiative}, check=_may_see_report)
def report_download(initiative: Initiative) -> Any:
    """The final report, to its holder and the ESS service only, always as a download."""
    convention = or_404(services.convention_of(db(), initiative))
    if not convention.report_stored_name:
        abort(404)
    stem = (convention.report_original_name or "").rsplit(".", 1)[0] or "bilan-final"
    response = send_stored(uploads.key_of(convention.report_stored_name),
                           mimetype=convention.report_content_type or "application/octet-stream",
                           download_name=stem + EXTENSIONS.get(convention.report_content_type or "", ""))
    response.headers["Cache-Control"] = "private, no-store"
    return response
