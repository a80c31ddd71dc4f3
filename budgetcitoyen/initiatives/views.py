"""The holder's space: comptoirs, ideas, dossiers with budget and attachments, dashboard."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from budgetcitoyen.clock import now_utc
from budgetcitoyen.conventions.views import holder_cards
from budgetcitoyen.editions.models import Category, Edition
from budgetcitoyen.editions.services import current_edition
from budgetcitoyen.errors import DomainError
from budgetcitoyen.forms import BaseForm, select_choices
from budgetcitoyen.french import euros
from budgetcitoyen.initiatives import forms, rules, services, uploads
from budgetcitoyen.initiatives.models import Attachment, Initiative, StatusChange, Workshop
from budgetcitoyen.initiatives.workflow import STATUS_LABELS, Actor, Status, allowed_targets
from budgetcitoyen.labelling import services as labelling_services
from budgetcitoyen.mail import delivery as mail
from budgetcitoyen.money import euros_amount
from budgetcitoyen.reference.lookup import CommuneIndex, resolve_all, split_entries
from budgetcitoyen.reference.models import Commune, StructureType, Territory
from budgetcitoyen.web import Access, access, current_actor, db, external_url, get_or_404

bp = Blueprint("initiatives", __name__)
EXTENSIONS = {content_type: extension for _, content_type, extension in uploads.SIGNATURES}
EMPTY_BUDGET_ROWS = 4



def _edition_or_404() -> Edition:
    edition = current_edition(db())
    if edition is None:
        abort(404)
    return edition


def notify_status(initiative: Initiative, change: StatusChange) -> None:
    """Mail the holder about a status change (after the commit: no mail for a change that did not happen)."""
    holder = initiative.holder
    if holder.is_deleted:
        return
    link = external_url("initiatives.dossier", initiative_id=initiative.id)
    mail.send(holder.email, f"Votre initiative « {initiative.title[:60]} » : {STATUS_LABELS[Status(change.to_status)]}",
              "status_change", initiative=initiative, change=change, labels=STATUS_LABELS, link=link)


def _commune_datalist() -> list[tuple[str, str]]:
    return [(name, code) for name, code in db().execute(select(Commune.name, Commune.insee_code)
                                                        .order_by(Commune.name))]


def _territory_choices() -> list[SelectChoice]:
    return select_choices(db().execute(select(Territory.id, Territory.name).order_by(Territory.name)))


@bp.route("/mon-espace")
@access(Access.AUTHENTICATED)
def dashboard() -> str:
    """My initiatives and my comptoir, with what to do next."""
    session = db()
    edition = current_edition(session)
    initiatives = session.scalars(select(Initiative).where(Initiative.holder_id == current_user.id)
                                  .order_by(Initiative.created_at.desc())).all()
    registration = services.registration_of(session, edition, current_actor()) if edition else None
    now = now_utc()
    return render_template("initiatives/dashboard.html", edition=edition, initiatives=initiatives,
                           registration=registration, labels=STATUS_LABELS, can_edit=services.can_edit, now=now,
                           action_form=BaseForm(), **holder_cards(session, current_actor()))


@bp.route("/comptoirs")
@access(Access.PUBLIC)
def workshops() -> str:
    """The comptoirs of the current edition and the seats left."""
    session = db()
    edition = current_edition(session)
    rows = session.scalars(select(Workshop).where(Workshop.edition_id == edition.id)
                           .order_by(Workshop.starts_at)).all() if edition else []
    registration = (services.registration_of(session, edition, current_actor())
                    if edition and current_user.is_authenticated else None)
    return render_template("initiatives/workshops.html", edition=edition, workshops=rows,
                           registration=registration, action_form=BaseForm())


@bp.route("/comptoirs/<int:workshop_id>/inscription", methods=["POST"])
@access(Access.AUTHENTICATED)
def workshop_register(workshop_id: int) -> Any:
    """Take a seat at a comptoir."""
    workshop = get_or_404(Workshop, workshop_id)
    session = db()
    try:
        services.register_for_workshop(session, current_actor(), workshop, now_utc())
    except DomainError as error:
        session.rollback()
        flash(error.message, "error")
    else:
        session.commit()
        flash(f"Vous êtes inscrit au comptoir du {workshop.territory.name}.", "success")
    return redirect(url_for("initiatives.workshops"))


@bp.route("/comptoirs/annuler", methods=["POST"])
@access(Access.AUTHENTICATED)
def workshop_cancel() -> Any:
    """Give my seat back."""
    session = db()
    edition = _edition_or_404()
    registration = services.registration_of(session, edition, current_actor())
    if registration is None:
        abort(404)
    try:
        services.cancel_registration(session, current_actor(), registration, now_utc())
    except DomainError as error:
        session.rollback()
        flash(error.message, "error")
    else:
        session.commit()
        flash("Votre inscription est annulée.", "success")
    return redirect(url_for("initiatives.workshops"))


@bp.route("/idees/nouvelle", methods=["GET", "POST"])
@access(Access.AUTHENTICATED)
def new_idea() -> Any:
    """Deposit a short idea."""
    session = db()
    edition = _edition_or_404()
    form = forms.IdeaForm()
    form.territory_id.choices = _territory_choices()
    if form.validate_on_submit():
        commune_code = None
        if (form.commune.data or "").strip():
            commune_code = CommuneIndex.load(session).resolve(form.commune.data)
            if commune_code is None:
                form.add_error("commune", "Commune inconnue dans le Pas-de-Calais : vérifiez l'orthographe.")
        if not form.errors:
            try:
                initiative = services.create_idea(session, current_actor(), edition, form.title.data, form.summary.data,
                                                  form.territory_id.data, commune_code, now_utc())
            except DomainError as error:
                session.rollback()
                form.add_error(error.field, error.message)
            else:
                session.commit()
                flash("Votre idée est enregistrée. Inscrivez-vous à un comptoir, puis complétez votre dossier.",
                      "success")
                return redirect(url_for("initiatives.dashboard", _anchor=f"initiative-{initiative.id}"))
    return render_template("initiatives/idea_form.html", form=form, edition=edition,
                           communes=_commune_datalist()), 200 if not form.errors else 422


def _own_initiative(initiative_id: int) -> Initiative:
    initiative = get_or_404(Initiative, initiative_id)
    if initiative.holder_id != current_user.id:
        abort(403)
    return initiative


def _fill_choices(form: forms.DossierForm, edition: Edition) -> None:
    session = db()
    form.territory_id.choices = _territory_choices()
    form.structure_type_id.choices = select_choices(session.execute(
        select(StructureType.id, StructureType.name).order_by(StructureType.position)))
    form.category_id.choices = select_choices(
        (c.id, f"{c.name} (plafond {euros(c.ceiling)})")
        for c in session.scalars(select(Category).where(Category.edition_id == edition.id)
                                 .order_by(Category.position)))


def _form_data_of(initiative: Initiative) -> dict[str, Any]:
    return {
        "title": initiative.title, "summary": initiative.summary, "description": initiative.description,
        "problem_addressed": initiative.problem_addressed, "public_addressed": initiative.public_addressed,
        "ess_practices": initiative.ess_practices, "territory_id": initiative.territory_id,
        # The idea's commune starts the list of communes of action.
        "communes": "\n".join(c.commune.name for c in initiative.action_communes)
        or (initiative.commune.name if initiative.commune else ""),
        "structure_type_id": initiative.structure_type_id, "structure_name": initiative.structure_name,
        "siret": initiative.siret, "structure_address": initiative.structure_address,
        "contact_name": initiative.contact_name, "contact_email": initiative.contact_email,
        "contact_phone": initiative.contact_phone, "category_id": initiative.category_id,
        "amount_asked": initiative.amount_asked, "starts_on": initiative.starts_on,
        "duration_months": initiative.duration_months,
        "budget": [{"account": b.account, "label": b.label, "amount": b.amount, "funder": b.funder,
                    "is_departement": b.is_departement} for b in initiative.budget_lines],
    }


def _input_of(form: forms.DossierForm) -> tuple[services.DossierInput, list[tuple[str, str]]]:
    """The form as a service input, plus the problems found while reading it (unknown communes)."""
    problems: list[tuple[str, str]] = []
    codes, unknown = resolve_all(CommuneIndex.load(db()), split_entries(form.communes.data or ""))
    if unknown:
        problems.append(("communes", "Commune inconnue dans le Pas-de-Calais : " + ", ".join(unknown) + "."))
    budget = []
    for entry in form.budget:
        line = entry.form
        if not (line.account.data or (line.label.data or "").strip() or line.amount.data is not None):
            continue  # an empty row of the table
        budget.append(rules.BudgetLine(line.account.data or "", line.label.data or "",
                                       euros_amount(line.amount.data) if line.amount.data is not None
                                       else Decimal("0"), line.funder.data or "", bool(line.is_departement.data)))
    data = services.DossierInput(
        title=form.title.data or "", summary=form.summary.data or "", territory_id=form.territory_id.data,
        commune_codes=codes, structure_type_id=form.structure_type_id.data,
        structure_name=form.structure_name.data or "", siret=form.siret.data or "",
        structure_address=form.structure_address.data or "", contact_name=form.contact_name.data or "",
        contact_email=(form.contact_email.data or "").strip().lower(), contact_phone=form.contact_phone.data or "",
        description=form.description.data or "", problem_addressed=form.problem_addressed.data or "",
        public_addressed=form.public_addressed.data or "", category_id=form.category_id.data,
        amount_asked=euros_amount(form.amount_asked.data) if form.amount_asked.data is not None else None,
        starts_on=form.starts_on.data, duration_months=form.duration_months.data,
        ess_practices=form.ess_practices.data or "", budget=budget,
    )
    return data, problems


@bp.route("/dossiers/<int:initiative_id>", methods=["GET", "POST"])
@access(Access.AUTHENTICATED)
def dossier(initiative_id: int) -> Any:
    """Edit the dossier while it is a draft; otherwise show it read-only with its history."""
    session = db()
    initiative = _own_initiative(initiative_id)
    now = now_utc()
    editable = services.can_edit(initiative, current_actor(), now)
    form = forms.DossierForm()
    _fill_choices(form, initiative.edition)
    status = 200
    if request.method == "GET" or not editable:
        if request.method == "POST":
            flash("Ce dossier ne peut plus être modifié.", "error")
            return redirect(url_for("initiatives.dossier", initiative_id=initiative.id))
        data = _form_data_of(initiative)
        form.process(data=data)
        _pad_budget(form, len(data["budget"]) + EMPTY_BUDGET_ROWS)
    elif form.validate_on_submit():
        status_before = initiative.status
        data, problems = _input_of(form)
        for field_name, message in problems:
            form.add_error(field_name, message)
        if not problems:
            try:
                if form.file_dossier.data:
                    services.file_dossier(session, current_actor(), initiative, data, now)
                else:
                    services.save_draft(session, current_actor(), initiative, data, now)
            except services.DossierInvalid as error:
                session.rollback()
                for field_name, message in error.problems:
                    form.add_error(field_name, message)
            except DomainError as error:
                session.rollback()
                form.add_error(error.field, error.message)
            else:
                session.commit()
                if form.file_dossier.data:
                    notify_status(initiative, initiative.history[-1])
                    flash("Votre dossier est déposé. Vous recevrez un e-mail à chaque étape de son instruction.",
                          "success")
                    return redirect(url_for("initiatives.dashboard"))
                if initiative.status != status_before:
                    notify_status(initiative, initiative.history[-1])  # idée -> brouillon
                flash("Brouillon enregistré.", "success")
                extra = EMPTY_BUDGET_ROWS + (5 if form.add_lines.data else 0)
                return redirect(url_for("initiatives.dossier", initiative_id=initiative.id, lignes=extra,
                                        _anchor="budget" if form.add_lines.data else None))
        status = 422
        _pad_budget(form, len(form.budget.entries) + (5 if form.add_lines.data else 0))
    else:
        status = 422
    if request.method == "GET" and request.args.get("lignes", type=int):
        wanted = len(initiative.budget_lines) + min(request.args.get("lignes", type=int) or 0, 20)
        _pad_budget(form, wanted)
    totals = rules.budget_totals([rules.BudgetLine(b.account, b.label, b.amount, b.funder, b.is_departement)
                                  for b in initiative.budget_lines])
    return render_template(
        "initiatives/dossier.html", initiative=initiative, form=form, editable=editable, totals=totals,
        labels=STATUS_LABELS, attachment_form=forms.AttachmentForm(), action_form=BaseForm(),
        communes=_commune_datalist(), max_files=uploads.MAX_FILES_PER_DOSSIER,
        can_abandon=Status.ABANDONED in allowed_targets(initiative.status_enum, Actor.HOLDER),
    ), status


def _pad_budget(form: forms.DossierForm, rows: int) -> None:
    while len(form.budget.entries) < min(rows, form.budget.max_entries or 60):
        form.budget.append_entry()


def _upload_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


@bp.route("/dossiers/<int:initiative_id>/pieces", methods=["POST"])
@access(Access.AUTHENTICATED)
def attachment_add(initiative_id: int) -> Any:
    """Attach a file; refused files leave nothing behind."""
    session = db()
    initiative = _own_initiative(initiative_id)
    form = forms.AttachmentForm()
    back = redirect(url_for("initiatives.dossier", initiative_id=initiative.id, _anchor="pieces"))
    if not form.validate_on_submit():
        abort(400)
    upload = form.file.data
    if upload is None or not upload.filename:
        flash("Choisissez un fichier à joindre.", "error")
        return back
    now = now_utc()
    try:
        services.check_can_attach(initiative, current_actor(), now)
        stored = uploads.store(upload.stream, _upload_folder())
    except DomainError as error:
        flash(error.message, "error")
        return back
    try:
        services.add_attachment(session, current_actor(), initiative, stored, upload.filename, now)
        session.commit()
    except BaseException:
        session.rollback()
        uploads.path_of(_upload_folder(), stored.stored_name).unlink(missing_ok=True)
        raise
    flash(f"Fichier « {upload.filename} » joint au dossier.", "success")
    return back


def _attachment_for(initiative_id: int, attachment_id: int) -> Attachment:
    attachment = get_or_404(Attachment, attachment_id)
    if attachment.initiative_id != initiative_id:
        abort(404)
    if not (services.can_view_dossier(attachment.initiative, current_actor())
            or labelling_services.can_score(db(), attachment.initiative, current_actor())):
        abort(403)
    return attachment


@bp.route("/dossiers/<int:initiative_id>/pieces/<int:attachment_id>")
@access(Access.AUTHENTICATED)
def attachment_download(initiative_id: int, attachment_id: int) -> Any:
    """Serve an attachment to the holder or the Mission ESS only, never inline as HTML."""
    attachment = _attachment_for(initiative_id, attachment_id)
    path = uploads.path_of(_upload_folder(), attachment.stored_name)
    if not path.is_file():
        abort(404)
    # The extension follows the checked content, whatever name was uploaded (no "a.html" served as PDF).
    stem = attachment.original_name.rsplit(".", 1)[0] or "piece-jointe"
    response = send_file(path, mimetype=attachment.content_type, as_attachment=True,
                         download_name=stem + EXTENSIONS.get(attachment.content_type, ""))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/dossiers/<int:initiative_id>/pieces/<int:attachment_id>/supprimer", methods=["POST"])
@access(Access.AUTHENTICATED)
def attachment_remove(initiative_id: int, attachment_id: int) -> Any:
    """Remove an attachment from a draft."""
    session = db()
    attachment = _attachment_for(initiative_id, attachment_id)
    if attachment.initiative.holder_id != current_user.id:
        abort(403)
    try:
        stored_name = services.remove_attachment(session, current_actor(), attachment, now_utc())
    except DomainError as error:
        session.rollback()
        flash(error.message, "error")
    else:
        session.commit()
        uploads.path_of(_upload_folder(), stored_name).unlink(missing_ok=True)
        flash("Pièce jointe supprimée.", "success")
    return redirect(url_for("initiatives.dossier", initiative_id=initiative_id, _anchor="pieces"))


@bp.route("/dossiers/<int:initiative_id>/abandonner", methods=["POST"])
@access(Access.AUTHENTICATED)
def abandon(initiative_id: int) -> Any:
    """The holder withdraws the initiative."""
    session = db()
    initiative = _own_initiative(initiative_id)
    if not BaseForm().validate_on_submit():
        abort(400)
    if request.form.get("confirm") != "y":
        flash("Cochez la case de confirmation pour retirer votre initiative : le retrait est définitif.", "error")
        return redirect(url_for("initiatives.dossier", initiative_id=initiative.id, _anchor="retrait"))
    try:
        change = services.change_status(session, current_actor(), initiative, Status.ABANDONED, "", now_utc(), as_staff=False)
    except DomainError as error:
        session.rollback()
        flash(error.message, "error")
    else:
        session.commit()
        notify_status(initiative, change)
        flash("Votre initiative est retirée.", "info")
    return redirect(url_for("initiatives.dashboard"))
