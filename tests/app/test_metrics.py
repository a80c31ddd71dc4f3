"""/metrics for the operators (issue #15): absent without a token, hidden behind a wrong one, and with the
right one the request counts and durations by endpoint and the mail queue as the database holds it; under
gunicorn with several workers, the sums of every worker whichever one answers the scrape."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from budgetcitoyen.clock import now_utc
from budgetcitoyen.mail.models import OutboxMail

TOKEN = "jeton-des-operateurs-de-test"
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.fixture
def metrics_on(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)


def scrape(client: FlaskClient) -> str:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_data(as_text=True)


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the exposition text (0 when absent)."""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = re.fullmatch(r"([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)", line)
        if match is None or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(match.group(3))
    return 0.0


def test_no_token_configured_no_metrics_page(client: FlaskClient) -> None:
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


@pytest.mark.usefixtures("metrics_on")
@pytest.mark.parametrize("header", [None, "Bearer mauvais-jeton", f"Basic {TOKEN}", TOKEN])
def test_a_wrong_or_missing_token_gets_a_404(client: FlaskClient, header: str | None) -> None:
    headers = {"Authorization": header} if header is not None else {}
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 404
    assert "budgetcitoyen_http_requests" not in response.get_data(as_text=True)


@pytest.mark.usefixtures("metrics_on")
def test_requests_are_counted_by_endpoint_and_status_and_timed(client: FlaskClient) -> None:
    before = scrape(client)
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert client.get("/une-page-qui-n-existe-pas/jeton-secret").status_code == 404
    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert delta("budgetcitoyen_http_requests_total", method="GET", endpoint="public.healthz",
                 status="200") == 3
    assert delta("budgetcitoyen_http_request_duration_seconds_count", method="GET",
                 endpoint="public.healthz") == 3
    assert delta("budgetcitoyen_http_request_duration_seconds_bucket", method="GET",
                 endpoint="public.healthz", le="+Inf") == 3
    # An unknown path is one label, never the path (which may carry a token).
    assert delta("budgetcitoyen_http_requests_total", method="GET", endpoint="none", status="404") == 1
    assert "jeton-secret" not in after and "une-page" not in after


@pytest.mark.usefixtures("metrics_on")
def test_the_mail_queue_is_read_from_the_database(client: FlaskClient, db_session) -> None:
    now = now_utc()
    rows = [("queued", now - timedelta(minutes=10)), ("queued", now), ("failed", now), ("sent", now)]
    db_session.add_all(OutboxMail(created_at=at, recipient="a@example.org", subject="Sujet", template="t",
                                  message=b"x", status=status, attempts=0, next_attempt_at=at, last_error="")
                       for status, at in rows)
    db_session.flush()
    text = scrape(client)
    assert sample(text, "budgetcitoyen_mail_outbox_messages", status="queued") == 2
    assert sample(text, "budgetcitoyen_mail_outbox_messages", status="failed") == 1
    assert sample(text, "budgetcitoyen_mail_outbox_messages", status="sending") == 0
    assert sample(text, "budgetcitoyen_mail_failed_messages") == 1
    assert 590 <= sample(text, "budgetcitoyen_mail_oldest_queued_seconds") <= 3600


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(url: str, token: str | None = None) -> str:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.read().decode()


def test_gunicorn_workers_add_up(tmp_path: Path) -> None:
    """Two gunicorn workers with the deployment's settings file: the scrape gives every worker's requests,
    whichever worker answers it."""
    database = f"sqlite:///{tmp_path / 'metrics.sqlite'}"
    env = {**os.environ, "BUDGETCITOYEN_DATABASE_URL": database, "BUDGETCITOYEN_INSTANCE_PATH": str(tmp_path),
           "BUDGETCITOYEN_SECRET_KEY": "metrics-test-secret-key", "BUDGETCITOYEN_METRICS_TOKEN": TOKEN,
           "BUDGETCITOYEN_REQUEST_LOG": "false", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    (tmp_path / "metrics").mkdir()
    subprocess.run([str(BIN / "budgetcitoyen"), "db", "upgrade"], env=env, check=True, capture_output=True,
                   timeout=300)
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{port}", "--workers", "2", "budgetcitoyen:create_app()"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=(tmp_path / "gunicorn.log").open("wb"))
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120  # a loaded machine takes long to import the app
        while True:
            try:
                get(f"{base}/healthz")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        for _ in range(40):
            get(f"{base}/healthz")
        for _ in range(6):  # whichever worker answers, the sums are the same
            text = get(f"{base}/metrics", TOKEN)
            assert sample(text, "budgetcitoyen_http_requests_total", method="GET", endpoint="public.healthz",
                          status="200") == 41
        # The values came from the workers' files (prometheus_client's multiprocess mode), not one process.
        assert list((tmp_path / "metrics").glob("counter_*.db"))
    finally:
        server.terminate()
        server.wait(timeout=60)
