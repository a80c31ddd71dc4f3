"""Follow-up of the conventions: the Mission ESS's list, CSV and step forms; the holder's card and final report."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from budgetcitoyen.accounts.permissions import is_admin
from budgetcitoyen.clock import now_utc
from budgetcitoyen.conventions import forms, notifications, rules, services
from budgetcitoyen.conventions.models import Convention
from budgetcitoyen.conventions.presenters import holder_report_prefix
from budgetcitoyen.conventions.rules import ConventionStatus
from budgetcitoyen.csv_export import csv_response
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.services import current_edition
from budgetcitoyen.errors import DomainError
from budgetcitoyen.forms import select_choices
from budgetcitoyen.initiatives import uploads
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import STATUS_LABELS as INITIATIVE_LABELS
from budgetcitoyen.money import euros_amount
from budgetcitoyen.web import Access, access, current_actor, db, get_or_404, id_param

bp = Blueprint("conventions", __name__)
admin_bp = Blueprint("conventions_admin", __name__, url_prefix="/gestion")
EXTENSIONS = {content_type: extension for _, content_type, extension in uploads.SIGNATURES}
ALL_EDITIONS = "toutes"
# The detail page shows several step forms at once: prefixes keep their field ids apart.
PREFIXES = {"sign": "signature", "pay": "versement", "report": "bilan", "close": "cloture",
            "terminate": "resiliation"}


def _upload_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def _require_admin() -> None:
    """Agents follow the conventions; only administrators record their steps."""
    if not is_admin(current_user.role_set):
        abort(403)


def _fr_date(day: Any) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


# --- Holder ----------------------------------------------------------------------------------


def _holder_convention(initiative_id: int) -> Convention:
    initiative = get_or_404(Initiative, initiative_id)
    if initiative.holder_id != current_user.id:
        abort(403)
    convention = services.convention_of(db(), initiative)
    if convention is None:
        abort(404)
    return convention


def _store_report(convention: Convention, form: forms.ReportForm, *, as_staff: bool) -> bool:
    """Check, store on disk, record, commit; the file is removed again if anything fails. True when saved."""
    session = db()
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        form.add_error("file", "Choisissez le fichier du bilan final.")
        return False
    now = now_utc()
    try:
        services.check_can_send_report(convention, current_actor(), as_staff=as_staff)
        stored = uploads.store(upload.stream, _upload_folder())
    except DomainError as error:
        form.add_error("file", error.message)
        return False
    try:
        replaced = services.record_report(session, current_actor(), convention, stored, upload.filename, now,
                                          as_staff=as_staff)
        session.commit()
    except DomainError as error:
        session.rollback()
        uploads.path_of(_upload_folder(), stored.stored_name).unlink(missing_ok=True)
        form.add_error("file", error.message)
        return False
    except BaseException:
        session.rollback()
        uploads.path_of(_upload_folder(), stored.stored_name).unlink(missing_ok=True)
        raise
    if replaced:
        uploads.path_of(_upload_folder(), replaced).unlink(missing_ok=True)
    notifications.notify_step(convention, "report")
    return True


@bp.route("/dossiers/<int:initiative_id>/convention/bilan", methods=["POST"])
@access(Access.AUTHENTICATED)
def report_upload(initiative_id: int) -> Any:
    """The holder sends the final report; a refused file leaves nothing behind."""
    convention = _holder_convention(initiative_id)
    form = forms.ReportForm(prefix=holder_report_prefix(convention))
    back = redirect(url_for("dashboards.holder", _anchor=f"convention-{convention.id}"))
    if not form.validate_on_submit():
        abort(400)
    if _store_report(convention, form, as_staff=False):
        flash("Votre bilan final est envoyé. La mission ESS vous écrira après l'avoir examiné.", "success")
    else:
        for message in form.file.errors:
            flash(message, "error")
    return back


@bp.route("/dossiers/<int:initiative_id>/convention/bilan", methods=["GET"])
@access(Access.AUTHENTICATED)
def report_download(initiative_id: int) -> Any:
    """The final report, to its holder and the Mission ESS only, always as a download."""
    initiative = get_or_404(Initiative, initiative_id)
    convention = services.convention_of(db(), initiative)
    if convention is None:
        abort(404)
    if not services.can_see(convention, current_actor()):
        abort(403)
    if not convention.report_stored_name:
        abort(404)
    path = uploads.path_of(_upload_folder(), convention.report_stored_name)
    if not path.is_file():
        abort(404)
    stem = (convention.report_original_name or "").rsplit(".", 1)[0] or "bilan-final"
    response = send_file(path, mimetype=convention.report_content_type, as_attachment=True,
                         download_name=stem + EXTENSIONS.get(convention.report_content_type or "", ""))
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- Mission ESS: list and CSV ---------------------------------------------------------------


def _filters() -> tuple[int | None, ConventionStatus | None, dict[str, str], Edition | None]:
    """Edition (the current one by default, or every edition) and status from the query string."""
    session = db()
    raw_edition = (request.args.get("edition") or "").strip()[:20]
    raw_status = (request.args.get("statut") or "").strip()[:30]
    edition: Edition | None = None
    if raw_edition != ALL_EDITIONS:
        edition_id = id_param(raw_edition)
        edition = session.get(Edition, edition_id) if edition_id is not None else None
        if edition is None:
            edition = current_edition(session) or session.scalar(select(Edition).order_by(Edition.year.desc()))
    status = ConventionStatus(raw_status) if raw_status in {s.value for s in ConventionStatus} else None
    filters = {"edition": str(edition.id) if edition else ALL_EDITIONS, "statut": status.value if status else ""}
    return (edition.id if edition else None), status, filters, edition


@admin_bp.route("/conventions")
@access(Access.STAFF)
def conventions() -> Any:
    """The conventions of an edition, with the late final reports first and the winners still without one."""
    return _render_list(forms.CreateForm())


def _create_choices(form: forms.CreateForm, edition_id: int | None) -> list[Initiative]:
    winners = services.winners_without_convention(db(), edition_id) if edition_id is not None else []
    form.initiative_id.choices = select_choices(
        (i.id, f"{i.title} — demandé : {i.amount_asked if i.amount_asked is not None else '—'} €") for i in winners)
    return winners


def _render_list(create_form: forms.CreateForm, status_code: int = 200) -> Any:
    session = db()
    edition_id, status, filters, edition = _filters()
    rows = session.scalars(services.listing(edition_id, status)).all()
    today = services.local_today(now_utc())
    late = services.late_reports(session, edition_id, today)
    winners = _create_choices(create_form, edition_id)
    counts = Counter(c.status for c in rows)
    totals = {"granted": sum((c.amount_granted for c in rows), Decimal("0")),
              "paid": sum((c.amount_paid or Decimal("0") for c in rows), Decimal("0")),
              "repay": sum((c.amount_to_repay or Decimal("0") for c in rows), Decimal("0"))}
    editions = session.scalars(select(Edition).order_by(Edition.year.desc())).all()
    return render_template(
        "conventions/admin_list.html", conventions=rows, late=late, winners=winners, edition=edition,
        editions=editions, filters=filters, labels=rules.STATUS_LABELS, counts=counts, totals=totals, today=today,
        create_form=create_form, can_change=is_admin(current_user.role_set), all_editions=ALL_EDITIONS,
        csv_args={k: v for k, v in filters.items() if v},
    ), status_code


@admin_bp.route("/conventions/nouvelle", methods=["POST"])
@access(Access.STAFF)
def create() -> Any:
    """A convention for a winner the allocation left without one."""
    _require_admin()
    form = forms.CreateForm()
    edition_id, _, _, _ = _filters()
    _create_choices(form, edition_id)
    if form.validate_on_submit():
        session = db()
        initiative = session.get(Initiative, form.initiative_id.data)
        if initiative is None:
            form.add_error("initiative_id", "Initiative inconnue.")
        else:
            try:
                convention = services.create_convention(session, initiative, euros_amount(form.amount.data),
                                                        now_utc(), actor=current_actor())
            except DomainError as error:
                session.rollback()
                form.add_error("initiative_id" if error.field != "amount" else "amount", error.message)
            else:
                session.commit()
                flash(f"Convention créée pour « {initiative.title} », à signer.", "success")
                return redirect(url_for("conventions_admin.convention", convention_id=convention.id))
    return _render_list(form, 422)


@admin_bp.route("/conventions.csv")
@access(Access.STAFF)
def conventions_csv() -> Any:
    """The listed conventions as CSV (UTF-8 with BOM, semicolons)."""
    edition_id, status, _, edition = _filters()
    rows = db().scalars(services.listing(edition_id, status))

    def lines() -> Any:
        for c in rows:
            i = c.initiative
            yield [c.id, c.edition.year, i.title, i.structure_name, i.siret, rules.STATUS_LABELS[c.status_enum],
                   c.amount_granted, _fr_date(c.signed_on), c.duration_months if c.signed_on else "",
                   _fr_date(c.end_on), _fr_date(c.paid_on), c.amount_paid if c.amount_paid is not None else "",
                   _fr_date(c.report_due_on),
                   c.report_received_at.strftime("%d/%m/%Y") if c.report_received_at else "",
                   _fr_date(c.closed_on), _fr_date(c.terminated_on), c.termination_reason,
                   c.amount_to_repay if c.amount_to_repay is not None else ""]

    name = f"conventions-{edition.year}.csv" if edition else "conventions.csv"
    return csv_response(name, [
        "N°", "Édition", "Initiative", "Structure", "SIRET", "Statut", "Montant accordé (€)", "Signée le",
        "Durée (mois)", "Fin le (inclus)", "Versée le", "Montant versé (€)", "Bilan dû le (inclus)", "Bilan reçu le",
        "Soldée le", "Résiliée le", "Motif de résiliation", "À reverser (€)"], lines())


# --- Mission ESS: one convention and its steps -----------------------------------------------


def _render_detail(convention: Convention, status_code: int = 200, **overrides: Any) -> Any:
    today = services.local_today(now_utc())
    step_forms: dict[str, Any] = {
        "sign_form": forms.SignForm(formdata=None, prefix=PREFIXES["sign"], data={"signed_on": today}),
        "payment_form": forms.PaymentForm(formdata=None, prefix=PREFIXES["pay"],
                                          data={"paid_on": today, "amount_paid": convention.amount_granted}),
        "report_form": forms.ReportForm(formdata=None, prefix=PREFIXES["report"]),
        "close_form": forms.CloseForm(formdata=None, prefix=PREFIXES["close"],
                                      data={"closed_on": today, "amount_to_repay": Decimal("0")}),
        "terminate_form": forms.TerminateForm(formdata=None, prefix=PREFIXES["terminate"],
                                              data={"terminated_on": today}),
    }
    step_forms.update(overrides)
    status = convention.status_enum
    return render_template(
        "conventions/admin_detail.html", convention=convention, labels=rules.STATUS_LABELS,
        initiative_labels=INITIATIVE_LABELS, moves=rules.next_moves(status), statuses=ConventionStatus,
        can_change=is_admin(current_user.role_set), today=today,
        late=rules.is_report_late(status, convention.report_due_on, today),
        reminder_labels=rules.REMINDER_LABELS, step_errors=any(f.errors for f in step_forms.values()), **step_forms,
    ), status_code


@admin_bp.route("/conventions/<int:convention_id>")
@access(Access.STAFF)
def convention(convention_id: int) -> Any:
    """One convention: its dates, amounts, final report, reminders, and the form of each next step."""
    return _render_detail(get_or_404(Convention, convention_id))


# Each step: its form class and the name the detail template knows it by.
STEP_FORMS: dict[str, tuple[type[Any], str]] = {
    "sign": (forms.SignForm, "sign_form"), "pay": (forms.PaymentForm, "payment_form"),
    "close": (forms.CloseForm, "close_form"), "terminate": (forms.TerminateForm, "terminate_form"),
}


def _step(convention_id: int, step: str, action: Any, mail_step: str, done: str) -> Any:
    """Validate the step's form, run the service, commit and mail the holder; else show the form's errors."""
    _require_admin()
    convention = get_or_404(Convention, convention_id)
    form_class, form_name = STEP_FORMS[step]
    form = form_class(prefix=PREFIXES[step])
    if form.validate_on_submit():
        session = db()
        try:
            action(session, convention, form)
        except DomainError as error:
            session.rollback()
            session.refresh(convention)
            form.add_error(error.field, error.message)
        else:
            session.commit()
            notifications.notify_step(convention, mail_step)
            flash(done, "success")
            return redirect(url_for("conventions_admin.convention", convention_id=convention.id))
    return _render_detail(convention, 422, **{form_name: form})


def _amount(value: Decimal | None) -> Decimal | None:
    return euros_amount(value) if value is not None else None


@admin_bp.route("/conventions/<int:convention_id>/signature", methods=["POST"])
@access(Access.STAFF)
def sign(convention_id: int) -> Any:
    """Record the signature."""
    def action(session: Session, convention: Convention, form: forms.SignForm) -> None:
        services.sign(session, current_actor(), convention, form.signed_on.data, form.duration_months.data,
                      now_utc())

    return _step(convention_id, "sign", action, "signed",
                 "Signature enregistrée. Le porteur a reçu les dates de sa convention.")


@admin_bp.route("/conventions/<int:convention_id>/versement", methods=["POST"])
@access(Access.STAFF)
def pay(convention_id: int) -> Any:
    """Record the payment."""
    def action(session: Session, convention: Convention, form: forms.PaymentForm) -> None:
        services.record_payment(session, current_actor(), convention, form.paid_on.data,
                                _amount(form.amount_paid.data), now_utc())

    return _step(convention_id, "pay", action, "paid", "Versement enregistré. Le porteur a été prévenu.")


@admin_bp.route("/conventions/<int:convention_id>/cloture", methods=["POST"])
@access(Access.STAFF)
def close(convention_id: int) -> Any:
    """Close the convention after checking the final report."""
    def action(session: Session, convention: Convention, form: forms.CloseForm) -> None:
        services.close(session, current_actor(), convention, form.closed_on.data,
                       _amount(form.amount_to_repay.data), form.note.data or "", now_utc())

    return _step(convention_id, "close", action, "closed", "Convention soldée. Le porteur a été prévenu.")


@admin_bp.route("/conventions/<int:convention_id>/resiliation", methods=["POST"])
@access(Access.STAFF)
def terminate(convention_id: int) -> Any:
    """Terminate the convention, with the sums to pay back."""
    def action(session: Session, convention: Convention, form: forms.TerminateForm) -> None:
        services.terminate(session, current_actor(), convention, form.terminated_on.data, form.reason.data or "",
                           _amount(form.amount_to_repay.data), now_utc())

    return _step(convention_id, "terminate", action, "terminated",
                 "Convention résiliée. Le porteur a été prévenu.")


@admin_bp.route("/conventions/<int:convention_id>/bilan", methods=["POST"])
@access(Access.STAFF)
def report(convention_id: int) -> Any:
    """The Mission ESS records a final report received by post or e-mail."""
    _require_admin()
    convention = get_or_404(Convention, convention_id)
    form = forms.ReportForm(prefix=PREFIXES["report"])
    if form.validate_on_submit() and _store_report(convention, form, as_staff=True):
        flash("Bilan final enregistré. Le porteur a reçu un accusé de réception.", "success")
        return redirect(url_for("conventions_admin.convention", convention_id=convention.id))
    db().refresh(convention)
    return _render_detail(convention, 422, report_form=form)
