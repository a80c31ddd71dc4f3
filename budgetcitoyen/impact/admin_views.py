"""The ESS service's impact page (/gestion/impact): the figures, who was asked and who answered, and
sending a year's survey (administrators)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from budgetcitoyen.accounts.permissions import is_admin
from budgetcitoyen.clock import now_utc, to_local
from budgetcitoyen.impact import forms, presenters, services
from budgetcitoyen.web import Access, access, current_actor, db, or_404, perform, secret_key

bp = Blueprint("impact_admin", __name__, url_prefix="/gestion")


def _render(form: forms.SendForm, status_code: int = 200) -> Any:
    figures, campaigns = or_404(presenters.chosen(db(), request.args.get("enquete")))
    invitations = services.invitations_of(db(), figures.campaign) if figures is not None else []
    actor = current_actor()
    return render_template("impact/admin.html", **presenters.page(figures, campaigns), form=form,
                           invitations=invitations, can_send=is_admin(actor.role_set)), status_code


@bp.route("/impact")
@access(Access.STAFF)
def overview() -> Any:
    """The survey's figures as the public sees them, plus each winner asked and its answer."""
    return _render(forms.SendForm(formdata=None, year=to_local(now_utc()).year))


@bp.route("/impact/envoyer", methods=["POST"])
@access(Access.ADMIN)
def send() -> Any:
    """Mail a year's survey (through the mail queue) to the past winners not yet asked for that year."""
    form = forms.SendForm()
    if form.validate_on_submit():
        outcome = perform(services.send_survey, current_actor(), form.year.data, secret_key(), now_utc(),
                          form=form)
        if outcome.ok and outcome.value is not None:
            sent = outcome.value
            message = (f"Enquête {sent.campaign.year} : {sent.queued} courriel(s) mis en file d'envoi, "
                       f"{sent.already} lauréat(s) déjà interrogé(s).")
            if sent.without_address:
                message += f" Sans adresse : {', '.join(sent.without_address)}."
            flash(message, "success")
            return redirect(url_for(".overview", enquete=sent.campaign.year))
    return _render(form, 422)
