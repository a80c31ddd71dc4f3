"""`budgetcitoyen worker` as real processes against a real (slow) SMTP server: kill -9 in the middle of a
batch loses nothing, and two workers at once never send a mail twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from budgetcitoyen.mail import outbox
from tests.conftest import free_port
from tests.mail.test_outbox import queue_mails

COMMAND = str(Path(sys.executable).with_name("budgetcitoyen"))


class SlowHandler:
    """Takes a little while over each mail, like a real server, and keeps every Message-ID."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.ids: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.ids.append(str(message["Message-ID"]))
        return "250 OK"

    def received(self) -> list[str]:
        with self.lock:
            return list(self.ids)


@pytest.fixture
def slow_smtp() -> Iterator[tuple[SlowHandler, int]]:
    handler = SlowHandler(delay=0.02)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def start_worker(app: Flask, port: int, tmp_path: Path, lease: int = 2) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "BUDGETCITOYEN_DATABASE_URL": app.config["DATABASE_URL"],
        "BUDGETCITOYEN_SECRET_KEY": app.config["SECRET_KEY"],
        "BUDGETCITOYEN_INSTANCE_PATH": str(tmp_path),
        "BUDGETCITOYEN_MAIL_HOST": "127.0.0.1",
        "BUDGETCITOYEN_MAIL_PORT": str(port),
        "BUDGETCITOYEN_MAIL_CLAIM_LEASE_SECONDS": str(lease),
    }
    return subprocess.Popen([COMMAND, "worker", "--batch", "20", "--poll", "0.1"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_until(condition: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def sent_count(app: Flask) -> int:
    with app.extensions["db_sessionmaker"]() as session:
        return outbox.counts(session)["sent"]


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)


def test_kill_9_in_the_middle_of_a_batch_loses_nothing(
    app: Flask, slow_smtp: tuple[SlowHandler, int], tmp_path: Path
) -> None:
    handler, port = slow_smtp
    queue_mails(app, 150)
    first = start_worker(app, port, tmp_path)
    try:
        wait_until(lambda: len(handler.received()) >= 40)
    finally:
        first.kill()  # SIGKILL: no clean-up at all
        first.wait(timeout=10)
    assert len(handler.received()) < 150
    second = start_worker(app, port, tmp_path)
    try:
        wait_until(lambda: sent_count(app) == 150)
    finally:
        stop(second)
    received = handler.received()
    assert len(set(received)) == 150  # every mail went out
    # At least once: only the mail being handed over at the instant of the kill may go out twice.
    assert len(received) - 150 <= 1
    with app.extensions["db_sessionmaker"]() as session:
        assert outbox.counts(session) == {"queued": 0, "sending": 0, "sent": 150, "failed": 0}


def test_two_workers_at_once_send_each_mail_once(
    app: Flask, slow_smtp: tuple[SlowHandler, int], tmp_path: Path
) -> None:
    handler, port = slow_smtp
    queue_mails(app, 200)
    # A lease longer than any batch takes, as in production (120 s): with the kill test's 2 s, a batch slowed
    # by a loaded machine outlived its lease and the other worker rightly took it again (at least once).
    workers = [start_worker(app, port, tmp_path / str(n), lease=60) for n in range(2)]
    try:
        wait_until(lambda: sent_count(app) == 200)
    finally:
        for worker in workers:
            stop(worker)
    received = handler.received()
    assert len(received) == 200 and max(Counter(received).values()) == 1
    for worker in workers:
        assert worker.returncode == 0, worker.stderr.read().decode() if worker.stderr else ""
