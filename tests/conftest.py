"""Shared fixtures: one migrated template database, reset between tests; a real SMTP server; the app.

The database comes from BUDGETCITOYEN_TEST_DATABASE_URL (SQLite in a temporary folder when unset),
so the same suite runs on SQLite and on PostgreSQL. Tests commit for real (HTTP requests, races,
the browser's live server), so isolation is by reset, not by an enclosing transaction:
SQLite copies a pristine file back; PostgreSQL truncates the tables that tests fill.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import time_machine
from aiosmtpd.controller import Controller
from alembic import command
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from budgetcitoyen import create_app
from budgetcitoyen.db import make_engine, make_sessionmaker
from budgetcitoyen.mail.worker import deliver_all
from budgetcitoyen.migrate import alembic_config
from budgetcitoyen.reference.services import load_reference

# Filled once in the template. On PostgreSQL a copy is kept in a side schema and put back
# before each test, since some tests rename territories or import communes.
REFERENCE_TABLES = ("territories", "structure_types", "communes")  # in foreign-key order
SNAPSHOT_SCHEMA = "test_snapshot"

pytest_plugins = ["tests.factories", "tests.oidc.fixtures"]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- SMTP ------------------------------------------------------------------------------------


class RecordingHandler:
    """aiosmtpd handler keeping every message it receives; addresses in `refuse` get a 550."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: set[str] = set()
        self.lock = threading.Lock()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 Destinataire inconnu"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


class SmtpServer:
    """A real SMTP server on loopback, and what it received.

    Reading `messages` first runs the mail worker's own delivery code once over the queue (in this
    process), so a test sees what a running `budgetcitoyen worker` would have sent by then."""

    def __init__(self) -> None:
        self.handler = RecordingHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.app: Flask | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        if self.app is not None:
            deliver_all(self.app)
        with self.handler.lock:
            return list(self.handler.messages)

    def clear(self) -> None:
        """Forget every mail sent so far, the queued ones included (they are delivered first)."""
        if self.app is not None:
            deliver_all(self.app)
        with self.handler.lock:
            self.handler.messages.clear()

    def last_to(self, address: str) -> EmailMessage:
        """The last message sent to `address` (fails the test when there is none)."""
        for message in reversed(self.messages):
            if address in str(message["To"]):
                return message
        raise AssertionError(f"no mail to {address}; got {[str(m['To']) for m in self.messages]}")


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.controller.start()
    yield server
    server.controller.stop()


@pytest.fixture
def smtp(smtp_server: SmtpServer, app: Flask) -> Iterator[SmtpServer]:
    smtp_server.clear()
    smtp_server.app = app
    yield smtp_server
    smtp_server.app = None


def body_of(message: EmailMessage) -> str:
    """The plain-text body of a received mail."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


# --- Database --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("BUDGETCITOYEN_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def reset_schema(url: str) -> None:
    """Start from an empty database (PostgreSQL: drop and recreate the public schema)."""
    if is_sqlite(url):
        path = Path(make_url(url).database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SNAPSHOT_SCHEMA} CASCADE"))
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def template_database(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Migrate once, load the reference data once; tests then start from this state."""
    reset_schema(database_url)
    command.upgrade(alembic_config(database_url), "head")
    engine = make_engine(database_url)
    with make_sessionmaker(engine)() as session:
        load_reference(session)
        session.commit()
    engine.dispose()
    info: dict[str, Any] = {"url": database_url}
    if is_sqlite(database_url):
        pristine = tmp_path_factory.mktemp("pristine") / "pristine.sqlite3"
        source = Path(make_url(database_url).database or "")
        # A checkpoint folds the WAL into the main file so one file copy is a full snapshot.
        with closing(sqlite3.connect(source)) as raw:
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copyfile(source, pristine)
        info["pristine"] = pristine
        info["path"] = source
    else:
        engine = make_engine(database_url)
        with engine.begin() as conn:
            names = (
                conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
                .scalars()
                .all()
            )
            conn.execute(text(f"CREATE SCHEMA {SNAPSHOT_SCHEMA}"))
            for table in REFERENCE_TABLES:
                conn.execute(text(f"CREATE TABLE {SNAPSHOT_SCHEMA}.{table} AS TABLE public.{table}"))
        engine.dispose()
        info["truncate"] = [n for n in names if n != "alembic_version"]
    return info


def restore_database(app: Flask, template: dict[str, Any]) -> None:
    """Bring the database back to the template state (and forget what processes remember of it)."""
    from budgetcitoyen.voting.figures import forget_closed_tallies

    forget_closed_tallies()
    engine = app.extensions["db_engine"]
    if "pristine" in template:
        engine.dispose()
        for suffix in ("-wal", "-shm"):
            Path(f"{template['path']}{suffix}").unlink(missing_ok=True)
        # A new file (new inode) replaces the old one: a connection some test left open keeps the old
        # file and cannot see, or disturb, the fresh copy (rewriting in place gave "disk I/O error").
        fresh = Path(f"{template['path']}.restore")
        shutil.copyfile(template["pristine"], fresh)
        os.replace(fresh, template["path"])
        return
    with engine.begin() as conn:
        tables = ", ".join(f'"{name}"' for name in template["truncate"])
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        for table in REFERENCE_TABLES:
            conn.execute(text(f"INSERT INTO public.{table} SELECT * FROM {SNAPSHOT_SCHEMA}.{table}"))
        for table in ("territories", "structure_types"):
            conn.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            )


# --- Application -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def app(
    template_database: dict[str, Any], smtp_server: SmtpServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    instance = tmp_path_factory.mktemp("instance")
    application = create_app(
        {
            "INSTANCE_PATH": str(instance),
            "TESTING": True,
            "DATABASE_URL": template_database["url"],
            "SECRET_KEY": "test-secret-key-not-for-production",
            "MAIL_HOST": "127.0.0.1",
            "MAIL_PORT": smtp_server.port,
            # Playwright and the test client both run on plain http.
            "SESSION_COOKIE_SECURE": False,
            # Tests post the sign-up form at once; tests/ratelimit turns the fill-time check back on.
            "SIGNUP_MIN_FILL_SECONDS": 0,
        }
    )
    yield application
    application.extensions["db_engine"].dispose()


@pytest.fixture(autouse=True)
def _clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test that uses the app starts from the template state."""
    if "app" not in request.fixturenames:
        yield
        return
    application: Flask = request.getfixturevalue("app")
    template = request.getfixturevalue("template_database")
    restore_database(application, template)
    # Files on disk follow the database back to empty.
    shutil.rmtree(application.config["UPLOAD_FOLDER"], ignore_errors=True)
    yield


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def db_session(app: Flask) -> Iterator[Any]:
    """A session outside any request, for checking results: autocommit, so it never holds
    SQLite's write lock nor an old snapshot while the app under test writes."""
    # No app context is pushed here on purpose: requests made meanwhile would reuse it, and
    # with it `g` (the request session, the logged-in user) from one request to the next.
    engine = app.extensions["db_engine"].execution_options(isolation_level="AUTOCOMMIT")
    session = make_sessionmaker(engine)()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


# --- Time ------------------------------------------------------------------------------------


class FrozenTime:
    """The clock of the whole process (app, live server, services) stopped at one instant."""

    def __init__(self, traveller: Any) -> None:
        self._traveller = traveller
        self._coordinates = traveller.start()

    def move_to(self, instant: datetime) -> None:
        """Jump to `instant` (aware); the clock stays stopped there."""
        self._coordinates.move_to(instant)

    def shift(self, **delta: float) -> None:
        """Move the clock by a timedelta's arguments: shift(minutes=10)."""
        self._coordinates.shift(timedelta(**delta))

    def stop(self) -> None:
        self._traveller.stop()


@pytest.fixture
def freeze_time() -> Iterator[Callable[[datetime], FrozenTime]]:
    """freeze_time(instant) stops time at `instant` for the rest of the test (datetime.now, time.time)."""
    started: list[FrozenTime] = []

    def freeze(instant: datetime) -> FrozenTime:
        if instant.tzinfo is None:
            raise ValueError("freeze_time needs an aware instant")
        frozen = FrozenTime(time_machine.travel(instant, tick=False))
        started.append(frozen)
        return frozen

    yield freeze
    for frozen in reversed(started):
        frozen.stop()
