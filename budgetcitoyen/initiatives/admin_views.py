"""Back-office of the submission phase (/gestion): comptoirs and sign-ups, dossiers and their status."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from budgetcitoyen.accounts.models import User
from budgetcitoyen.clock import local_midnight, local_zone, now_utc, to_local
from budgetcitoyen.csv_export import csv_response
from budgetcitoyen.editions.models import Category, Edition
from budgetcitoyen.errors import DomainError
from budgetcitoyen.forms import BaseForm, select_choices
from budgetcitoyen.initiatives import forms, rules, services
from budgetcitoyen.initiatives.models import Initiative, Workshop, WorkshopRegistration
from budgetcitoyen.initiatives.views import notify_status
from budgetcitoyen.initiatives.workflow import STATUS_LABELS, Actor, Status, allowed_targets
from budgetcitoyen.reference.models import Territory
from budgetcitoyen.web import Access, access, current_actor, db, get_or_404, id_param, page_number

bp = Blueprint("initiatives_admin", __name__, url_prefix="/gestion")
PAGE_SIZE = 50
SORTS = {
    "recent": Initiative.updated_at.desc(),
    "titre": Initiative.title,
    "montant": Initiative.amount_asked.desc(),
    "depot": Initiative.filed_at.desc(),
}



def _territory_choices() -> Any:
    return select_choices(db().execute(select(Territory.id, Territory.name).order_by(Territory.name)))


# --- Comptoirs -------------------------------------------------------------------------------


def _workshop_input(form: forms.WorkshopForm) -> services.WorkshopInput:
    day = form.day.data
    starts = datetime.combine(day, form.starts.data, tzinfo=local_zone())
    ends = datetime.combine(day, form.ends.data, tzinfo=local_zone())
    return services.WorkshopInput(form.territory_id.data, form.host_structure.data.strip(), form.address.data.strip(),
                                  starts, ends, form.capacity.data)


def _save_workshop(form: forms.WorkshopForm, edition: Edition, workshop: Workshop | None = None) -> bool:
    """Admins only: validate, save (create or change), commit; False when the form must be shown again."""
    if not services.is_staff_admin(current_actor()):
        abort(403)
    if not form.validate_on_submit():
        return False
    session = db()
    try:
        services.save_workshop(session, current_actor(), edition, _workshop_input(form), now_utc(), workshop)
    except DomainError as error:
        session.rollback()
        form.add_error(error.field, error.message)
        return False
    session.commit()
    flash("Comptoir enregistré.", "success")
    return True


@bp.route("/editions/<int:edition_id>/comptoirs", methods=["GET", "POST"])
@access(Access.STAFF)
def workshops(edition_id: int) -> Any:
    """The comptoirs of an edition; admins add new ones."""
    edition = get_or_404(Edition, edition_id)
    session = db()
    form = forms.WorkshopForm()
    form.territory_id.choices = _territory_choices()
    if request.method == "POST" and _save_workshop(form, edition):
        return redirect(url_for("initiatives_admin.workshops", edition_id=edition.id))
    rows = session.scalars(select(Workshop).where(Workshop.edition_id == edition.id).order_by(Workshop.starts_at)).all()
    return render_template("initiatives/admin_workshops.html", edition=edition, workshops=rows, form=form), \
        200 if not form.errors else 422


@bp.route("/comptoirs/<int:workshop_id>", methods=["GET", "POST"])
@access(Access.STAFF)
def workshop(workshop_id: int) -> Any:
    """One comptoir: its sign-ups and attendance; admins edit it."""
    workshop = get_or_404(Workshop, workshop_id)
    session = db()
    form = forms.WorkshopForm()
    form.territory_id.choices = _territory_choices()
    if request.method == "GET":
        form.process(data={"territory_id": workshop.territory_id, "host_structure": workshop.host_structure,
                           "address": workshop.address, "day": to_local(workshop.starts_at).date(),
                           "starts": to_local(workshop.starts_at).time(), "ends": to_local(workshop.ends_at).time(),
                           "capacity": workshop.capacity})
    elif _save_workshop(form, workshop.edition, workshop):
        return redirect(url_for("initiatives_admin.workshop", workshop_id=workshop.id))
    registrations = session.scalars(
        select(WorkshopRegistration).where(WorkshopRegistration.workshop_id == workshop.id)
        .options(selectinload(WorkshopRegistration.user)).order_by(WorkshopRegistration.created_at)).all()
    return render_template("initiatives/admin_workshop.html", workshop=workshop, registrations=registrations,
                           form=form, action_form=BaseForm()), 200 if not form.errors else 422


@bp.route("/inscriptions/<int:registration_id>/presence", methods=["POST"])
@access(Access.STAFF)
def attendance(registration_id: int) -> Any:
    """An agent marks a person present or absent."""
    registration = get_or_404(WorkshopRegistration, registration_id)
    if not BaseForm().validate_on_submit() or request.form.get("attended") not in ("yes", "no"):
        abort(400)
    session = db()
    services.mark_attendance(session, current_actor(), registration, request.form["attended"] == "yes", now_utc())
    session.commit()
    flash("Présence enregistrée.", "success")
    return redirect(url_for("initiatives_admin.workshop", workshop_id=registration.workshop_id))


@bp.route("/editions/<int:edition_id>/inscriptions-comptoirs.csv")
@access(Access.STAFF)
def registrations_csv(edition_id: int) -> Any:
    """All comptoir sign-ups of an edition."""
    edition = get_or_404(Edition, edition_id)
    rows = db().execute(
        select(Territory.name, Workshop.starts_at, Workshop.host_structure, User.email,
               WorkshopRegistration.created_at, WorkshopRegistration.attended)
        .join(Workshop, WorkshopRegistration.workshop_id == Workshop.id)
        .join(Territory, Workshop.territory_id == Territory.id)
        .join(User, WorkshopRegistration.user_id == User.id)
        .where(WorkshopRegistration.edition_id == edition.id)
        .order_by(Workshop.starts_at, WorkshopRegistration.created_at))
    presence = {True: "présent", False: "absent", None: ""}
    return csv_response(
        f"inscriptions-comptoirs-{edition.year}.csv",
        ["Territoire", "Date du comptoir", "Structure d'accueil", "E-mail", "Inscrit le", "Présence"],
        ([t, to_local(s).strftime("%d/%m/%Y %H:%M"), h, e, to_local(c).strftime("%d/%m/%Y %H:%M"), presence[a]]
         for t, s, h, e, c, a in rows))


# --- Dossiers --------------------------------------------------------------------------------


def _filtered(args: Any) -> tuple[Select[tuple[Initiative]], dict[str, str]]:
    """The dossier query from the list's filters (also used by the CSV export)."""
    filters = {key: (args.get(key) or "").strip()[:100] for key in ("edition", "statut", "territoire",
                                                                    "categorie", "q", "tri")}
    stmt = select(Initiative)
    if (edition_id := id_param(filters["edition"])) is not None:
        stmt = stmt.where(Initiative.edition_id == edition_id)
    if filters["statut"] in {s.value for s in Status}:
        stmt = stmt.where(Initiative.status == filters["statut"])
    if (territory_id := id_param(filters["territoire"])) is not None:
        stmt = stmt.where(Initiative.territory_id == territory_id)
    if (category_id := id_param(filters["categorie"])) is not None:
        stmt = stmt.where(Initiative.category_id == category_id)
    if filters["q"]:
        pattern = filters["q"]
        stmt = stmt.where(or_(Initiative.title.icontains(pattern, autoescape=True),
                              Initiative.structure_name.icontains(pattern, autoescape=True)))
    stmt = stmt.order_by(SORTS.get(filters["tri"], SORTS["recent"]), Initiative.id)
    return stmt, filters


@bp.route("/dossiers")
@access(Access.STAFF)
def dossiers() -> str:
    """All dossiers, filtered and sorted."""
    session = db()
    stmt, filters = _filtered(request.args)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    page = page_number()
    rows = session.scalars(stmt.options(selectinload(Initiative.territory), selectinload(Initiative.category))
                           .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    editions = session.scalars(select(Edition).order_by(Edition.year.desc())).all()
    categories = session.scalars(select(Category).order_by(Category.edition_id.desc(), Category.position)).all()
    territories = session.scalars(select(Territory).order_by(Territory.name)).all()
    return render_template("initiatives/admin_dossiers.html", initiatives=rows, total=total, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)), filters=filters, editions=editions,
                           categories=categories, territories=territories, labels=STATUS_LABELS,
                           pager_args={k: v for k, v in filters.items() if v})


@bp.route("/dossiers.csv")
@access(Access.STAFF)
def dossiers_csv() -> Any:
    """The filtered dossiers as CSV (UTF-8 with BOM)."""
    stmt, _ = _filtered(request.args)
    rows = db().scalars(stmt.options(selectinload(Initiative.territory), selectinload(Initiative.category),
                                     selectinload(Initiative.structure_type), selectinload(Initiative.budget_lines),
                                     selectinload(Initiative.edition)))

    def lines() -> Any:
        for i in rows:
            totals = rules.budget_totals([rules.BudgetLine(b.account, b.label, b.amount) for b in i.budget_lines])
            yield [i.id, i.edition.year, i.title, STATUS_LABELS[i.status_enum], i.territory.name,
                   i.category.name if i.category else "", i.amount_asked if i.amount_asked is not None else "",
                   i.structure_type.name if i.structure_type else "", i.structure_name, i.siret, i.contact_name,
                   i.contact_email, i.contact_phone, totals.total_charges, totals.total_products,
                   to_local(i.filed_at).strftime("%d/%m/%Y %H:%M") if i.filed_at else "",
                   i.summary]

    return csv_response("dossiers.csv", [
        "N°", "Édition", "Titre", "Statut", "Territoire", "Catégorie", "Montant demandé (€)", "Type de structure",
        "Structure", "SIRET", "Contact", "E-mail", "Téléphone", "Total des charges (€)", "Total des produits (€)",
        "Déposé le", "Résumé"], lines())


@bp.route("/dossiers/<int:initiative_id>", methods=["GET", "POST"])
@access(Access.STAFF)
def dossier(initiative_id: int) -> Any:
    """One dossier with its budget, attachments and history; admins change its status."""
    initiative = get_or_404(Initiative, initiative_id)
    session = db()
    form = forms.ReasonForm()
    # Labelled / not labelled are recorded with their category and motivation on the decision page.
    targets = [t for t in allowed_targets(initiative.status_enum, Actor.STAFF)
               if t not in (Status.LABELLED, Status.NOT_LABELLED)]
    form.target.choices = select_choices((t.value, STATUS_LABELS[t]) for t in targets)
    if request.method == "POST":
        if not services.is_staff_admin(current_actor()):
            abort(403)
        if form.validate_on_submit():
            target = Status(form.target.data)
            reopen_until = None
            if target is Status.DRAFT:
                today = to_local(now_utc()).date()
                last_day = form.reopen_until.data or today + timedelta(days=7)
                if not today <= last_day <= today + timedelta(days=366):
                    form.add_error("reopen_until", "La réouverture doit finir entre aujourd'hui et dans un an.")
                else:
                    reopen_until = local_midnight(last_day + timedelta(days=1))
            if not form.errors:
                try:
                    change = services.change_status(session, current_actor(), initiative, target, form.reason.data or "",
                                                    now_utc(), as_staff=True, reopen_until=reopen_until)
                except DomainError as error:
                    session.rollback()
                    form.add_error(error.field, error.message)
                else:
                    session.commit()
                    notify_status(initiative, change)
                    flash(f"Statut changé : {STATUS_LABELS[target]}. Le porteur a été prévenu par e-mail.", "success")
                    return redirect(url_for("initiatives_admin.dossier", initiative_id=initiative.id))
    lines = [rules.BudgetLine(b.account, b.label, b.amount, b.funder, b.is_departement) for b in initiative.budget_lines]
    return render_template(
        "initiatives/admin_dossier.html", initiative=initiative, form=form, targets=targets, labels=STATUS_LABELS,
        totals=rules.budget_totals(lines), problems=rules.budget_problems(lines, initiative.amount_asked),
        accounts=rules.ACCOUNTS, can_change=services.is_staff_admin(current_actor()),
    ), 200 if not form.errors else 422


