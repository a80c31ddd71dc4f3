"""`budgetcitoyen create-admin`: the first administrator, from the server's command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from budgetcitoyen.accounts import services
from budgetcitoyen.clock import now_utc
from budgetcitoyen.db import get_session
from budgetcitoyen.errors import DomainError
from budgetcitoyen.web import run_use_case


@click.command("create-admin")
@click.argument("email")
@click.password_option("--password", prompt="Mot de passe", confirmation_prompt="Confirmez le mot de passe",
                       help="Prompted when omitted (not echoed).")
@with_appcontext
def create_admin(email: str, password: str) -> None:
    """Create an administrator account EMAIL (or make an existing account administrator)."""
    try:
        user = run_use_case(get_session(), services.create_admin, email, password, now_utc())
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Administrateur : {user.email}")
