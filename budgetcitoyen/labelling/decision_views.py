"""Back office of a dossier's review (/gestion): the committee's scores, radar and recusals, the decision
the administrators record (the holder is told), the printable "fiche d'instruction"."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for

from budgetcitoyen.accounts.permissions import is_admin
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.models import Category
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.labelling import admin_presenters, presenters, services
from budgetcitoyen.labelling.forms import DecisionForm, decision_form
from budgetcitoyen.web import Access, access, current_actor, db, perform

bp = Blueprint("labelling_decisions", __name__, url_prefix="/gestion")


def _render(initiative: Initiative, form: DecisionForm, status: int = 200) -> Any:
    return render_template("labelling/admin_decision.html", form=form,
                           can_change=is_admin(current_actor().role_set),
                           **admin_presenters.review_page(db(), initiative)), status


@bp.get("/dossiers/<int:initiative_id>/decision")
@access(Access.STAFF, load={"initiative_id": Initiative})
def decision(initiative: Initiative) -> Any:
    """The committee's review of a dossier; admins record the decision there."""
    return _render(initiative, decision_form(initiative.edition.categories))


@bp.post("/dossiers/<int:initiative_id>/decision")
@access(Access.ADMIN, load={"initiative_id": Initiative})
def decide(initiative: Initiative) -> Any:
    """Record the decision; the holder is told by mail, with the radar."""
    form = decision_form(initiative.edition.categories)
    if form.validate_on_submit():
        category = db().get(Category, form.category_id.data) if form.category_id.data else None
        outcome = perform(services.decide, current_actor(), initiative, form.labelled.data == "yes", category,
                          form.motivation.data or "", now_utc(), form=form,
                          without_evaluations=bool(form.without_evaluations.data))
        if outcome.ok and outcome.value is not None:
            flash(*admin_presenters.decision_message(initiative, outcome.value))
            return redirect(url_for("labelling_decisions.decision", initiative_id=initiative.id))
    return _render(initiative, form, 422)


@bp.route("/dossiers/<int:initiative_id>/radar.<fmt>")
@access(Access.STAFF, load={"initiative_id": Initiative})
def radar_image(initiative: Initiative, fmt: str) -> Any:
    """The committee's radar of a dossier, members' polygons included (never cached by a shared cache)."""
    return presenters.committee_radar(db(), initiative, fmt)


@bp.route("/dossiers/<int:initiative_id>/fiche")
@access(Access.STAFF, load={"initiative_id": Initiative})
def fiche(initiative: Initiative) -> Any:
    """The printable "fiche d'instruction" of a dossier."""
    return render_template("labelling/admin_fiche.html", printed_at=now_utc(),
                           **presenters.dossier_budget(initiative),
                           **admin_presenters.review_page(db(), initiative))
