"""Back office of labelling (/gestion): the progress of the committee's work, assigning dossiers, recording
interests, reminding late members, exporting the scores. Agents of the ESS service look; administrators
change. The questionnaire and the decisions have their own pages (questionnaire_views, decision_views)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for

from budgetcitoyen.accounts.models import User
from budgetcitoyen.accounts.permissions import is_admin
from budgetcitoyen.clock import now_utc
from budgetcitoyen.csv_export import csv_response
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.labelling import admin_presenters, services
from budgetcitoyen.labelling.forms import AssignForm, RecordInterestForm, assignment_forms
from budgetcitoyen.labelling.models import Assignment
from budgetcitoyen.web import Access, Outcome, access, current_actor, db, perform

bp = Blueprint("labelling_admin", __name__, url_prefix="/gestion")


def _forms(edition: Edition) -> tuple[AssignForm, RecordInterestForm]:
    return assignment_forms(*admin_presenters.assignment_choices(db(), edition))


def _render_progress(edition: Edition, forms: tuple[AssignForm, RecordInterestForm],
                     status: int = 200) -> Any:
    assign_form, interest_form = forms
    return render_template("labelling/admin_progress.html", assign_form=assign_form,
                           interest_form=interest_form, can_change=is_admin(current_actor().role_set),
                           **admin_presenters.progress_page(db(), edition)), status


def _back_to_progress(edition_id: int) -> Any:
    return redirect(url_for("labelling_admin.progress", edition_id=edition_id))


@bp.route("/editions/<int:edition_id>/labellisation")
@access(Access.STAFF, load={"edition_id": Edition})
def progress(edition: Edition) -> Any:
    """Progress of the labelling per dossier and per member; admins assign, record interests, remind."""
    return _render_progress(edition, _forms(edition))


@bp.route("/editions/<int:edition_id>/labellisation/repartition", methods=["POST"])
@access(Access.ADMIN, load={"edition_id": Edition})
def auto_assign(edition: Edition) -> Any:
    """Give each reviewable dossier its reviewers, loads balanced and conflicts avoided."""
    outcome = perform(services.auto_assign, current_actor(), edition, now_utc())
    if outcome.ok:
        flash(*admin_presenters.auto_assign_message(outcome.value or 0))
    return _back_to_progress(edition.id)


PairAction = Callable[[Initiative, User, Any], Outcome[Any]]


def _on_chosen_pair(edition: Edition, which: int, act: PairAction, done: str) -> Any:
    """Run `act` on the dossier and the member chosen in one of the progress page's forms (0: assign,
    1: interest); `done` is the flash, with {title} and {email}. The page again, with the errors, if
    refused."""
    forms = _forms(edition)
    form = forms[which]
    if form.validate_on_submit():
        initiative = db().get(Initiative, form.initiative_id.data)
        member = db().get(User, form.member_id.data)
        if act(initiative, member, form).ok:
            flash(done.format(title=initiative.title, email=member.email), "success")
            return _back_to_progress(edition.id)
    return _render_progress(edition, forms, 422)


@bp.route("/editions/<int:edition_id>/labellisation/affecter", methods=["POST"])
@access(Access.ADMIN, load={"edition_id": Edition})
def assign(edition: Edition) -> Any:
    """Give one dossier to one member by hand."""
    return _on_chosen_pair(edition, 0, lambda initiative, member, form: perform(
        services.assign_by_hand, current_actor(), initiative, member, now_utc(), form=form),
        "Dossier « {title} » confié à {email}.")


@bp.route("/editions/<int:edition_id>/labellisation/interet", methods=["POST"])
@access(Access.ADMIN, load={"edition_id": Edition})
def record_interest(edition: Edition) -> Any:
    """Record, on a member's behalf, an interest in a dossier: the member leaves it."""
    return _on_chosen_pair(edition, 1, lambda initiative, member, form: perform(
        services.declare_interest, current_actor(), initiative, member, form.note.data or "", now_utc(),
        form=form),
        "Intérêt enregistré : {email} ne prendra part ni au débat ni au vote sur « {title} ».")


@bp.route("/affectations/<int:assignment_id>/retirer", methods=["POST"])
@access(Access.ADMIN, load={"assignment_id": Assignment})
def unassign(assignment: Assignment) -> Any:
    """Take a dossier back from a member who has not submitted."""
    initiative, email = assignment.initiative, assignment.member.email
    edition_id, title = initiative.edition_id, initiative.title
    if perform(services.unassign, current_actor(), assignment, now_utc()).ok:
        flash(f"Dossier « {title} » retiré à {email}.", "success")
    return _back_to_progress(edition_id)


@bp.route("/editions/<int:edition_id>/labellisation/relancer", methods=["POST"])
@access(Access.ADMIN, load={"edition_id": Edition})
def remind(edition: Edition) -> Any:
    """Mail each member who still has dossiers to score, with the list and the links."""
    outcome = perform(services.remind_late_members, edition)
    if outcome.ok:
        flash(*admin_presenters.reminders_message(outcome.value or 0))
    return _back_to_progress(edition.id)


@bp.route("/editions/<int:edition_id>/notes.csv")
@access(Access.STAFF, load={"edition_id": Edition})
def scores_csv(edition: Edition) -> Any:
    """Every submitted score of an edition: one row per dossier, member and question."""
    return csv_response(f"notes-labellisation-{edition.year}.csv", admin_presenters.SCORE_COLUMNS,
                        admin_presenters.score_rows(db(), edition))
