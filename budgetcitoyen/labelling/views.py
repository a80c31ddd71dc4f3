"""Committee members' pages (/comite): their dossiers, the score sheet, interests, the committee radar."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length

from budgetcitoyen.accounts.models import CommitteeMembership
from budgetcitoyen.clock import now_utc
from budgetcitoyen.errors import DomainError
from budgetcitoyen.forms import BaseForm
from budgetcitoyen.initiatives import rules as dossier_rules
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.labelling import services
from budgetcitoyen.labelling.defaults import LEVELS
from budgetcitoyen.labelling.models import Assignment, Evaluation, Interest
from budgetcitoyen.labelling.rules import fmt
from budgetcitoyen.labelling.web_helpers import radar_response
from budgetcitoyen.web import Access, access, current_actor, db, get_or_404

bp = Blueprint("labelling", __name__)


class SheetForm(BaseForm):
    """The score sheet's comment and buttons; the scores themselves are radio groups named q-<question id>."""

    comment = TextAreaField("Commentaire pour le comité", validators=[Length(max=5000, message="Au plus 5 000 caractères.")])
    save = SubmitField("Enregistrer le brouillon")
    submit_sheet = SubmitField("Soumettre mon évaluation")


class InterestForm(BaseForm):
    """Declare an interest in a dossier."""

    note = TextAreaField("Nature du lien (facultatif)", validators=[Length(max=500, message="Au plus 500 caractères.")])
    submit = SubmitField("Je déclare un intérêt pour ce dossier")



def _member_dossier(initiative_id: int) -> Initiative:
    """A dossier the current member may open: on the committee of its edition and not recused."""
    initiative = get_or_404(Initiative, initiative_id)
    session = db()
    if not services.is_member(session, initiative.edition_id, current_actor()):
        abort(403)
    if services.has_interest(session, initiative.id, current_user.id):
        abort(403)
    if not services.is_assigned(session, initiative.id, current_user.id):
        abort(403)
    return initiative


@bp.route("/comite")
@access(Access.AUTHENTICATED)
def index() -> str:
    """The dossiers given to me, by edition, with where my sheet stands."""
    session = db()
    seats = session.scalars(select(CommitteeMembership).where(CommitteeMembership.user_id == current_user.id)).all()
    if not seats:
        abort(403)
    sheets = {e.initiative_id: e for e in session.scalars(
        select(Evaluation).where(Evaluation.member_id == current_user.id))}
    rows = []
    for assignment in session.scalars(select(Assignment).where(Assignment.member_id == current_user.id)
                                      .options(selectinload(Assignment.initiative).selectinload(Initiative.territory))
                                      .order_by(Assignment.initiative_id)):
        evaluation = sheets.get(assignment.initiative_id)
        state = ("submitted" if evaluation and evaluation.submitted_at else "draft" if evaluation else "todo")
        rows.append((assignment.initiative, state))
    recused = session.scalars(select(Initiative).join(Interest, Interest.initiative_id == Initiative.id)
                              .where(Interest.member_id == current_user.id)).all()
    return render_template("labelling/index.html", seats=seats, rows=rows, recused=recused)


def _sheet_from_form(question_ids: list[int]) -> tuple[dict[int, int], list[str]]:
    sheet: dict[int, int] = {}
    problems: list[str] = []
    for question_id in question_ids:
        raw = request.form.get(f"q-{question_id}", "")
        if raw == "":
            continue
        if raw not in {"0", "1", "2", "3", "4"}:
            problems.append("Chaque note doit être un nombre entier de 0 à 4.")
            continue
        sheet[question_id] = int(raw)
    return sheet, problems


@bp.route("/comite/dossiers/<int:initiative_id>", methods=["GET", "POST"])
@access(Access.AUTHENTICATED)
def dossier(initiative_id: int) -> Any:
    """Read the dossier, score it; once my sheet is submitted, see the others' and the radar."""
    session = db()
    initiative = _member_dossier(initiative_id)
    axes = services.questionnaire(session, initiative.edition)
    if request.method == "GET":
        # The default markers may just have been created: keep them, so the ids in the form stay valid.
        session.commit()
    question_ids = [q.id for axis in axes for q in axis.questions]
    evaluation = services.evaluation_of(session, initiative.id, current_user.id)
    submitted = evaluation is not None and evaluation.submitted_at is not None
    form = SheetForm()
    status = 200
    sheet = {s.question_id: s.value for s in evaluation.scores} if evaluation else {}
    if request.method == "GET" and evaluation is not None:
        form.comment.data = evaluation.comment
    if request.method == "POST":
        if submitted:
            flash("Votre évaluation est déjà soumise : elle ne peut plus être modifiée.", "error")
            return redirect(url_for("labelling.dossier", initiative_id=initiative.id))
        sheet, problems = _sheet_from_form(question_ids)
        if form.validate_on_submit() and not problems:
            try:
                services.save_evaluation(session, current_actor(), initiative, sheet, form.comment.data or "",
                                         submit=bool(form.submit_sheet.data), now=now_utc())
            except DomainError as error:
                session.rollback()
                form.add_error(None, error.message)
            else:
                session.commit()
                flash("Évaluation soumise. Vous voyez désormais celles des autres membres."
                      if form.submit_sheet.data else "Brouillon enregistré.", "success")
                return redirect(url_for("labelling.dossier", initiative_id=initiative.id))
        for problem in dict.fromkeys(problems):
            form.add_error(None, problem)
        status = 422
    review = services.review(session, initiative) if submitted else None
    lines = [dossier_rules.BudgetLine(b.account, b.label, b.amount, b.funder, b.is_departement)
             for b in initiative.budget_lines]
    return render_template(
        "labelling/dossier.html", initiative=initiative, axes=axes, sheet=sheet, form=form, submitted=submitted,
        evaluation=evaluation, review=review, levels=LEVELS, fmt=fmt, interest_form=InterestForm(),
        totals=dossier_rules.budget_totals(lines), accounts=dossier_rules.ACCOUNTS,
        spread=initiative.edition.disagreement_spread,
    ), status


@bp.route("/comite/dossiers/<int:initiative_id>/interet", methods=["POST"])
@access(Access.AUTHENTICATED)
def declare_interest(initiative_id: int) -> Any:
    """Declare an interest: the dossier leaves my list and I take no part in its debate or vote."""
    session = db()
    initiative = get_or_404(Initiative, initiative_id)
    if not services.is_member(session, initiative.edition_id, current_actor()):
        abort(403)
    form = InterestForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.declare_interest(session, current_actor(), initiative, current_actor(), form.note.data or "", now_utc())
    except DomainError as error:
        session.rollback()
        flash(error.message, "error")
        return redirect(url_for("labelling.index"))
    session.commit()
    flash(f"Intérêt enregistré pour « {initiative.title} » : vous ne participerez ni au débat ni au vote "
          "sur ce dossier.", "success")
    return redirect(url_for("labelling.index"))


@bp.route("/comite/dossiers/<int:initiative_id>/radar.<fmt>")
@access(Access.AUTHENTICATED)
def radar(initiative_id: int, fmt: str) -> Any:
    """The committee's radar (members' polygons included), for members who submitted their own sheet."""
    session = db()
    initiative = _member_dossier(initiative_id)
    evaluation = services.evaluation_of(session, initiative.id, current_user.id)
    if evaluation is None or evaluation.submitted_at is None:
        abort(403)
    review = services.review(session, initiative)
    if not review.result.members:
        abort(404)
    return radar_response(services.radar_data(review, initiative.title, with_members=True), fmt, public=False)
