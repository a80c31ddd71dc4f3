"""`budgetcitoyen pb-export YEAR` and `budgetcitoyen pb-import FILE`: an edition's ballots in and out of
Pabulib. Thin wrappers: the import is a use case (results.pabulib_import) committed once."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import click
from flask.cli import with_appcontext

from budgetcitoyen.allocation.commands import read_with_progress
from budgetcitoyen.allocation.pabulib import DEFAULT_MAX_BYTES
from budgetcitoyen.clock import now_utc
from budgetcitoyen.errors import DomainError
from budgetcitoyen.results import pabulib_import, services
from budgetcitoyen.web import db, run_use_case, secret_key


class CommandFailure(click.ClickException):
    """A French error on stderr, exit code 1, no traceback."""

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"Erreur : {self.format_message()}", err=True)


@click.command("pb-export")
@click.argument("year", type=int)
@with_appcontext
def pb_export(year: int) -> None:
    """Écrit sur la sortie standard les bulletins anonymisés comptés d'une édition, au format Pabulib."""
    session = db()
    edition = services.edition_of_year(session, year)
    if edition is None:
        raise CommandFailure(f"Aucune édition {year}.")
    if not services.vote_is_over(edition, now_utc()):
        # The ballots of an open vote would be a running tally.
        raise CommandFailure(f"Le vote de l'édition {year} n'est pas clos : ses bulletins ne sont pas "
                             "exportables.")
    instance = services.load_instance(session, edition)
    sys.stdout.buffer.write(services.ballots_pb(edition, instance, services.rule_settings(edition, instance)))
    sys.stdout.buffer.flush()


@click.command("pb-import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--year", type=int, default=None, help="Année de l'édition créée (sinon lue dans META).")
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES, show_default=True,
              help="Taille maximale du fichier accepté, en octets.")
@with_appcontext
def pb_import(path: Path, year: int | None, max_bytes: int) -> None:
    """Charge un fichier Pabulib (votes par approbation) comme une nouvelle édition, non publiée.

    Tout ou rien : au moindre problème (ligne fautive, projet inconnu…), rien n'est importé.
    """
    try:
        # A PabulibError is a DomainError.
        election = read_with_progress(path, max_bytes, "Lecture du fichier")
        target_year = pabulib_import.year_of(election, year)
        with click.progressbar(length=max(1, election.ballots.num_voters), file=sys.stderr,
                               label="Enregistrement des bulletins") as bar:
            edition, warnings = run_use_case(db(), pabulib_import.import_election, election, target_year,
                                             secret_key(), now_utc(), show=bar.update)
    except DomainError as error:
        raise CommandFailure(error.message) from None
    for warning in warnings:
        click.echo(f"Attention : {warning}", err=True)
    click.echo(f"Édition {edition.year} créée (non publiée) : {len(election.projects)} initiatives, "
               f"{election.ballots.num_voters} bulletins ; répartition : "
               f"/gestion/editions/{edition.year}/repartition.")
    if Decimal(election.budget) <= 0:
        click.echo("Attention : budget nul dans le fichier.", err=True)
