"""The Mission ESS's pages of the allocation (/gestion/editions/<year>/…): close the vote, compute,
preview and publish the allocation; the printable report to the Commission permanente and its CSV.

Views stay thin: every change goes through budgetcitoyen.results.services, which checks the state
(vote closed, not yet published) and writes the audit log.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from sqlalchemy import select
from wtforms import BooleanField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from budgetcitoyen.accounts.models import User
from budgetcitoyen.allocation import AllocationRule
from budgetcitoyen.clock import local_zone, now_utc
from budgetcitoyen.csv_export import csv_response
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.errors import DomainError
from budgetcitoyen.forms import BaseForm
from budgetcitoyen.initiatives.catalogue import public_structure_name
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.views import notify_status
from budgetcitoyen.initiatives.workflow import Status
from budgetcitoyen.results import charts, services
from budgetcitoyen.results.models import AllocationDecision, AllocationResult
from budgetcitoyen.results.views import decisions_of, ranking_rows, recompute_command, rule_description
from budgetcitoyen.voting import services as voting
from budgetcitoyen.voting.rules import last_vote_day
from budgetcitoyen.web import Access, access, current_actor, db

bp = Blueprint("results_admin", __name__, url_prefix="/gestion/editions")


class CloseVoteForm(BaseForm):
    """End the vote now, before its planned end (an incident, a demonstration)."""

    reason = TextAreaField(
        "Motif de la clôture anticipée",
        validators=[DataRequired("Indiquez pourquoi le vote est clos avant la date prévue."), Length(max=500)],
        description="Il est inscrit au journal des modifications.",
    )
    submit = SubmitField("Clore le vote maintenant")


class ComputeForm(BaseForm):
    """Compute (or compute again) the allocation; the form only carries the CSRF token."""

    submit = SubmitField("Calculer la répartition")


class PublishForm(BaseForm):
    """Publish once, for good: statuses, conventions, mails and files follow."""

    confirm = BooleanField(
        "Je confirme la publication : elle est définitive",
        validators=[DataRequired("Cochez la case pour confirmer la publication.")],
    )
    submit = SubmitField("Publier les résultats")


def _edition_or_404(year: int) -> Edition:
    edition = db().scalar(select(Edition).where(Edition.year == year))
    if edition is None:
        abort(404)
    return edition


def _settings_changed(edition: Edition, result: AllocationResult) -> bool:
    """Whether the edition's rule settings moved since the computation (publishing would be refused)."""
    settings = result.settings or {}
    return (result.rule != edition.allocation_rule
            or int(settings.get("threshold") or 0) != edition.vote_threshold
            or settings.get("utility") != edition.mes_utility
            or result.envelope != edition.envelope)


def _edition_settings(edition: Edition) -> dict[str, Any]:
    """What the rule will run with, before any computation (services.rule_settings needs the ballots)."""
    return {
        "threshold": edition.vote_threshold,
        "utility": edition.mes_utility,
        "tie_break": "edition",
        "ceilings": {c.code: str(c.ceiling) for c in edition.categories},
        "sub_envelopes": {c.code: str(c.sub_envelope) for c in edition.categories if c.sub_envelope is not None},
    }


# --- the allocation page ----------------------------------------------------------------------


def _render(edition: Edition, *, close_form: CloseVoteForm | None = None, compute_form: ComputeForm | None = None,
            publish_form: PublishForm | None = None, status: int = 200) -> Any:
    session = db()
    now = now_utc()
    window = edition.window(Phase.VOTE)
    result = services.result_of(session, edition)
    rows = ranking_rows(result, decisions_of(session, result)) if result is not None else []
    published_by = session.get(User, result.published_by_id) if result and result.published_by_id else None
    return render_template(
        "results/admin.html",
        edition=edition,
        window=window,
        vote_status=voting.vote_window_status(edition, now),
        last_day=last_vote_day(window.ends_at, local_zone()) if window else None,
        figures=voting.participation(session, edition),
        result=result,
        rows=rows,
        winners=sum(1 for r in rows if r.funded),
        published_by=published_by,
        stale=result is not None and result.published_at is None and _settings_changed(edition, result),
        edition_rule=rule_description(edition, _edition_settings(edition), edition.allocation_rule),
        rule=rule_description(edition, result.settings or {}, result.rule) if result else None,
        command=recompute_command(result, edition.year) if result and result.published_at else None,
        close_form=close_form or CloseVoteForm(),
        compute_form=compute_form or ComputeForm(),
        publish_form=publish_form or PublishForm(),
        share=charts.share,
        count=charts.count,
    ), status


@bp.route("/<int:year>/repartition")
@access(Access.ADMIN)
def allocation(year: int) -> Any:
    """Where the vote stands, the allocation computed (a preview) and its publication."""
    return _render(_edition_or_404(year))


@bp.route("/<int:year>/repartition/clore-le-vote", methods=["POST"])
@access(Access.ADMIN)
def close_vote(year: int) -> Any:
    """End the vote now, with a reason (audited by the service)."""
    edition = _edition_or_404(year)
    form = CloseVoteForm()
    if not form.validate_on_submit():
        return _render(edition, close_form=form, status=422)
    session = db()
    try:
        services.close_vote_now(session, edition, current_actor(), form.reason.data or "", now_utc())
    except DomainError as error:
        session.rollback()
        form.add_error("reason" if error.field == "reason" else None, error.message)
        return _render(edition, close_form=form, status=error.status_code)
    session.commit()
    flash("Le vote est clos. Vous pouvez maintenant calculer la répartition de l'enveloppe.", "success")
    return redirect(url_for(".allocation", year=edition.year))


@bp.route("/<int:year>/repartition/calculer", methods=["POST"])
@access(Access.ADMIN)
def compute(year: int) -> Any:
    """Compute the allocation once the vote is closed (again if the ballots or the settings changed)."""
    edition = _edition_or_404(year)
    form = ComputeForm()
    if not form.validate_on_submit():
        return _render(edition, compute_form=form, status=422)
    session = db()
    try:
        result = services.compute(session, edition, current_actor(), now_utc())
    except DomainError as error:
        session.rollback()
        form.add_error(None, error.message)
        return _render(edition, compute_form=form, status=error.status_code)
    winners = sum(1 for d in result.decisions if d.funded)
    spent, remaining = charts.euros(result.spent), charts.euros(result.remaining)
    session.commit()
    flash(f"Répartition calculée : {winners} lauréate{'s' if winners > 1 else ''}, {spent} attribués, "
          f"{remaining} restants. Vérifiez-la ci-dessous, puis publiez les résultats.", "success")
    return redirect(url_for(".allocation", year=edition.year, _anchor="apercu"))


@bp.route("/<int:year>/repartition/publier", methods=["POST"])
@access(Access.ADMIN)
def publish(year: int) -> Any:
    """Publish the computed allocation, once; then tell each holder the outcome by e-mail."""
    edition = _edition_or_404(year)
    form = PublishForm()
    if not form.validate_on_submit():
        return _render(edition, publish_form=form, status=422)
    session = db()
    try:
        result = services.publish(session, edition, current_actor(), current_app.instance_path, now_utc())
    except DomainError as error:
        session.rollback()
        form.add_error(None, error.message)
        return _render(edition, publish_form=form, status=error.status_code)
    initiative_ids = [d.initiative_id for d in result.decisions]
    winners = sum(1 for d in result.decisions if d.funded)
    session.commit()
    # After the commit: no mail for a publication that did not happen.
    for initiative in session.scalars(select(Initiative).where(Initiative.id.in_(initiative_ids))):
        last = initiative.history[-1] if initiative.history else None
        if last is not None and last.to_status in (Status.WINNER.value, Status.NOT_SELECTED.value):
            notify_status(initiative, last)
    flash(f"Résultats publiés : {winners} lauréate{'s' if winners > 1 else ''}, autant de conventions à signer. "
          "Les porteurs sont prévenus par e-mail.", "success")
    return redirect(url_for(".allocation", year=edition.year))


# --- the Commission permanente report ------------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    """A line of the report: the budget line, the balance before and after the winner's grant."""

    decision: AllocationDecision
    structure: str | None
    available: Decimal | None
    proposal: Decimal
    balance: Decimal | None


def running_balance(start: Decimal | None, proposals: Sequence[Decimal]) -> list[tuple[Decimal | None, Decimal | None]]:
    """(Disponible, Solde) for each proposal in turn: the Solde of a line is the Disponible of the next."""
    lines: list[tuple[Decimal | None, Decimal | None]] = []
    available = start
    for proposal in proposals:
        balance = available - proposal if available is not None else None
        lines.append((available, balance))
        available = balance
    return lines


def report_rows(edition: Edition, result: AllocationResult) -> tuple[list[ReportRow], Decimal | None]:
    """The winners in ranking order with the running balance, and the first Disponible (None: unknown)."""
    start = edition.credits_available if edition.credits_available is not None else edition.payment_credits
    winners = [d for d in decisions_of(db(), result) if d.funded]
    balances = running_balance(start, [d.granted for d in winners])
    return [ReportRow(decision=d, structure=public_structure_name(d.initiative), available=available,
                      proposal=d.granted, balance=balance)
            for d, (available, balance) in zip(winners, balances, strict=True)], start


@bp.route("/<int:year>/commission-permanente")
@access(Access.STAFF)
def commission_report(year: int) -> Any:
    """The report to the Commission permanente, printable, in the département's format."""
    edition = _edition_or_404(year)
    result = services.result_of(db(), edition)
    rows, start = report_rows(edition, result) if result is not None else ([], None)
    total = sum((r.proposal for r in rows), Decimal(0))
    return render_template(
        "results/commission_permanente.html", edition=edition, result=result, rows=rows, start=start, total=total,
        over=start is not None and total > start,
        count=charts.count,
        rule_label=AllocationRule(result.rule).label
        if result is not None and result.rule in {r.value for r in AllocationRule} else None,
    )


def _csv_amount(value: Decimal | None) -> str:
    # French spreadsheets read "209285,00" as a number; the page shows "209 285,00 €".
    return "" if value is None else f"{value:.2f}".replace(".", ",")


@bp.route("/<int:year>/commission-permanente.csv")
@access(Access.STAFF)
def commission_report_csv(year: int) -> Any:
    """The same report as CSV (UTF-8 with BOM, semicolons); 404 until the allocation is computed."""
    edition = _edition_or_404(year)
    result = services.result_of(db(), edition)
    if result is None:
        abort(404)
    rows, _ = report_rows(edition, result)

    def lines() -> Iterator[list[object]]:
        for r in rows:
            initiative = r.decision.initiative
            yield [r.decision.rank, edition.operation_code, edition.imputation, edition.budget_label,
                   _csv_amount(edition.payment_credits), _csv_amount(r.available), _csv_amount(r.proposal),
                   _csv_amount(r.balance), initiative.id, initiative.title, r.structure or "",
                   initiative.territory.name if initiative.territory else ""]

    return csv_response(f"commission-permanente-{edition.year}.csv", [
        "Rang", "Code opération", "Imputation budgétaire", "Libellé opération", "CP", "Disponible", "Proposition",
        "Solde", "N° initiative", "Initiative", "Structure", "Territoire"], lines())
