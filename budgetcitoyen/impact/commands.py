"""`budgetcitoyen impact send-survey --year N`: mail the yearly impact survey to past winners (through the
mail queue, once per winner and year), e.g. from cron every January."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from budgetcitoyen.clock import now_utc, to_local
from budgetcitoyen.impact import services
from budgetcitoyen.web import db, run_use_case, secret_key


@click.group("impact")
def impact_group() -> None:
    """Impact follow-up of past winners."""


@impact_group.command("send-survey")
@click.option("--year", type=int, default=None,
              help="Year of the survey (default: this year); the winners of the editions before it "
                   "are asked.")
@with_appcontext
def send_survey(year: int | None) -> None:
    """Queue the survey mail, with its signed single-use link, for every past winner not yet asked this
    year; the mail worker sends them. Running it again asks only those not asked yet."""
    now = now_utc()
    # The links in the mails are built with url_for, which needs a request: the public address stands in.
    base_url = current_app.config.get("PUBLIC_URL") or "http://localhost"
    with current_app.test_request_context("/", base_url=base_url):
        sent = run_use_case(db(), services.send_survey, None, year or to_local(now).year, secret_key(), now)
    click.echo(f"Enquête {sent.campaign.year} : {sent.queued} courriel(s) mis en file d'envoi, "
               f"{sent.already} lauréat(s) déjà interrogé(s).")
    for title in sent.without_address:
        click.echo(f"Sans adresse, non interrogé : {title}", err=True)
