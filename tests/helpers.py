"""Helpers for driving forms through the test client (CSRF tokens included), and reading the journal."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, select, text
from werkzeug.test import TestResponse

from budgetcitoyen.audit.models import AuditEntry
from tests.factories import DEFAULT_PASSWORD

CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, url: str = "/connexion") -> str:
    """The CSRF token of the current session, read from a page's form."""
    page = client.get(url)
    match = CSRF_INPUT.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} (status {page.status_code})"
    return match.group(1)


def post_form(
    client: FlaskClient, url: str, data: dict[str, Any], token_from: str | None = None, **kwargs: Any
) -> TestResponse:
    """POST a form with a valid CSRF token taken from `token_from` (default: the same URL)."""
    payload = {"csrf_token": csrf_token(client, token_from or url), **data}
    return client.post(url, data=payload, **kwargs)


REVIEW_TOKEN = re.compile(r'name="relu" value="([0-9a-f]+)"')


def review_token(client: FlaskClient, csrf: str, choices: list[Any]) -> str:
    """The review step of a ballot (its first sending): the token the confirmation must carry."""
    review = client.post("/vote/bulletin", data={"csrf_token": csrf, "choix": [str(c) for c in choices]})
    found = REVIEW_TOKEN.search(review.get_data(as_text=True))
    assert review.status_code == 200 and found, review.get_data(as_text=True)[:2000]
    return found.group(1)


def cast_ballot(client: FlaskClient, choices: list[Any], token_from: str = "/vote") -> TestResponse:
    """Send a ballot as a voter does: the review page first, then « Confirmer mon vote ». When the review
    refuses the choices, its answer (the ballot shown again) is returned."""
    csrf = csrf_token(client, token_from)
    data = {"csrf_token": csrf, "choix": [str(c) for c in choices]}
    review = client.post("/vote/bulletin", data=data)
    found = REVIEW_TOKEN.search(review.get_data(as_text=True))
    if found is None:
        return review
    return client.post("/vote/bulletin", data={**data, "relu": found.group(1), "confirmer": "1"})


def login(client: FlaskClient, email: str, password: str = DEFAULT_PASSWORD) -> TestResponse:
    """Log in through the real form; fails the test if it does not work."""
    response = post_form(client, "/connexion", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response


def text_of(response: TestResponse) -> str:
    """The response body as text, HTML entities decoded (Jinja escapes apostrophes)."""
    return html.unescape(response.get_data(as_text=True))


def audit_entries(db_session: Any, action: str) -> list[AuditEntry]:
    """The journal's entries of one action, oldest first."""
    return list(
        db_session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
    )


@contextmanager
def scratch_postgres_database(suite_url: str, suffix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database next to the suite's (named after it with `suffix`), dropped after;
    yields its URL with the password, for a process or engine of its own."""
    url = make_url(suite_url)
    name = f"{url.database}_{suffix}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield url.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
