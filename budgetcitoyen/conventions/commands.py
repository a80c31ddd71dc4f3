"""`budgetcitoyen remind`: mail the reminders due today about conventions, once each (run daily from cron)."""

from __future__ import annotations

from datetime import date, datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from budgetcitoyen.clock import now_utc
from budgetcitoyen.conventions import reminders, rules, services
from budgetcitoyen.french import short_date
from budgetcitoyen.web import db, run_use_case


def _describe(pending: reminders.PendingReminder) -> str:
    convention, reminder = pending.convention, pending.reminder
    return (f"convention n° {convention.id} « {convention.initiative.title} » — "
            f"{rules.REMINDER_LABELS[reminder.kind]} (étape du {short_date(reminder.due_on)})")


def _plural(count: int) -> str:
    return "s" if count > 1 else ""


def _book(pending: reminders.PendingReminder) -> bool:
    """Book the reminder with its mail in one transaction (the mail worker sends it, retrying while the
    mail server is down); False when another run booked it first."""
    return run_use_case(db(), reminders.book_reminder, pending, now_utc()) is not None


@click.command("remind")
@click.option("--dry-run", is_flag=True,
              help="Show the reminders that would be sent; send and record nothing.")
@click.option("--date", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Act as if today were this day (YYYY-MM-DD); default: today in the configured time zone.")
@with_appcontext
def remind(dry_run: bool, on: datetime | None) -> None:
    """Send the convention reminders due today: extension window opening, final report due in 30 days,
    final report overdue. Safe to run every day: a reminder is booked with its mail under a unique
    key, so it never goes twice; the mail worker delivers it, retrying while the mail server is down."""
    today: date = on.date() if on else services.local_today(now_utc())
    # Links in the mails are built with url_for, which needs a request: the public address stands in.
    base_url = current_app.config.get("PUBLIC_URL") or "http://localhost"
    with current_app.test_request_context("/", base_url=base_url):
        pending = reminders.pending_reminders(db(), today)
        sent = 0
        for item in pending:
            if item.recipient is None:
                # The account is deleted and the dossier gives no contact: nothing to retry by mail.
                click.echo(f"Sans adresse, non envoyé : {_describe(item)}", err=True)
            elif dry_run:
                click.echo(f"[simulation] À envoyer à {item.recipient} : {_describe(item)}")
            elif _book(item):
                sent += 1
                click.echo(f"Envoyé à {item.recipient} : {_describe(item)}")
    if dry_run:
        click.echo(f"{len(pending)} rappel{_plural(len(pending))} à envoyer le {short_date(today)} "
                   "(simulation : rien n'a été envoyé).")
    elif not pending:
        click.echo(f"Aucun rappel à envoyer le {short_date(today)}.")
    else:
        click.echo(f"{sent} rappel{_plural(sent)} envoyé{_plural(sent)} le {short_date(today)}.")
