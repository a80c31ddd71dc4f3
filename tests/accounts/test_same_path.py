"""Forgot-password and a new confirmation link take the same path whatever the address: same page, same
statements, one mail queued either way (the mail server is never talked to in the request), same time."""

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
from tests.conftest import SmtpServer, body_of
from tests.helpers import csrf_token

CONFIRMED, UNCONFIRMED, UNKNOWN = "jeanne@example.org", "paul@example.org", "personne@example.org"
FORGOT, RESEND = "/mot-de-passe-oublie", "/confirmation/renvoyer"
# The addresses whose answers must not differ, by form: for a new confirmation link, an unconfirmed
# account (gets the link), a confirmed one and an unknown address (get "nothing to confirm").
ADDRESSES = {FORGOT: (CONFIRMED, UNKNOWN), RESEND: (UNCONFIRMED, CONFIRMED, UNKNOWN)}


@pytest.fixture(autouse=True)
def _setting(app: Flask, make_user, monkeypatch: pytest.MonkeyPatch) -> None:
    # Many requests for one address below: the per-e-mail limits would answer 429 (the same for all).
    for name in ("FORGOT", "RESEND"):
        for dimension in ("ADDRESS", "ACCOUNT"):
            monkeypatch.setitem(app.config, f"RATE_LIMIT_{name}_PER_{dimension}", None)
    make_user(email=CONFIRMED)
    make_user(email=UNCONFIRMED, confirmed=False)


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


def ask(client: FlaskClient, url: str, email: str, token: str) -> tuple[int, str, float]:
    started = time.perf_counter()
    response = client.post(url, data={"csrf_token": token, "email": email})
    elapsed = time.perf_counter() - started
    return response.status_code, response.headers.get("Location", ""), elapsed


def queued(db_session) -> int:  # type: ignore[no-untyped-def]
    return db_session.scalar(select(func.count()).select_from(OutboxMail)) or 0


@pytest.mark.parametrize("url", [FORGOT, RESEND])
def test_every_address_runs_the_same_statements_and_queues_one_mail(
    app: Flask, db_session, smtp: SmtpServer, url: str
) -> None:
    client = app.test_client()
    token = csrf_token(client, url)
    for email in ADDRESSES[url]:
        ask(client, url, email, token)  # warm caches (templates, statements) for every path alike
    answers, paths = [], []
    for email in ADDRESSES[url]:
        before = queued(db_session)
        with statements(app) as path:
            answers.append(ask(client, url, email, token)[:2])
        paths.append(path)
        assert queued(db_session) == before + 1, email
    assert len(set(answers)) == 1 and answers[0][0] == 302
    assert all(path == paths[0] for path in paths)
    assert any(s.startswith("INSERT INTO mail_outbox") for s in paths[0])
    # Only the mailbox's owner learns which: a link for the account, "nothing to do" for the others.
    links = {email: "/mot-de-passe/" in body_of(smtp.last_to(email)) or "/confirmer/" in body_of(
        smtp.last_to(email)) for email in ADDRESSES[url]}
    assert links == {email: email == ADDRESSES[url][0] for email in ADDRESSES[url]}


@pytest.mark.parametrize("url", [FORGOT, RESEND])
def test_the_time_taken_does_not_tell_either(app: Flask, url: str) -> None:
    client = app.test_client()
    token = csrf_token(client, url)
    times: dict[str, list[float]] = {email: [] for email in ADDRESSES[url]}
    for _ in range(30):
        for email in times:  # interleaved, so the machine's load falls on every path alike
            times[email].append(ask(client, url, email, token)[2])
    medians = [statistics.median(t) for t in times.values()]
    # Before the outbox, with a real mail server: ~300 ms against ~9 ms (33x). A generous bound, for a
    # loaded machine: the statements are the same (test above), this checks nothing slow hides elsewhere.
    assert max(medians) / min(medians) < 1.5, medians
