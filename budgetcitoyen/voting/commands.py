"""`budgetcitoyen rewrite-ballots`: store the ballots in random order once the count is final."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from budgetcitoyen.voting.storage import rewrite_ballots
from budgetcitoyen.web import db, run_use_case


@click.command("rewrite-ballots")
@with_appcontext
def rewrite_ballots_command() -> None:
    """Rewrite the ballots in the order of their random ids, so neither their place on disk nor their
    transaction ids keep the casting order (PostgreSQL; SQLite needs nothing). Run it after the vote
    closes, once the last paper ballot is typed in, and before any backup leaves the server. Votes are
    held for the seconds it takes."""
    if run_use_case(db(), rewrite_ballots):
        click.echo("Bulletins réécrits dans l'ordre de leurs identifiants aléatoires.")
    else:
        click.echo("SQLite : les bulletins sont déjà rangés dans l'ordre de leurs identifiants aléatoires.")
