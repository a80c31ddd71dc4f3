"""Log-in paths after issue #11: forgot-password for a known and an unknown address, and the cost of
loading the signed-in account from its device session on every request.

Measured in one run, on a fresh database:
- POST /mot-de-passe-oublie, known and unknown address interleaved (N each): the medians and their
  ratio (before the mail outbox, with a real mail server, the issue measured ~300 ms against ~9 ms);
- the user loader: the device session row and its account in one query (accounts.sessions.load),
  against the baseline of the old loader, a primary-key get of the account; and an authenticated
  GET /compte against GET /healthz.

    .venv/bin/python benchmarks/login_paths.py [--requests 200] [--database-url postgresql+psycopg://…]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alembic import command

from budgetcitoyen import create_app
from budgetcitoyen.accounts import sessions
from budgetcitoyen.accounts.models import User
from budgetcitoyen.accounts.services import register
from budgetcitoyen.clock import now_utc
from budgetcitoyen.migrate import alembic_config

PASSWORD = "Banc-Essai-2026-Mesure"


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
        app = create_app({"INSTANCE_PATH": folder, "DATABASE_URL": url,
                          "SECRET_KEY": "benchmark-0123456789abc", "MAIL_HOST": None,
                          "RATE_LIMIT_FORGOT_PER_ADDRESS": None,
                          "RATE_LIMIT_FORGOT_PER_ACCOUNT": None, "RATE_LIMIT_LOGIN_PER_ADDRESS": None})
        command.upgrade(alembic_config(url), "head")
        with app.app_context(), app.extensions["db_sessionmaker"]() as session:
            user = register(session, "connue@example.org", PASSWORD, now_utc())
            token = sessions.open_session(session, user, now_utc().date())
            user_id = user.id
            session.commit()
        client = app.test_client()
        page = client.get("/mot-de-passe-oublie").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        times: dict[str, list[float]] = {"connue@example.org": [], "inconnue@example.org": []}
        for _ in range(args.requests):
            for email in times:
                times[email].append(timed(lambda e=email: client.post(
                    "/mot-de-passe-oublie", data={"csrf_token": csrf, "email": e})))
        known, unknown = (median_ms(t) for t in times.values())

        make = app.extensions["db_sessionmaker"]
        loads, gets = [], []
        for _ in range(args.requests):
            with make() as session:
                loads.append(timed(lambda s=session: sessions.load(s, token, now_utc().date())))
            with make() as session:
                gets.append(timed(lambda s=session: s.get(User, user_id)))
        signed_in = app.test_client()
        signed_in.post("/connexion", data={"csrf_token": csrf_of(signed_in), "email": "connue@example.org",
                                           "password": PASSWORD})
        account = [timed(lambda: signed_in.get("/compte")) for _ in range(args.requests)]
        health = [timed(lambda: signed_in.get("/healthz")) for _ in range(args.requests)]
        app.extensions["db_engine"].dispose()

    print(f"engine {url.split(':')[0]}, {args.requests} requests each, load {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} CPUs")
    print(f"forgot-password, known address    {known:7.2f} ms (median)")
    print(f"forgot-password, unknown address  {unknown:7.2f} ms   ratio known/unknown {known / unknown:.3f}")
    load_ms, get_ms = median_ms(loads), median_ms(gets)
    print(f"user loader: session row + account {load_ms:6.3f} ms; "
          f"primary-key get (old loader) {get_ms:6.3f} ms; ratio {load_ms / get_ms:.2f}")
    account_ms, health_ms = median_ms(account), median_ms(health)
    print(f"GET /compte signed in {account_ms:6.2f} ms; GET /healthz {health_ms:6.2f} ms;"
          f" ratio {account_ms / health_ms:.2f}")


def csrf_of(client) -> str:  # type: ignore[no-untyped-def]
    page = client.get("/connexion").get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


if __name__ == "__main__":
    main()
