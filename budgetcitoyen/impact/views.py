"""The public impact page, its chart, and the survey a past winner answers through its signed link (no
account needed: the link is the proof, and serves once)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, url_for

from budgetcitoyen.clock import now_utc
from budgetcitoyen.errors import DomainError
from budgetcitoyen.impact import forms, presenters, services
from budgetcitoyen.results import charts
from budgetcitoyen.web import Access, access, db, or_404, perform, secret_key

bp = Blueprint("impact", __name__)


def chosen_figures() -> tuple[services.CampaignFigures | None, list[Any]]:
    """The figures of the campaign asked by ?enquete=YEAR (404 when there is none), else the latest."""
    return or_404(presenters.chosen(db(), request.args.get("enquete")))


@bp.route("/impact")
@access(Access.PUBLIC)
def page() -> Any:
    """What became of the initiatives funded: the yearly survey of past winners, per edition and
    territory, with the stories their authors agreed to publish."""
    figures, campaigns = chosen_figures()
    return render_template("impact/page.html", **presenters.page(figures, campaigns))


@bp.route("/impact/<int:year>/graphique.svg")
@access(Access.PUBLIC)
def chart(year: int) -> Any:
    """The chart of a campaign's answers (404 while they are too few to be shown)."""
    campaign = or_404(services.campaign_of(db(), year))
    spec = or_404(presenters.chart_spec(services.campaign_figures(db(), campaign)))
    response = Response(charts.render(spec), mimetype=charts.MIMETYPE)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def _link_error(error: DomainError) -> Any:
    return render_template("impact/link_error.html", message=error.message,
                           answered=isinstance(error, services.AlreadyAnswered)), error.status_code


@bp.route("/impact/questionnaire/<token>", methods=["GET", "POST"])
@access(Access.PUBLIC)
def survey(token: str) -> Any:
    """The survey of one past winner: its answer is recorded once, whole or not at all."""
    try:
        invitation = services.invitation_for(db(), secret_key(), token)
    except DomainError as error:
        return _link_error(error)
    form = forms.SurveyForm()
    if form.validate_on_submit():
        outcome = perform(services.answer_survey, secret_key(), token, form.answers(), now_utc(), form=form)
        if outcome.ok:
            return redirect(url_for(".thanks"))
        if isinstance(outcome.error, services.AlreadyAnswered):
            return _link_error(outcome.error)
    status = 422 if form.is_submitted() else 200
    return render_template("impact/survey.html", form=form, invitation=invitation), status


@bp.route("/impact/merci")
@access(Access.PUBLIC)
def thanks() -> Any:
    """After an answer."""
    return render_template("impact/thanks.html")
