"""`budgetcitoyen storage copy`: bring the files of the other backend into the configured one."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from budgetcitoyen.storage import LocalStorage, Storage, copy_files
from budgetcitoyen.storage.database import DatabaseStorage


def other_backend() -> Storage:
    """The backend the app does not use: where files are before a move (or after a restore)."""
    app = current_app
    if isinstance(app.extensions["storage"], DatabaseStorage):
        return LocalStorage.for_instance(Path(app.instance_path), app.config["UPLOAD_FOLDER"])
    return DatabaseStorage(app.extensions["db_engine"])


def settle_files() -> tuple[int, int]:
    """Copy into the configured storage what the other backend holds and it lacks."""
    return copy_files(other_backend(), current_app.extensions["storage"],
                      current_app.extensions["db_sessionmaker"])


@click.group("storage")
def storage_group() -> None:
    """Files kept by the application (BUDGETCITOYEN_STORAGE: local or database)."""


@storage_group.command("copy")
@with_appcontext
def copy_command() -> None:
    """Copy into the configured storage the files the other backend holds (run it after setting
    BUDGETCITOYEN_STORAGE=database to move one server's files to the shared database; again is harmless).
    The source is left as it was: remove it once the site works."""
    copied, present = settle_files()
    target = current_app.extensions["storage"].name
    click.echo(f"{copied} fichier(s) copié(s) vers le stockage « {target} », {present} déjà présent(s).")
