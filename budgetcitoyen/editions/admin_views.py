"""Back-office pages of the editions (/gestion/editions): settings and budget line, calendar,
categories and the labelling committee."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from budgetcitoyen.accounts.models import COLLEGE_LABELS, College, CommitteeMembership
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions import forms, services
from budgetcitoyen.editions.dates import calendar_rows
from budgetcitoyen.editions.models import BALLOT_SCOPE_LABELS, Edition
from budgetcitoyen.editions.rules import PHASE_LABELS, Phase
from budgetcitoyen.forms import BaseForm
from budgetcitoyen.web import Access, access, current_actor, db, perform

bp = Blueprint("editions_admin", __name__, url_prefix="/gestion/editions")


def _saved(changed: bool, message: str) -> None:
    flash(message if changed else "Aucune modification.", "success" if changed else "info")


def _status(form: BaseForm) -> int:
    return 422 if form.errors else 200


@bp.route("")
@access(Access.ADMIN)
def editions() -> str:
    """All editions."""
    return render_template("editions/admin_list.html", editions=services.all_editions(db()))


@bp.route("/nouvelle", methods=["GET", "POST"])
@access(Access.ADMIN)
def edition_new() -> Any:
    """Create an edition with the usual calendar and the four categories."""
    form = forms.EditionForm()
    if request.method == "GET":
        form.process(data=forms.EditionForm.usual(now_utc().year + 1))
    elif form.validate_on_submit():
        outcome = perform(services.create_edition, current_actor(), form.year.data, form.to_input(),
                          now_utc(), form=form)
        if outcome.ok:
            edition = outcome.value
            flash(f"L'édition {edition.year} est créée avec le calendrier habituel ; vérifiez les dates.",
                  "success")
            return redirect(url_for(".edition", edition_id=edition.id))
    return render_template("editions/admin_edition.html", form=form, edition=None), _status(form)


@bp.route("/<int:edition_id>", methods=["GET", "POST"])
@access(Access.ADMIN, load={"edition_id": Edition})
def edition(edition: Edition) -> Any:
    """Settings and budget line of one edition."""
    form = forms.EditionForm(obj=edition)
    if form.validate_on_submit():
        outcome = perform(services.update_edition, current_actor(), edition, form.year.data, form.to_input(),
                          now_utc(), form=form)
        if outcome.ok:
            _saved(outcome.value, "Paramètres enregistrés.")
            return redirect(url_for(".edition", edition_id=edition.id))
    return render_template(
        "editions/admin_edition.html", form=form, edition=edition, rows=calendar_rows(edition, now_utc()),
        scope_labels=BALLOT_SCOPE_LABELS,
    ), _status(form)


@bp.route("/<int:edition_id>/calendrier", methods=["GET", "POST"])
@access(Access.ADMIN, load={"edition_id": Edition})
def edition_calendar(edition: Edition) -> Any:
    """Edit the phase dates."""
    form = forms.CalendarForm()
    if request.method == "GET":
        form.fill(services.dates_of(edition))
    elif form.validate_on_submit():
        outcome = perform(services.update_calendar, current_actor(), edition, form.to_dates(), now_utc(),
                          form=form)
        if outcome.ok:
            _saved(outcome.value, "Calendrier enregistré.")
            return redirect(url_for(".edition", edition_id=edition.id))
    return render_template("editions/admin_calendar.html", form=form, edition=edition, phases=list(Phase),
                           labels=PHASE_LABELS), _status(form)


@bp.route("/<int:edition_id>/categories", methods=["GET", "POST"])
@access(Access.ADMIN, load={"edition_id": Edition})
def edition_categories(edition: Edition) -> Any:
    """Names and ceilings of the categories."""
    form = forms.CategoriesForm()
    if request.method == "GET":
        form.fill(edition.categories)
    elif form.validate_on_submit():
        try:
            changes = form.to_changes()
        except (TypeError, ValueError):
            abort(400)
        outcome = perform(services.update_categories, current_actor(), edition, changes, now_utc(), form=form)
        if outcome.ok:
            _saved(outcome.value, "Catégories enregistrées.")
            return redirect(url_for(".edition_categories", edition_id=edition.id))
    return render_template("editions/admin_categories.html", form=form, edition=edition), _status(form)


@bp.route("/<int:edition_id>/comite", methods=["GET", "POST"])
@access(Access.ADMIN, load={"edition_id": Edition})
def edition_committee(edition: Edition) -> Any:
    """The labelling committee of an edition."""
    form = forms.CommitteeAddForm()
    if form.validate_on_submit():
        outcome = perform(services.seat_on_committee, current_actor(), edition, form.email.data,
                          College(form.college.data), now_utc(), form=form)
        if outcome.ok:
            flash(f"{outcome.value.user.email} siège désormais au comité {edition.year}.", "success")
            return redirect(url_for(".edition_committee", edition_id=edition.id))
    return render_template("editions/admin_committee.html", edition=edition, form=form,
                           seats=services.committee_seats(db(), edition), college_labels=COLLEGE_LABELS), \
        _status(form)


@bp.route("/<int:edition_id>/comite/<int:seat_id>/retirer", methods=["POST"])
@access(Access.ADMIN, load={"seat_id": CommitteeMembership})
def edition_committee_remove(edition_id: int, seat: CommitteeMembership) -> Any:
    """Remove a committee seat."""
    if seat.edition_id != edition_id or not BaseForm().validate_on_submit():
        abort(400)
    if perform(services.remove_committee_member, current_actor(), seat, now_utc()).ok:
        flash("Le membre a été retiré du comité.", "success")
    return redirect(url_for(".edition_committee", edition_id=edition_id))
