"""Committee members' pages (/comite): their dossiers, the score sheet, interests, the committee radar."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from budgetcitoyen.accounts.models import User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.labelling import permissions, presenters, services
from budgetcitoyen.labelling.forms import InterestForm, SheetForm, read_sheet
from budgetcitoyen.web import Access, access, current_actor, db, perform

bp = Blueprint("labelling", __name__)


# Access checks: the member's committee record, read once, given to the pure predicates.


def _on_a_committee(actor: User) -> bool:
    return permissions.is_on_a_committee(services.committee_record(db(), actor))


def _may_open(actor: User, initiative: Initiative) -> bool:
    return permissions.can_open_dossier(services.committee_record(db(), actor), initiative)


def _may_declare_interest(actor: User, initiative: Initiative) -> bool:
    return permissions.sits_on_committee_of(services.committee_record(db(), actor), initiative)


def _may_read_review(actor: User, initiative: Initiative) -> bool:
    return permissions.can_read_review(services.committee_record(db(), actor), initiative)


@bp.route("/comite")
@access(Access.AUTHENTICATED, check=_on_a_committee)
def index() -> str:
    """The dossiers given to me, by edition, with where my sheet stands."""
    return render_template("labelling/index.html", **presenters.member_dossiers(db(), current_actor()))


def _sheet_page(page: presenters.SheetPage, form: SheetForm, sheet: dict[int, int] | None = None,
                status: int = 200) -> Any:
    context = page.context()
    if sheet is not None:  # what was just posted, shown back with the errors
        context["sheet"] = sheet
    return render_template("labelling/dossier.html", form=form, interest_form=InterestForm(),
                           **context), status


@bp.route("/comite/dossiers/<int:initiative_id>", methods=["GET", "POST"])
@access(Access.AUTHENTICATED, load={"initiative_id": Initiative}, check=_may_open)
def dossier(initiative: Initiative) -> Any:
    """Read the dossier, score it; once my sheet is submitted, see the others' and the radar."""
    page = presenters.sheet_page(db(), initiative, current_actor())
    form = SheetForm()
    here = url_for("labelling.dossier", initiative_id=initiative.id)
    if request.method == "GET":
        if page.evaluation is not None:
            form.comment.data = page.evaluation.comment
        return _sheet_page(page, form)
    if page.submitted:
        flash("Votre évaluation est déjà soumise : elle ne peut plus être modifiée.", "error")
        return redirect(here)
    sheet, problems = read_sheet(request.form, page.question_ids)
    submit = bool(form.submit_sheet.data)
    if form.validate_on_submit() and not problems and perform(
            services.save_evaluation, current_actor(), initiative, sheet, form.comment.data or "",
            submit=submit, now=now_utc(), form=form).ok:
        flash("Évaluation soumise. Vous voyez désormais celles des autres membres." if submit
              else "Brouillon enregistré.", "success")
        return redirect(here)
    for problem in problems:
        form.add_error(None, problem)
    return _sheet_page(page, form, sheet, 422)


@bp.route("/comite/dossiers/<int:initiative_id>/interet", methods=["POST"])
@access(Access.AUTHENTICATED, load={"initiative_id": Initiative}, check=_may_declare_interest)
def declare_interest(initiative: Initiative) -> Any:
    """Declare an interest: the dossier leaves my list and I take no part in its debate or vote."""
    form = InterestForm()
    if not form.validate_on_submit():
        abort(400)
    member = current_actor()
    if perform(services.declare_interest, member, initiative, member, form.note.data or "", now_utc()).ok:
        flash(f"Intérêt enregistré pour « {initiative.title} » : vous ne participerez ni au débat ni au vote "
              "sur ce dossier.", "success")
    return redirect(url_for("labelling.index"))


@bp.route("/comite/dossiers/<int:initiative_id>/radar.<fmt>")
@access(Access.AUTHENTICATED, load={"initiative_id": Initiative}, check=_may_read_review)
def radar(initiative: Initiative, fmt: str) -> Any:
    """The committee's radar (members' polygons included), for members who submitted their own sheet."""
    return presenters.committee_radar(db(), initiative, fmt)
