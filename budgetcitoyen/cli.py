"""The `budgetcitoyen` command: Flask's CLI plus database, reference-data, admin and demo commands.

Commands that change data run one use case each through `budgetcitoyen.web.run_use_case` (committed
once; a DomainError rolls it back and is shown as the command's error)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

import click
from alembic import command as alembic
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from budgetcitoyen.allocation.commands import allocate_command
from budgetcitoyen.clock import now_utc
from budgetcitoyen.db import get_session
from budgetcitoyen.migrate import alembic_config
from budgetcitoyen.web import run_use_case


def _create_app() -> Flask:
    from budgetcitoyen import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Budget citoyen: participatory budgeting for the social and solidarity economy."""


main.add_command(allocate_command)  # on the group itself: no app, no database


def _alembic_cfg():  # type: ignore[no-untyped-def]
    return alembic_config(current_app.config["DATABASE_URL"])


@click.group("db")
def db_group() -> None:
    """Database schema (Alembic migrations)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@click.option("--sql", is_flag=True, help="Print the SQL instead of running it.")
@with_appcontext
def db_upgrade(revision: str, sql: bool) -> None:
    """Bring the schema up to REVISION (default: the latest)."""
    alembic.upgrade(_alembic_cfg(), revision, sql=sql)


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Take the schema back to REVISION."""
    alembic.downgrade(_alembic_cfg(), revision)


@db_group.command("current")
@with_appcontext
def db_current() -> None:
    """Show the schema's current revision."""
    alembic.current(_alembic_cfg(), verbose=True)


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@with_appcontext
def db_revision(message: str) -> None:
    """Generate a migration from the models (developers)."""
    alembic.revision(_alembic_cfg(), message=message, autogenerate=True)


def _file_roots() -> dict[str, Path]:
    """The folders of files the application must find again (caches are rebuilt, so left out)."""
    return {"uploads": Path(current_app.config["UPLOAD_FOLDER"]),
            "results": Path(current_app.instance_path) / "results"}


class _Failure(click.ClickException):
    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"Erreur : {self.format_message()}", err=True)


@click.command("backup")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Archive to write (default: budgetcitoyen-<date>-<time>.tar.gz here).")
@with_appcontext
def backup_command(output: Path | None) -> None:
    """Save the database and the files (attachments, reports, published files) in one archive."""
    from budgetcitoyen.backup import BackupError, write_backup

    now = now_utc()
    target = output or Path(f"budgetcitoyen-{now:%Y%m%d-%H%M%S}.tar.gz")
    try:
        report = write_backup(current_app.extensions["db_engine"], _file_roots(), target, now)
    except BackupError as error:
        raise _Failure(error.message) from None
    rows = sum(report.rows.values())
    click.echo(f"Sauvegarde : {report.archive} (schéma {report.revision}, {rows} lignes, "
               f"{report.files} fichiers)")
    click.echo(f"SHA-256 : {report.sha256}")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(archive: Path) -> None:
    """Restore an archive of `budgetcitoyen backup` into an empty database and instance folder."""
    from budgetcitoyen.backup import BackupError, restore_backup, sha256_of

    sidecar = archive.with_name(archive.name + ".sha256")
    if sidecar.exists() and sidecar.read_text(encoding="utf-8").split()[0] != sha256_of(archive):
        raise _Failure(f"L'empreinte SHA-256 de {archive.name} ne correspond pas à {sidecar.name}.")
    try:
        report = restore_backup(current_app.extensions["db_engine"], current_app.config["DATABASE_URL"],
                                archive, Path(current_app.instance_path), _file_roots())
    except BackupError as error:
        raise _Failure(error.message) from None
    # The archive's files come back as they were kept (folders or database rows): the configured storage
    # gets those it lacks.
    from budgetcitoyen.storage.commands import settle_files

    copied, _ = settle_files()
    click.echo(f"Restauré : {sum(report.rows.values())} lignes, {report.files + copied} fichiers "
               f"(schéma {report.revision}, puis mis à jour).")


@click.command("seed-demo")
@click.option("--year", type=int, default=None, help="Year of the demo edition (default: this year).")
@click.option("--phase", default=None,
              type=click.Choice(["ideas", "dossiers", "labelling", "vote", "results", "follow_up"]),
              help="Build the calendar so that this phase is open today (default: vote).")
@click.option("--reset", is_flag=True,
              help="Empty the database first and rebuild the demo (demo mode only: BUDGETCITOYEN_DEMO_MODE).")
@click.option("--collectivite", default=None,
              help="Collectivité of the demo, a profile of reference/collectivites (default: the configured "
                   "one, BUDGETCITOYEN_COLLECTIVITE_PROFILE).")
@with_appcontext
def seed_demo(year: int | None, phase: str | None, reset: bool, collectivite: str | None) -> None:
    """Create the demo edition and one account per role, and print their passwords.

    An existing demo edition is kept as it is (running it again changes nothing): asking for another
    phase then fails and says so, and --reset rebuilds the demo from an empty database. In demo mode,
    another collectivité than the configured one is remembered in the instance's settings.toml, so the
    site started next shows its name and colours."""
    from sqlalchemy import make_url, select

    from budgetcitoyen.config import profile_names
    from budgetcitoyen.demo.seed import DEMO_ACCOUNTS
    from budgetcitoyen.demo.seed import seed_demo as seed
    from budgetcitoyen.editions.models import Edition
    from budgetcitoyen.editions.rules import PHASE_LABELS, Phase, current_phase

    now = now_utc()
    year = year or now.year
    wanted = Phase(phase or "vote")
    configured = current_app.config["COLLECTIVITE_PROFILE"]
    collectivite = collectivite or configured
    if collectivite not in profile_names():
        raise click.ClickException(f"Collectivité « {collectivite} » inconnue : "
                                   + ", ".join(profile_names()) + ".")
    if reset:
        url = make_url(current_app.config["DATABASE_URL"])
        if not current_app.config["DEMO_MODE"] or url.get_backend_name() != "sqlite" or not url.database:
            raise click.ClickException(
                "--reset efface la base : il n'est permis qu'en mode démonstration sur une base SQLite "
                "(BUDGETCITOYEN_DEMO_MODE=true, ce que fait scripts/demo).")
        # The demo's SQLite file is removed and made again: simpler and surer than undoing every migration.
        get_session().close()
        current_app.extensions["db_engine"].dispose()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(url.database + suffix).unlink(missing_ok=True)
        alembic.upgrade(_alembic_cfg(), "head")
        click.echo("Base de démonstration effacée : la démonstration est reconstruite.")
    else:
        existing = get_session().scalar(select(Edition).where(Edition.year == year))
        open_now = current_phase(existing.windows(), now) if existing is not None else None
        if existing is not None and open_now is not wanted:
            shown = f"« {PHASE_LABELS[open_now]} »" if open_now else "aucune"
            message = (f"La démonstration {year} existe déjà dans cette base ; étape ouverte : {shown}.")
            if phase is not None:
                # Seeding again would exit 0 and leave the calendar as it is: say so instead.
                raise click.ClickException(
                    f"{message} --phase {phase} n'y changerait rien : relancez avec --reset pour "
                    f"reconstruire la démonstration (scripts/demo --phase {phase} --reset).")
            click.echo(f"Note : {message} (--phase … --reset pour une autre étape)")
    from budgetcitoyen.errors import DomainError

    try:
        edition = run_use_case(get_session(), seed, now, year, wanted, current_app.config["SECRET_KEY"],
                               current_app.extensions["storage"], collectivite)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    if collectivite != configured:
        click.echo(_remember_demo_collectivite(collectivite))
    click.echo(f"Édition de démonstration : {edition.title}")
    click.echo("Comptes de démonstration (adresse / mot de passe / rôle) :")
    for account in DEMO_ACCOUNTS:
        click.echo(f"  {account.email:<24} {account.password:<22} {account.description}")


DEMO_SETTINGS_MARK = "# Written by budgetcitoyen seed-demo --collectivite"


def _remember_demo_collectivite(slug: str) -> str:
    """In demo mode, write the demo's collectivité in the instance's settings.toml (one that this command
    wrote, never a deployment's own), so the site started next shows it; say what to do otherwise."""
    path = Path(current_app.instance_path) / "settings.toml"
    ours = not path.exists() or path.read_text(encoding="utf-8").startswith(DEMO_SETTINGS_MARK)
    if current_app.config["DEMO_MODE"] and ours and "BUDGETCITOYEN_COLLECTIVITE_PROFILE" not in os.environ:
        path.write_text(f'{DEMO_SETTINGS_MARK}\ncollectivite_profile = "{slug}"\n', encoding="utf-8")
        return f"Collectivité de la démonstration : {slug} (enregistrée dans {path})."
    return (f"Note : le site affiche la collectivité configurée ; lancez-le avec "
            f"BUDGETCITOYEN_COLLECTIVITE_PROFILE={slug} pour celle de cette démonstration.")


def register_commands(app: Flask) -> None:
    """Attach the commands to the app's CLI."""
    from budgetcitoyen.accounts.commands import create_admin
    from budgetcitoyen.conventions.commands import remind
    from budgetcitoyen.impact.commands import impact_group
    from budgetcitoyen.mail.commands import worker_command
    from budgetcitoyen.reference.commands import reference_group
    from budgetcitoyen.results.commands import pb_export, pb_import
    from budgetcitoyen.storage.commands import storage_group
    from budgetcitoyen.voting.commands import rewrite_ballots_command

    commands = (db_group, reference_group, create_admin, seed_demo, remind, pb_export, pb_import,
                worker_command, backup_command, restore_command, rewrite_ballots_command, storage_group,
                impact_group)
    for command in commands:
        app.cli.add_command(command)
