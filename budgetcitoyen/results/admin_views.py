"""The ESS service's pages of the allocation (/gestion/editions/<year>/…): close the vote, compute,
preview and publish the allocation; the printable report to the Commission permanente and its CSV.

Views stay thin: every change is a use case of budgetcitoyen.results.services run through `perform`
(it checks the state, writes the audit log and queues the holders' mails); the pages' figures come
from budgetcitoyen.results.admin_presenters.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, url_for

from budgetcitoyen.clock import now_utc
from budgetcitoyen.csv_export import csv_response
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.forms import BaseForm
from budgetcitoyen.french import euros
from budgetcitoyen.mail import worker
from budgetcitoyen.results import admin_presenters as presenters
from budgetcitoyen.results import figures, services
from budgetcitoyen.results.forms import CloseVoteForm, ComputeForm, PublishForm
from budgetcitoyen.results.models import AllocationResult
from budgetcitoyen.web import (
    Access,
    Outcome,
    access,
    current_actor,
    db,
    or_404,
    perform,
    run_use_case,
    storage,
)

bp = Blueprint("results_admin", __name__, url_prefix="/gestion/editions")


def _edition(year: int) -> Edition:
    return or_404(services.edition_of_year(db(), year))


def _winners(result: AllocationResult) -> str:
    winners = sum(1 for d in result.decisions if d.funded)
    return f"{winners} lauréate{'s' if winners > 1 else ''}"


# --- the allocation page ----------------------------------------------------------------------


def _render(edition: Edition, *, close_form: CloseVoteForm | None = None,
            compute_form: ComputeForm | None = None, publish_form: PublishForm | None = None,
            status: int = 200) -> Any:
    return render_template(
        "results/admin.html", **presenters.allocation_page(db(), edition, now_utc()),
        close_form=close_form or CloseVoteForm(), compute_form=compute_form or ComputeForm(),
        publish_form=publish_form or PublishForm(),
    ), status


def _submit(form: BaseForm, use_case: Callable[..., Any], *args: Any) -> Outcome[Any] | None:
    """Run the use case once the form is valid; None when the form itself is refused."""
    return perform(use_case, *args, form=form) if form.validate_on_submit() else None


def _refused(edition: Edition, outcome: Outcome[Any] | None, **forms: Any) -> Any:
    """The page again, with the form's errors (422) or the use case's refusal (its status)."""
    status = outcome.error.status_code if outcome is not None and outcome.error is not None else 422
    return _render(edition, **forms, status=status)


@bp.route("/<int:year>/repartition")
@access(Access.ADMIN)
def allocation(year: int) -> Any:
    """Where the vote stands, the allocation computed (a preview) and its publication."""
    return _render(_edition(year))


@bp.route("/<int:year>/repartition/clore-le-vote", methods=["POST"])
@access(Access.ADMIN)
def close_vote(year: int) -> Any:
    """End the vote now, with a reason (audited by the service)."""
    edition = _edition(year)
    form = CloseVoteForm()
    reason = form.reason.data or ""
    outcome = _submit(form, services.close_vote_now, edition, current_actor(), reason, now_utc())
    if outcome is None or not outcome.ok:
        return _refused(edition, outcome, close_form=form)
    flash("Le vote est clos. Vous pouvez maintenant calculer la répartition de l'enveloppe.", "success")
    return redirect(url_for(".allocation", year=edition.year))


@bp.route("/<int:year>/repartition/calculer", methods=["POST"])
@access(Access.ADMIN)
def compute(year: int) -> Any:
    """Compute the allocation once the vote is closed (again if the ballots or the settings changed)."""
    edition = _edition(year)
    form = ComputeForm()
    outcome = _submit(form, services.compute, edition, current_actor(), now_utc())
    if outcome is None or not outcome.ok:
        return _refused(edition, outcome, compute_form=form)
    result = outcome.value
    flash(f"Répartition calculée : {_winners(result)}, {euros(result.spent)} attribués, "
          f"{euros(result.remaining)} restants. Vérifiez-la ci-dessous, puis publiez les résultats.",
          "success")
    return redirect(url_for(".allocation", year=edition.year, _anchor="apercu"))


@bp.route("/<int:year>/repartition/publier", methods=["POST"])
@access(Access.ADMIN)
def publish(year: int) -> Any:
    """Publish the computed allocation, once; each holder is told the outcome by e-mail."""
    edition = _edition(year)
    form = PublishForm()
    # The charts are drawn once the answer is sent (a third of the publication's time at 400,000
    # ballots); until then, each chart's page draws it from the same frozen figures.
    outcome = _submit(form, partial(services.publish, with_charts=False), edition, current_actor(), storage(),
                      now_utc())
    if outcome is None or not outcome.ok:
        return _refused(edition, outcome, publish_form=form)
    flash(f"Résultats publiés : {_winners(outcome.value)}, autant de conventions à signer. "
          "Les porteurs sont prévenus par e-mail.", "success")
    response = redirect(url_for(".allocation", year=edition.year))
    response.call_on_close(partial(_draw_charts, current_app._get_current_object(), edition.id))
    return response


def _draw_charts(app: Flask, edition_id: int) -> None:
    """The published charts drawn and stored, in their own transaction, after the publication's answer
    (the WSGI server calls this once the response is sent)."""
    try:
        with app.app_context(), app.extensions["db_sessionmaker"]() as session:
            edition = session.get(Edition, edition_id)
            if edition is not None:
                run_use_case(session, services.draw_charts, edition, app.extensions["storage"])
    except Exception:  # nothing to answer any more: logged; the chart pages keep drawing them
        app.logger.exception("results charts not drawn after the publication")


def draw_missing_charts(app: Flask) -> None:
    """The worker's safety net for `_draw_charts`: a process stopped (deploy, kill) between the
    publication's commit and its drawing leaves the charts to every chart request; the worker draws them."""
    with app.app_context(), app.extensions["db_sessionmaker"]() as session:
        missing = figures.editions_missing_charts(session)
    for edition_id in missing:
        _draw_charts(app, edition_id)


if draw_missing_charts not in worker.CHORES:
    worker.CHORES.append(draw_missing_charts)


# --- the Commission permanente report ------------------------------------------------------------


@bp.route("/<int:year>/commission-permanente")
@access(Access.STAFF)
def commission_report(year: int) -> Any:
    """The report to the Commission permanente, printable, in the département's format."""
    page = presenters.report_page(db(), _edition(year))
    return render_template("results/commission_permanente.html", **page)


@bp.route("/<int:year>/commission-permanente.csv")
@access(Access.STAFF)
def commission_report_csv(year: int) -> Any:
    """The same report as CSV (UTF-8 with BOM, semicolons); 404 until the allocation is computed."""
    edition = _edition(year)
    result = or_404(services.result_of(db(), edition))
    rows, _ = presenters.report_rows(db(), edition, result)
    return csv_response(f"commission-permanente-{edition.year}.csv", presenters.REPORT_CSV_HEADER,
                        presenters.report_csv_lines(edition, rows))
