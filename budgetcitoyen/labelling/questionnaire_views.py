"""Back office of an edition's questionnaire (/gestion): the ESS markers the committee scores. Agents read
it; administrators rename axes, weight them, reword, add and remove questions until it is frozen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from budgetcitoyen.accounts.permissions import is_admin
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.models import Axis, Edition, Question
from budgetcitoyen.forms import BaseForm
from budgetcitoyen.labelling import admin_presenters, forms, rules, services
from budgetcitoyen.web import Access, access, current_actor, db, perform

bp = Blueprint("labelling_questionnaire", __name__, url_prefix="/gestion")

FROZEN_REFUSAL = ("Le questionnaire est figé : la labellisation a commencé ou des notes existent déjà. "
                  "Il ne peut plus être modifié.")


def _render(edition: Edition, axes: list[Axis], form: BaseForm, frozen: str | None, status: int = 200) -> Any:
    return render_template(
        "labelling/admin_questionnaire.html", edition=edition, axes=axes, form=form, frozen=frozen,
        can_change=is_admin(current_actor().role_set), axis_form=forms.AxisAddForm(),
        question_form=forms.question_add_form(axes), action_form=BaseForm(),
        max_questions=rules.MAX_QUESTIONS_PER_AXIS, min_axes=rules.MIN_AXES), status


@bp.get("/editions/<int:edition_id>/questionnaire")
@access(Access.STAFF, load={"edition_id": Edition})
def questionnaire(edition: Edition) -> Any:
    """The ESS markers of an edition, their weights and questions."""
    axes = services.questionnaire(db(), edition)
    frozen = admin_presenters.frozen_reason(db(), edition, now_utc())
    return _render(edition, axes, forms.questionnaire_form(axes, filled=not frozen), frozen)


@bp.post("/editions/<int:edition_id>/questionnaire")
@access(Access.ADMIN, load={"edition_id": Edition})
def update(edition: Edition) -> Any:
    """Rename axes, weight them and reword questions, until the questionnaire is frozen."""
    axes = services.questionnaire(db(), edition)
    frozen = admin_presenters.frozen_reason(db(), edition, now_utc())
    form = forms.questionnaire_form(axes)
    if frozen:
        form.add_error(None, FROZEN_REFUSAL)
        return _render(edition, axes, form, frozen, 409)
    if form.validate_on_submit() and perform(services.update_questionnaire, current_actor(), edition,
                                             forms.axis_edits(form, axes), now_utc(), form=form).ok:
        flash("Questionnaire enregistré.", "success")
        return redirect(url_for("labelling_questionnaire.questionnaire", edition_id=edition.id))
    return _render(edition, axes, form, frozen, 422)


# --- Structure: axes and questions added or removed -------------------------------------------


def _to_structure(edition_id: int) -> Any:
    return redirect(url_for("labelling_questionnaire.questionnaire", edition_id=edition_id,
                            _anchor="structure"))


def _change(edition_id: int, use_case: Callable[..., Any], *args: Any) -> Any:
    """Run one change of the questionnaire's structure, then go back to it."""
    if perform(use_case, current_actor(), *args, now_utc()).ok:
        flash("Questionnaire modifié.", "success")
    return _to_structure(edition_id)


@bp.post("/editions/<int:edition_id>/questionnaire/axes")
@access(Access.ADMIN, load={"edition_id": Edition})
def axis_add(edition: Edition) -> Any:
    """Add an axis."""
    form = forms.AxisAddForm()
    if not form.validate_on_submit():
        flash("Indiquez le nom de l'axe et sa première question (120 et 300 caractères au plus).", "error")
        return _to_structure(edition.id)
    return _change(edition.id, services.add_axis, edition, form.name.data, form.question.data)


@bp.post("/editions/<int:edition_id>/questionnaire/questions")
@access(Access.ADMIN, load={"edition_id": Edition})
def question_add(edition: Edition) -> Any:
    """Add a question to an axis of this edition."""
    form = forms.question_add_form(services.questionnaire(db(), edition))
    if not form.validate_on_submit():
        flash("Choisissez un axe et indiquez la question (300 caractères au plus).", "error")
        return _to_structure(edition.id)
    axis = db().get(Axis, int(form.axis_id.data))
    if axis is None or axis.edition_id != edition.id:
        abort(404)
    return _change(edition.id, services.add_question, axis, form.text.data)


@bp.post("/axes/<int:axis_id>/supprimer")
@access(Access.ADMIN, load={"axis_id": Axis})
def axis_remove(axis: Axis) -> Any:
    """Remove an axis."""
    return _change(axis.edition_id, services.remove_axis, axis)


@bp.post("/questions/<int:question_id>/supprimer")
@access(Access.ADMIN, load={"question_id": Question})
def question_remove(question: Question) -> Any:
    """Remove a question."""
    return _change(question.axis.edition_id, services.remove_question, question)
