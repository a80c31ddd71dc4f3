"""Forgot-password takes the same path for known and unknown addresses: same page, same statements,
one mail queued either way (the mail server is never talked to in the request), same time."""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select

from budgetcitoyen.mail.models import OutboxMail
from tests.helpers import csrf_token

KNOWN, UNKNOWN = "jeanne@example.org", "personne@example.org"


@pytest.fixture(autouse=True)
def _no_rate_limit(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    # Many requests for one address below: the per-e-mail limit would answer 429 (the same for both).
    for name in ("RATE_LIMIT_FORGOT_PER_ADDRESS", "RATE_LIMIT_FORGOT_PER_ACCOUNT"):
        monkeypatch.setitem(app.config, name, None)


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """The SQL statements run meanwhile, parameters aside (their shape, not their values)."""
    seen: list[str] = []
    engine = app.extensions["db_engine"]

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(re.sub(r"\s+", " ", statement))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def ask(client: FlaskClient, email: str, token: str) -> tuple[int, str, float]:
    started = time.perf_counter()
    response = client.post("/mot-de-passe-oublie", data={"csrf_token": token, "email": email})
    elapsed = time.perf_counter() - started
    return response.status_code, response.headers.get("Location", ""), elapsed


def queued(db_session) -> int:  # type: ignore[no-untyped-def]
    return db_session.scalar(select(func.count()).select_from(OutboxMail)) or 0


def test_known_and_unknown_addresses_run_the_same_statements_and_queue_one_mail(
    app: Flask, make_user, db_session
) -> None:
    make_user(email=KNOWN)
    client = app.test_client()
    token = csrf_token(client, "/mot-de-passe-oublie")
    ask(client, KNOWN, token)  # warm caches (templates, statements) for both paths alike
    ask(client, UNKNOWN, token)
    before = queued(db_session)
    with statements(app) as known_path:
        known = ask(client, KNOWN, token)
    assert queued(db_session) == before + 1
    with statements(app) as unknown_path:
        unknown = ask(client, UNKNOWN, token)
    assert queued(db_session) == before + 2
    assert known[:2] == unknown[:2] == (302, "/connexion")
    assert known_path == unknown_path
    assert any(s.startswith("INSERT INTO mail_outbox") for s in known_path)


def test_the_time_taken_does_not_tell_either(app: Flask, make_user) -> None:
    make_user(email=KNOWN)
    client = app.test_client()
    token = csrf_token(client, "/mot-de-passe-oublie")
    times: dict[str, list[float]] = {KNOWN: [], UNKNOWN: []}
    for _ in range(30):
        for email in (KNOWN, UNKNOWN):  # interleaved, so the machine's load falls on both alike
            times[email].append(ask(client, email, token)[2])
    known, unknown = statistics.median(times[KNOWN]), statistics.median(times[UNKNOWN])
    # Before the outbox, with a real mail server: ~300 ms against ~9 ms (33x). A generous bound, for a
    # loaded machine: the statements are the same (test above), this checks nothing slow hides elsewhere.
    assert max(known, unknown) / min(known, unknown) < 1.5, (known, unknown)
