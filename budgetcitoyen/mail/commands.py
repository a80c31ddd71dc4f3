"""`budgetcitoyen worker`: the process that sends the queued mails."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import click
from flask import current_app
from flask.cli import with_appcontext

from budgetcitoyen.mail import worker


@click.command("worker")
@click.option("--once", is_flag=True, help="Send what is due now, then stop.")
@click.option("--batch", type=click.IntRange(1, 1000), default=50, show_default=True,
              help="Mails claimed at a time.")
@click.option("--poll", "poll_seconds", type=click.FloatRange(0.05, 60), default=1.0, show_default=True,
              help="Seconds between two looks at an empty queue.")
@with_appcontext
def worker_command(once: bool, batch: int, poll_seconds: float) -> None:
    """Send the queued mails (several workers may run at once); stops cleanly on SIGTERM or Ctrl+C."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if once:
        click.echo(f"{worker.deliver_all(app, batch)} courriel(s) envoyé(s).")
        return
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()  # the mail being sent is finished and recorded first

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    worker.run(app, poll_seconds=poll_seconds, batch=batch, stop=stop)
