"""Mail worker throughput: `budgetcitoyen worker --once` as a whole process, against a local SMTP server.

Queues N rendered mails (a confirmation mail each) in a fresh database, then times, in the same run:
- the worker process delivering the whole queue (claim, send, mark sent, one commit per mail);
- the baseline: a bare Python process sending the same N messages over one smtplib connection
  (what a mail could never beat), so the ratio says what the queue's bookkeeping costs.

    .venv/bin/python benchmarks/mail_worker.py [--mails 2000] [--runs 3] [--database-url postgresql+psycopg://…]

Without --database-url a SQLite file in a temporary folder is used. The SMTP server (aiosmtpd, from
the test dependencies) runs in this process and only counts messages.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).with_name("budgetcitoyen")


class Counting:
    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.count += 1
        return "250 OK"


def environment(database_url: str, instance: Path, port: int) -> dict[str, str]:
    return {**os.environ, "BUDGETCITOYEN_DATABASE_URL": database_url,
            "BUDGETCITOYEN_INSTANCE_PATH": str(instance),
            "BUDGETCITOYEN_SECRET_KEY": "benchmark-secret-key-0123456789",
            "BUDGETCITOYEN_MAIL_HOST": "127.0.0.1", "BUDGETCITOYEN_MAIL_PORT": str(port)}


QUEUE = """
import sys
from budgetcitoyen import create_app
from budgetcitoyen.mail import queue
app = create_app()
with app.app_context(), app.extensions["db_sessionmaker"]() as session:
    session.execute(__import__("sqlalchemy").text("DELETE FROM mail_outbox"))
    for n in range(int(sys.argv[1])):
        queue(session, f"personne{n}@example.org", "Confirmez votre adresse e-mail", "confirm_email",
              link=f"https://budget.example.org/confirmer/{n}", hours=48)
    session.commit()
    if len(sys.argv) > 2:  # dump the rendered messages for the baseline
        import pickle
        from sqlalchemy import select
        from budgetcitoyen.mail.models import OutboxMail
        rows = session.execute(select(OutboxMail.recipient, OutboxMail.message)).all()
        open(sys.argv[2], "wb").write(pickle.dumps([tuple(r) for r in rows]))
"""

BASELINE = """
import pickle, smtplib, sys
rows = pickle.loads(open(sys.argv[1], "rb").read())
with smtplib.SMTP("127.0.0.1", int(sys.argv[2])) as client:
    for recipient, message in rows:
        client.sendmail("ne-pas-repondre@budget-citoyen.localhost", [recipient], message)
"""


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mails", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    handler = Counting()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder)
        url = args.database_url or f"sqlite:///{instance / 'bench.sqlite3'}"
        env = environment(url, instance, port)
        subprocess.run([str(BIN), "db", "upgrade"], env=env, check=True, capture_output=True)
        dump = instance / "messages.pickle"
        worker_times, baseline_times = [], []
        for _ in range(args.runs):
            subprocess.run([sys.executable, "-c", QUEUE, str(args.mails), str(dump)], env=env, check=True)
            before = handler.count
            worker_times.append(timed([str(BIN), "worker", "--once", "--batch", "200"], env))
            assert handler.count - before == args.mails, (handler.count - before, args.mails)
            before = handler.count
            baseline_times.append(timed([sys.executable, "-c", BASELINE, str(dump), str(port)], env))
            assert handler.count - before == args.mails
    controller.stop()
    worker, baseline = statistics.median(worker_times), statistics.median(baseline_times)
    engine = "PostgreSQL" if args.database_url else "SQLite"
    print(f"{args.mails} mails, {args.runs} runs, {engine}, local SMTP server (aiosmtpd), whole processes")
    print(f"worker --once : {worker:6.2f} s  {args.mails / worker:7.0f} mails/s (median)")
    print(f"bare smtplib  : {baseline:6.2f} s  {args.mails / baseline:7.0f} mails/s (median)")
    print(f"worker / bare throughput: {baseline / worker:.2f}")


if __name__ == "__main__":
    main()
