"""Back-office of the submission phase (/gestion): comptoirs and sign-ups, dossiers and their status. Agents
look and mark attendance; administrators change comptoirs and statuses."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from budgetcitoyen.accounts.models import User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.config import naming
from budgetcitoyen.csv_export import csv_response
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.forms import BaseForm, select_choices
from budgetcitoyen.initiatives import forms, permissions, presenters, rules, services, workshops
from budgetcitoyen.initiatives.models import Initiative, Workshop, WorkshopRegistration
from budgetcitoyen.initiatives.rules import STATUS_LABELS, Status
from budgetcitoyen.web import Access, access, current_actor, db, page_number, perform

bp = Blueprint("initiatives_admin", __name__, url_prefix="/gestion")


def changes_by_admins(actor: User | None, **objects: Any) -> bool:
    """Every agent reads these pages; only administrators send their forms."""
    return request.method == "GET" or permissions.can_manage_submissions(actor)


# --- Comptoirs -------------------------------------------------------------------------------


def _workshop_form() -> forms.WorkshopForm:
    form = forms.WorkshopForm()
    form.territory_id.choices = presenters.territory_choices(db())
    return form


def _saved(form: forms.WorkshopForm, edition: Edition, workshop: Workshop | None = None) -> bool:
    """The comptoir is saved (created or changed); False when the form must be shown again."""
    if not form.validate_on_submit():
        return False
    if not perform(workshops.save_workshop, current_actor(), edition, form.to_input(), now_utc(), workshop,
                   form=form).ok:
        return False
    flash("Comptoir enregistré.", "success")
    return True


@bp.route("/editions/<int:edition_id>/comptoirs", methods=["GET", "POST"], endpoint="workshops")
@access(Access.STAFF, load={"edition_id": Edition}, check=changes_by_admins)
def workshops_of_edition(edition: Edition) -> Any:
    """The comptoirs of an edition; admins add new ones."""
    form = _workshop_form()
    if request.method == "POST" and _saved(form, edition):
        return redirect(url_for(".workshops", edition_id=edition.id))
    return render_template("initiatives/admin_workshops.html", edition=edition, form=form,
                           workshops=presenters.workshops_of(db(), edition)), 200 if not form.errors else 422


@bp.route("/comptoirs/<int:workshop_id>", methods=["GET", "POST"])
@access(Access.STAFF, load={"workshop_id": Workshop}, check=changes_by_admins)
def workshop(workshop: Workshop) -> Any:
    """One comptoir: its sign-ups and attendance; admins edit it."""
    form = _workshop_form()
    if request.method == "GET":
        form.fill_from(workshop)
    elif _saved(form, workshop.edition, workshop):
        return redirect(url_for(".workshop", workshop_id=workshop.id))
    return render_template("initiatives/admin_workshop.html", workshop=workshop, form=form,
                           registrations=presenters.registrations_at(db(), workshop),
                           action_form=BaseForm()), 200 if not form.errors else 422


@bp.route("/inscriptions/<int:registration_id>/presence", methods=["POST"])
@access(Access.STAFF, load={"registration_id": WorkshopRegistration})
def attendance(registration: WorkshopRegistration) -> Any:
    """An agent marks a person present or absent."""
    if not BaseForm().validate_on_submit() or request.form.get("attended") not in ("yes", "no"):
        abort(400)
    if perform(workshops.mark_attendance, current_actor(), registration, request.form["attended"] == "yes",
               now_utc()).ok:
        flash("Présence enregistrée.", "success")
    return redirect(url_for(".workshop", workshop_id=registration.workshop_id))


@bp.route("/editions/<int:edition_id>/inscriptions-comptoirs.csv")
@access(Access.STAFF, load={"edition_id": Edition})
def registrations_csv(edition: Edition) -> Any:
    """All comptoir sign-ups of an edition."""
    return csv_response(f"inscriptions-comptoirs-{edition.year}.csv", presenters.REGISTRATIONS_HEADER,
                        presenters.registration_rows(db(), edition))


# --- Dossiers --------------------------------------------------------------------------------


@bp.route("/dossiers")
@access(Access.STAFF)
def dossiers() -> str:
    """All dossiers, filtered and sorted."""
    filters = presenters.dossier_filters(request.args)
    listing = presenters.dossier_list(db(), filters, page_number())
    return render_template("initiatives/admin_dossiers.html", initiatives=listing.initiatives,
                           total=listing.total, page=listing.page, pages=listing.pages, filters=filters,
                           editions=listing.editions, categories=listing.categories,
                           territories=listing.territories, labels=STATUS_LABELS,
                           pager_args={k: v for k, v in filters.items() if v})


@bp.route("/dossiers.csv")
@access(Access.STAFF)
def dossiers_csv() -> Any:
    """The filtered dossiers as CSV (UTF-8 with BOM)."""
    return csv_response("dossiers.csv", presenters.DOSSIERS_HEADER,
                        presenters.dossier_rows(db(), presenters.dossier_filters(request.args)))


@bp.route("/dossiers/<int:initiative_id>", methods=["GET", "POST"])
@access(Access.STAFF, load={"initiative_id": Initiative}, check=changes_by_admins)
def dossier(initiative: Initiative) -> Any:
    """One dossier with its budget, attachments and history; admins change its status."""
    form = forms.ReasonForm()
    targets = rules.staff_moves(initiative.status_enum)
    form.target.choices = select_choices((t.value, STATUS_LABELS[t]) for t in targets)
    if form.validate_on_submit():
        target = Status(form.target.data)
        if perform(services.move_dossier, current_actor(), initiative, target, form.reason.data or "",
                   form.reopen_until.data, now_utc(), form=form).ok:
            flash(f"Statut changé : {STATUS_LABELS[target]}. Le porteur a été prévenu par e-mail.", "success")
            return redirect(url_for(".dossier", initiative_id=initiative.id))
    lines = rules.budget_of(initiative.budget_lines)
    return render_template(
        "initiatives/admin_dossier.html", initiative=initiative, form=form, targets=targets,
        labels=STATUS_LABELS, totals=rules.budget_totals(lines),
        problems=rules.budget_problems(lines, initiative.amount_asked, naming().au), accounts=rules.ACCOUNTS,
        can_change=permissions.can_manage_submissions(current_actor()),
    ), 200 if not form.errors else 422
