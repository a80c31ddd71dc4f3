"""The ESS service's follow-up of the conventions (/gestion/conventions…): the list and its CSV for the
staff; creating a convention and recording each step for the administrators.

Each step is a use case of budgetcitoyen.conventions.services run through `perform` (it checks the
move, audits it and queues the holder's mail); the pages come from conventions.admin_presenters.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from budgetcitoyen.clock import now_utc
from budgetcitoyen.conventions import admin_presenters as presenters
from budgetcitoyen.conventions import forms, permissions, services
from budgetcitoyen.conventions.models import Convention
from budgetcitoyen.conventions.rules import ConventionStatus
from budgetcitoyen.csv_export import csv_response
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.forms import select_choices
from budgetcitoyen.money import euros_amount
from budgetcitoyen.web import Access, access, current_actor, db, id_param, perform, storage

bp = Blueprint("conventions_admin", __name__, url_prefix="/gestion")
ALL_EDITIONS = "toutes"
# Each step: its form class and the name the detail template knows it by.
STEP_FORMS: dict[str, tuple[type[Any], str]] = {
    "sign": (forms.SignForm, "sign_form"), "pay": (forms.PaymentForm, "payment_form"),
    "close": (forms.CloseForm, "close_form"), "terminate": (forms.TerminateForm, "terminate_form"),
}


def _today() -> date:
    return services.local_today(now_utc())


# --- list and CSV ----------------------------------------------------------------------------


def _filters() -> tuple[int | None, ConventionStatus | None, dict[str, str], Edition | None]:
    """Edition (the current one by default, or every edition) and status from the query string."""
    raw_edition = (request.args.get("edition") or "").strip()[:20]
    raw_status = (request.args.get("statut") or "").strip()[:30]
    edition = presenters.chosen_edition(db(), id_param(raw_edition)) if raw_edition != ALL_EDITIONS else None
    status = ConventionStatus(raw_status) if raw_status in {s.value for s in ConventionStatus} else None
    filters = {"edition": str(edition.id) if edition else ALL_EDITIONS,
               "statut": status.value if status else ""}
    return (edition.id if edition else None), status, filters, edition


def _create_choices(form: forms.CreateForm, edition_id: int | None) -> list[Any]:
    winners = services.winners_without_convention(db(), edition_id) if edition_id is not None else []
    form.initiative_id.choices = select_choices(
        (i.id, f"{i.title} — demandé : {i.amount_asked if i.amount_asked is not None else '—'} €")
        for i in winners)
    return winners


def _render_list(create_form: forms.CreateForm, status_code: int = 200) -> Any:
    edition_id, status, filters, edition = _filters()
    return render_template(
        "conventions/admin_list.html", **presenters.list_page(db(), edition_id, status, _today()),
        winners=_create_choices(create_form, edition_id), edition=edition, filters=filters,
        create_form=create_form, can_change=permissions.can_record_steps(current_actor()),
        all_editions=ALL_EDITIONS, csv_args={k: v for k, v in filters.items() if v},
    ), status_code


@bp.route("/conventions")
@access(Access.STAFF)
def conventions() -> Any:
    """The conventions of an edition, with the late final reports first and the winners still without one."""
    return _render_list(forms.CreateForm())


@bp.route("/conventions/nouvelle", methods=["POST"])
@access(Access.ADMIN)
def create() -> Any:
    """A convention for a winner the allocation left without one."""
    form = forms.CreateForm()
    _create_choices(form, _filters()[0])
    if form.validate_on_submit():
        outcome = perform(services.create_for_winner, current_actor(), form.initiative_id.data,
                          form.amount.data, now_utc(), form=form)
        if outcome.ok:
            flash(f"Convention créée pour « {outcome.value.initiative.title} », à signer.", "success")
            return redirect(url_for(".convention", convention_id=outcome.value.id))
    return _render_list(form, 422)


@bp.route("/conventions.csv")
@access(Access.STAFF)
def conventions_csv() -> Any:
    """The listed conventions as CSV (UTF-8 with BOM, semicolons)."""
    edition_id, status, _, edition = _filters()
    rows = db().scalars(services.listing(edition_id, status))
    name = f"conventions-{edition.year}.csv" if edition else "conventions.csv"
    return csv_response(name, presenters.CSV_HEADER, presenters.csv_lines(rows))


# --- one convention and its steps ------------------------------------------------------------


def _render_detail(convention: Convention, status_code: int = 200, **overrides: Any) -> Any:
    return render_template(
        "conventions/admin_detail.html", **presenters.detail_page(convention, _today(), **overrides),
        can_change=permissions.can_record_steps(current_actor()),
    ), status_code


@bp.route("/conventions/<int:convention_id>")
@access(Access.STAFF, load={"convention_id": Convention})
def convention(convention: Convention) -> Any:
    """One convention: its dates, amounts, final report, reminders, and the form of each next step."""
    return _render_detail(convention)


def _step(convention: Convention, step: str, use_case: Callable[..., Any],
          values: Callable[[Any], tuple[Any, ...]], done: str) -> Any:
    """Validate the step's form and record the step (the holder is mailed); else show the form's errors."""
    form_class, form_name = STEP_FORMS[step]
    form = form_class(prefix=presenters.PREFIXES[step])
    if form.validate_on_submit():
        outcome = perform(use_case, current_actor(), convention, *values(form), now_utc(), form=form)
        if outcome.ok:
            flash(done, "success")
            return redirect(url_for(".convention", convention_id=convention.id))
    return _render_detail(convention, 422, **{form_name: form})


def _amount(value: Decimal | None) -> Decimal | None:
    return euros_amount(value) if value is not None else None


@bp.route("/conventions/<int:convention_id>/signature", methods=["POST"])
@access(Access.ADMIN, load={"convention_id": Convention})
def sign(convention: Convention) -> Any:
    """Record the signature."""
    return _step(convention, "sign", services.sign, lambda f: (f.signed_on.data, f.duration_months.data),
                 "Signature enregistrée. Le porteur a reçu les dates de sa convention.")


@bp.route("/conventions/<int:convention_id>/versement", methods=["POST"])
@access(Access.ADMIN, load={"convention_id": Convention})
def pay(convention: Convention) -> Any:
    """Record the payment."""
    return _step(convention, "pay", services.record_payment,
                 lambda f: (f.paid_on.data, _amount(f.amount_paid.data)),
                 "Versement enregistré. Le porteur a été prévenu.")


@bp.route("/conventions/<int:convention_id>/cloture", methods=["POST"])
@access(Access.ADMIN, load={"convention_id": Convention})
def close(convention: Convention) -> Any:
    """Close the convention after checking the final report."""
    return _step(convention, "close", services.close,
                 lambda f: (f.closed_on.data, _amount(f.amount_to_repay.data), f.note.data or ""),
                 "Convention soldée. Le porteur a été prévenu.")


@bp.route("/conventions/<int:convention_id>/resiliation", methods=["POST"])
@access(Access.ADMIN, load={"convention_id": Convention})
def terminate(convention: Convention) -> Any:
    """Terminate the convention, with the sums to pay back."""
    return _step(convention, "terminate", services.terminate,
                 lambda f: (f.terminated_on.data, f.reason.data or "", _amount(f.amount_to_repay.data)),
                 "Convention résiliée. Le porteur a été prévenu.")


@bp.route("/conventions/<int:convention_id>/bilan", methods=["POST"])
@access(Access.ADMIN, load={"convention_id": Convention})
def report(convention: Convention) -> Any:
    """The ESS service records a final report received by post or e-mail."""
    form = forms.ReportForm(prefix=presenters.PREFIXES["report"])
    if form.validate_on_submit():
        outcome = perform(services.send_report, current_actor(), convention, *form.upload(), storage(),
                          now_utc(), as_staff=True, answers=form.answers(), form=form)
        if outcome.ok:
            flash("Bilan final enregistré. Le porteur a reçu un accusé de réception.", "success")
            return redirect(url_for(".convention", convention_id=convention.id))
    return _render_detail(convention, 422, report_form=form)
