"""`budgetcitoyen reference load` and `reference import-communes`: the reference data from CSV files."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from budgetcitoyen.db import get_session
from budgetcitoyen.errors import DomainError
from budgetcitoyen.reference import services
from budgetcitoyen.web import run_use_case


@click.group("reference")
def reference_group() -> None:
    """Reference data: territories, communes, structure types."""


@reference_group.command("load")
@with_appcontext
def reference_load() -> None:
    """Load or update the shipped reference data (idempotent)."""
    report = run_use_case(get_session(), services.load_reference)
    click.echo(
        f"{report.territories} territoires, {report.communes_added} communes ajoutées, "
        f"{report.communes_updated} mises à jour, {report.structure_types} types de structure."
    )


@reference_group.command("import-communes")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def reference_import_communes(path: Path) -> None:
    """Replace the commune list from a CSV (insee_code,name,postal_codes,territory_code)."""
    try:
        added, updated = run_use_case(get_session(), services.import_communes_file, path)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"{added} communes ajoutées, {updated} mises à jour.")
