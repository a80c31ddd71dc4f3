"""The holder's pages: comptoirs, ideas, dossiers with their budget and attachments."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.services import current_edition
from budgetcitoyen.forms import BaseForm
from budgetcitoyen.initiatives import (
    attachments,
    dossiers,
    forms,
    permissions,
    photos,
    presenters,
    rules,
    services,
    uploads,
    workshops,
)
from budgetcitoyen.initiatives.models import Attachment, Initiative, Workshop
from budgetcitoyen.initiatives.rules import STATUS_LABELS, Actor, Status, allowed_targets
from budgetcitoyen.reference.lookup import CommuneIndex, commune_datalist
from budgetcitoyen.web import Access, access, current_actor, db, or_404, perform, storage

bp = Blueprint("initiatives", __name__)
EMPTY_BUDGET_ROWS = 4
MORE_BUDGET_ROWS = 5  # "add lines to the budget"
HOLDER_ONLY = {"load": {"initiative_id": Initiative}, "check": permissions.is_holder_of}


def _edition() -> Edition:
    return or_404(current_edition(db()))


# --- Comptoirs -------------------------------------------------------------------------------


@bp.route("/comptoirs", endpoint="workshops")
@access(Access.PUBLIC)
def workshop_list() -> str:
    """The comptoirs of the current edition and the seats left."""
    session, actor = db(), current_actor()
    edition = current_edition(session)
    registration = workshops.registration_of(session, edition, actor) if edition and actor else None
    return render_template("initiatives/workshops.html", edition=edition,
                           workshops=presenters.workshops_of(session, edition), registration=registration,
                           action_form=BaseForm())


@bp.route("/comptoirs/<int:workshop_id>/inscription", methods=["POST"])
@access(Access.AUTHENTICATED, load={"workshop_id": Workshop})
def workshop_register(workshop: Workshop) -> Any:
    """Take a seat at a comptoir."""
    if perform(workshops.register_for_workshop, current_actor(), workshop, now_utc()).ok:
        flash(f"Vous êtes inscrit au comptoir du {workshop.territory.name}.", "success")
    return redirect(url_for(".workshops"))


@bp.route("/comptoirs/annuler", methods=["POST"])
@access(Access.AUTHENTICATED)
def workshop_cancel() -> Any:
    """Give my seat back."""
    registration = or_404(workshops.registration_of(db(), _edition(), current_actor()))
    if perform(workshops.cancel_registration, current_actor(), registration, now_utc()).ok:
        flash("Votre inscription est annulée.", "success")
    return redirect(url_for(".workshops"))


# --- Ideas and dossiers ----------------------------------------------------------------------


@bp.route("/idees/nouvelle", methods=["GET", "POST"])
@access(Access.AUTHENTICATED)
def new_idea() -> Any:
    """Deposit a short idea."""
    edition = _edition()
    form = forms.IdeaForm()
    form.territory_id.choices = presenters.territory_choices(db())
    if form.validate_on_submit():
        outcome = perform(dossiers.create_idea, current_actor(), edition, form.to_input(), now_utc(),
                          form=form)
        if outcome.ok:
            flash("Votre idée est enregistrée. Inscrivez-vous à un comptoir, puis complétez votre dossier.",
                  "success")
            return redirect(url_for("dashboards.holder", _anchor=f"initiative-{outcome.value.id}"))
    return render_template("initiatives/idea_form.html", form=form, edition=edition,
                           communes=commune_datalist(db())), 200 if not form.errors else 422


def _dossier_form(edition: Edition, *, from_request: bool = True) -> forms.DossierForm:
    form = forms.DossierForm() if from_request else forms.DossierForm(formdata=None)
    form.territory_id.choices = presenters.territory_choices(db())
    form.structure_type_id.choices = presenters.structure_type_choices(db())
    form.category_id.choices = presenters.category_choices(db(), edition)
    return form


def _dossier_page(initiative: Initiative, form: forms.DossierForm, editable: bool,
                  photo_form: forms.PhotoForm | None = None) -> str:
    if photo_form is None:
        photo_form = forms.PhotoForm(formdata=None)
        photo_form.alt_text.data = initiative.photo.alt_text if initiative.photo else ""
    return render_template(
        "initiatives/dossier.html", initiative=initiative, form=form, editable=editable,
        totals=rules.budget_totals(rules.budget_of(initiative.budget_lines)), labels=STATUS_LABELS,
        # Forms only shown (not read): never bound to what was posted, which may be another form's file.
        attachment_form=forms.AttachmentForm(formdata=None), action_form=BaseForm(formdata=None),
        communes=commune_datalist(db()), max_files=uploads.MAX_FILES_PER_DOSSIER,
        photo_form=photo_form,
        can_abandon=Status.ABANDONED in allowed_targets(initiative.status_enum, Actor.HOLDER))


def _submitted(initiative: Initiative, form: forms.DossierForm) -> Any:
    if form.file_dossier.data:
        flash("Votre dossier est déposé. Vous recevrez un e-mail à chaque étape de son instruction.",
              "success")
        return redirect(url_for("dashboards.holder"))
    flash("Brouillon enregistré.", "success")
    more = bool(form.add_lines.data)
    return redirect(url_for(".dossier", initiative_id=initiative.id,
                            lignes=EMPTY_BUDGET_ROWS + (MORE_BUDGET_ROWS if more else 0),
                            _anchor="budget" if more else None))


@bp.route("/dossiers/<int:initiative_id>", methods=["GET", "POST"])
@access(Access.AUTHENTICATED, **HOLDER_ONLY)
def dossier(initiative: Initiative) -> Any:
    """Edit the dossier while it is a draft; otherwise show it read-only with its history."""
    now = now_utc()
    editable = permissions.can_edit_dossier(current_actor(), initiative, now)
    form = _dossier_form(initiative.edition)
    if request.method == "GET":
        asked = min(request.args.get("lignes", 0, type=int) or 0, 20)
        form.fill_from(initiative, empty_rows=max(EMPTY_BUDGET_ROWS, asked))
        return _dossier_page(initiative, form, editable)
    if not editable:
        flash("Ce dossier ne peut plus être modifié.", "error")
        return redirect(url_for(".dossier", initiative_id=initiative.id))
    if not form.validate_on_submit():
        return _dossier_page(initiative, form, editable), 422
    data, file = form.to_input(CommuneIndex.load(db())), bool(form.file_dossier.data)
    if perform(dossiers.submit_dossier, current_actor(), initiative, data, now, file=file, form=form).ok:
        return _submitted(initiative, form)
    form.pad_budget(len(form.budget.entries) + (MORE_BUDGET_ROWS if form.add_lines.data else 0))
    return _dossier_page(initiative, form, editable), 422


@bp.route("/dossiers/<int:initiative_id>/abandonner", methods=["POST"])
@access(Access.AUTHENTICATED, **HOLDER_ONLY)
def abandon(initiative: Initiative) -> Any:
    """The holder withdraws the initiative."""
    if not BaseForm().validate_on_submit():
        abort(400)
    if request.form.get("confirm") != "y":
        flash("Cochez la case de confirmation pour retirer votre initiative : le retrait est définitif.",
              "error")
        return redirect(url_for(".dossier", initiative_id=initiative.id, _anchor="retrait"))
    if perform(services.withdraw, current_actor(), initiative, now_utc()).ok:
        flash("Votre initiative est retirée.", "info")
    return redirect(url_for("dashboards.holder"))


# --- Attachments (they are read through dashboards.dossier_attachment) -------------------------


@bp.route("/dossiers/<int:initiative_id>/pieces", methods=["POST"])
@access(Access.AUTHENTICATED, **HOLDER_ONLY)
def attachment_add(initiative: Initiative) -> Any:
    """Attach a file; refused files leave nothing behind."""
    form = forms.AttachmentForm()
    if not form.validate_on_submit():
        abort(400)
    upload = form.file.data
    if upload is None or not upload.filename:
        flash("Choisissez un fichier à joindre.", "error")
    elif perform(attachments.add_attachment, current_actor(), initiative, upload.stream, upload.filename,
                 storage(), now_utc()).ok:
        flash(f"Fichier « {upload.filename} » joint au dossier.", "success")
    return redirect(url_for(".dossier", initiative_id=initiative.id, _anchor="pieces"))


@bp.route("/dossiers/<int:initiative_id>/pieces/<int:attachment_id>/supprimer", methods=["POST"])
@access(Access.AUTHENTICATED, load={"initiative_id": Initiative, "attachment_id": Attachment},
        check=lambda actor, initiative, attachment: permissions.is_holder_of(actor, initiative))
def attachment_remove(initiative: Initiative, attachment: Attachment) -> Any:
    """Remove an attachment from a draft."""
    if attachment.initiative_id != initiative.id:
        abort(404)
    if perform(attachments.remove_attachment, current_actor(), attachment, storage(), now_utc()).ok:
        flash("Pièce jointe supprimée.", "success")
    return redirect(url_for(".dossier", initiative_id=initiative.id, _anchor="pieces"))


# --- The photo (served by catalogue.photo) ---------------------------------------------------------


@bp.route("/dossiers/<int:initiative_id>/photo", methods=["POST"])
@access(Access.AUTHENTICATED, **HOLDER_ONLY)
def photo_save(initiative: Initiative) -> Any:
    """Add or replace the photo, or change its description; a refused file is explained on the form."""
    form = forms.PhotoForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
    else:
        upload = form.photo.data
        stream = upload.stream if upload is not None and upload.filename else None
        outcome = perform(photos.set_photo, current_actor(), initiative, stream, form.alt_text.data or "",
                          storage(), now_utc(), form=form)
        if outcome.ok:
            flash("Photo enregistrée." if stream else "Description de la photo enregistrée.", "success")
            return redirect(url_for(".dossier", initiative_id=initiative.id, _anchor="section-photo"))
        if outcome.error is not None and outcome.error.field is None:  # not the holder's, or filed
            flash(outcome.error.message, "error")
            return redirect(url_for(".dossier", initiative_id=initiative.id, _anchor="section-photo"))
    page_form = _dossier_form(initiative.edition, from_request=False)  # the photo form was posted
    page_form.fill_from(initiative, empty_rows=EMPTY_BUDGET_ROWS)
    editable = permissions.can_edit_dossier(current_actor(), initiative, now_utc())
    return _dossier_page(initiative, page_form, editable, photo_form=form), 422


@bp.route("/dossiers/<int:initiative_id>/photo/supprimer", methods=["POST"])
@access(Access.AUTHENTICATED, **HOLDER_ONLY)
def photo_remove(initiative: Initiative) -> Any:
    """Remove the photo from an editable dossier."""
    if not BaseForm().validate_on_submit():
        abort(400)
    if perform(photos.remove_photo, current_actor(), initiative, storage(), now_utc()).ok:
        flash("Photo supprimée.", "success")
    return redirect(url_for(".dossier", initiative_id=initiative.id, _anchor="section-photo"))
