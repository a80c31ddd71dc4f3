"""`budgetcitoyen reference load` and `reference import-communes`: the reference data from CSV files."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from budgetcitoyen.db import get_session
from budgetcitoyen.errors import DomainError
from budgetcitoyen.reference import cog, services
from budgetcitoyen.web import run_use_case


@click.group("reference")
def reference_group() -> None:
    """Reference data: territories, communes, structure types."""


@reference_group.command("load")
@click.option("--collectivite", default=None,
              help="Profile whose territories and communes to load (default: the configured one).")
@with_appcontext
def reference_load(collectivite: str | None) -> None:
    """Load or update the shipped reference data (idempotent)."""
    profile = collectivite or current_app.config["COLLECTIVITE_PROFILE"]
    try:
        report = run_use_case(get_session(), services.load_reference, profile)
    except DomainError as error:
        raise click.ClickException(error.message) from error
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


@reference_group.command("import-cog")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--departement", default=None, help="INSEE code of the département (62, 33, 2A, 971…).")
@click.option("--region", default=None, help="INSEE code of the région (32, 75…), instead of a département.")
@click.option("--postal-codes", "postal_path", default=None,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="La Poste's base officielle des codes postaux (CSV), for the communes' postal codes.")
@click.option("--collectivite", default=None,
              help="Profile whose territories.csv maps arrondissements to territories (default: configured).")
@with_appcontext
def reference_import_cog(path: Path, departement: str | None, region: str | None, postal_path: Path | None,
                         collectivite: str | None) -> None:
    """Import or update the communes of a département or région from INSEE's COG commune list
    (v_commune_AAAA.csv): new communes get the territory of their arrondissement."""
    if bool(departement) == bool(region):
        raise click.ClickException("Indiquez soit --departement, soit --region.")
    zone, code = ("departement", departement) if departement else ("region", region)
    profile = collectivite or current_app.config["COLLECTIVITE_PROFILE"]
    try:
        postal = (cog.postal_codes_from_la_poste(postal_path.read_text(encoding="utf-8"))
                  if postal_path else None)
        report = run_use_case(get_session(), cog.import_cog, path.read_text(encoding="utf-8"), zone,
                              str(code), services.arrondissement_territories(profile), postal)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"{report.added} communes ajoutées, {report.updated} mises à jour, {report.unchanged} "
               f"inchangées ({report.skipped_other_types} communes déléguées ou associées ignorées).")
