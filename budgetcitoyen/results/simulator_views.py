"""The rule simulator (/gestion/editions/<year>/simulateur): the allocation rules side by side on counted
ballots (this edition's once its vote is over, a past edition's, or a Pabulib file), then the rule the
ESS service retains, with its reason, in the journal."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from budgetcitoyen.allocation import AllocationRule
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.errors import DomainError
from budgetcitoyen.results import services, simulation
from budgetcitoyen.results.forms import ChooseRuleForm, SimulatorFileForm
from budgetcitoyen.web import Access, access, current_actor, db, or_404, perform

bp = Blueprint("results_simulator", __name__, url_prefix="/gestion/editions")


def _edition(year: int) -> Edition:
    return or_404(services.edition_of_year(db(), year))


def _render(edition: Edition, result: simulation.Simulation | None, *,
            file_form: SimulatorFileForm | None = None, rule_form: ChooseRuleForm | None = None,
            status: int = 200) -> Any:
    # The form not being submitted is built without the request's data (it holds the other form's file).
    rule_form = rule_form or ChooseRuleForm(formdata=None, rule=edition.allocation_rule)
    return render_template(
        "results/simulator.html", edition=edition, simulation=result, rules=list(AllocationRule),
        current_rule=AllocationRule(edition.allocation_rule), sources=simulation.sources(db(), now_utc()),
        source_year=request.args.get("source", type=int),
        file_form=file_form or SimulatorFileForm(formdata=None), rule_form=rule_form,
    ), status


@bp.route("/<int:year>/simulateur")
@access(Access.ADMIN)
def simulator(year: int) -> Any:
    """The comparison on the counted ballots of the edition chosen in `?source=<year>`, if any."""
    edition, source_year = _edition(year), request.args.get("source", type=int)
    result = None
    if source_year is not None:
        source = or_404(services.edition_of_year(db(), source_year))
        try:
            result = simulation.simulate_edition(db(), source, now_utc())
        except DomainError as error:
            flash(error.message, "error")
    return _render(edition, result)


@bp.route("/<int:year>/simulateur", methods=["POST"])
@access(Access.ADMIN)
def simulate_file(year: int) -> Any:
    """The comparison on an uploaded Pabulib file (read, compared, forgotten)."""
    edition, form = _edition(year), SimulatorFileForm()
    if not form.validate_on_submit():
        return _render(edition, None, file_form=form, status=422)
    upload = form.pb_file.data
    name = (upload.filename or "")[:100]
    outcome = perform(lambda _session: simulation.simulate_file(upload.read(), name, edition), form=form)
    return _render(edition, outcome.value, file_form=form, status=200 if outcome.ok else 422)


@bp.route("/<int:year>/simulateur/regle", methods=["POST"])
@access(Access.ADMIN)
def choose_rule(year: int) -> Any:
    """Retain the edition's rule, with the reason (audited)."""
    edition, form = _edition(year), ChooseRuleForm()
    if form.validate_on_submit():
        outcome = perform(simulation.choose_rule, current_actor(), edition, AllocationRule(form.rule.data),
                          form.reason.data, now_utc(), form=form)
        if outcome.ok:
            flash(f"Règle retenue pour {edition.year} : {AllocationRule(form.rule.data).label}."
                  if outcome.value else "Cette règle était déjà celle de l'édition.", "success")
            return redirect(url_for(".simulator", year=edition.year))
    return _render(edition, None, rule_form=form, status=422)
