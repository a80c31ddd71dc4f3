"""What `/metrics` reports: per-process request metrics kept by prometheus_client, and database figures
collected when scraped.

Several gunicorn workers per server: with `PROMETHEUS_MULTIPROC_DIR` set (deploy/systemd,
deploy/gunicorn.conf.py) prometheus_client keeps each worker's values in files there and the scrape adds
them up, whichever worker answers. Without it (one process: the demo, the tests) the values live in
this process.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime

from flask import Flask, Response, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from budgetcitoyen.clock import now_utc
from budgetcitoyen.mail.models import OutboxMail

# The request metrics have a registry of their own: nothing else of the default registry (process and
# platform collectors) leaks in, and a scrape asks exactly these plus the database's.
REQUESTS = CollectorRegistry(auto_describe=True)
REQUEST_COUNT = Counter(
    "budgetcitoyen_http_requests", "HTTP requests answered, by method, Flask endpoint and status.",
    ["method", "endpoint", "status"], registry=REQUESTS,
)
REQUEST_SECONDS = Histogram(
    "budgetcitoyen_http_request_duration_seconds", "Time to answer a request, by method and Flask endpoint.",
    ["method", "endpoint"], registry=REQUESTS,
    # From a cached page (a few ms) to a publication (seconds): the pages' goal is tens of milliseconds.
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
OUTBOX_STATUSES = ("queued", "sending", "sent", "failed")


def _started() -> None:
    g.metrics_started = time.perf_counter()


def _observed(response: Response) -> Response:
    started = g.pop("metrics_started", None)
    # A URL matching no route is counted under one name: an endpoint label per unknown path would let
    # anyone grow the metrics without bound.
    endpoint = request.endpoint or "none"
    REQUEST_COUNT.labels(request.method, endpoint, str(response.status_code)).inc()
    if started is not None:
        REQUEST_SECONDS.labels(request.method, endpoint).observe(time.perf_counter() - started)
    return response


def init_app(app: Flask) -> None:
    """Count every request the application answers (the metrics page itself included)."""
    app.before_request(_started)
    app.after_request(_observed)


class OutboxCollector(Collector):
    """The mail queue as the workers see it, read when Prometheus scrapes (one grouped query)."""

    def __init__(self, engine: Engine, now: datetime | None = None) -> None:
        self.engine = engine
        self.now = now

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self.engine.connect() as connection:
            rows = dict(connection.execute(
                select(OutboxMail.status, func.count()).group_by(OutboxMail.status)).all())
            oldest = connection.execute(
                select(func.min(OutboxMail.created_at)).where(OutboxMail.status == "queued")).scalar()
        by_status = GaugeMetricFamily(
            "budgetcitoyen_mail_outbox_messages",
            "Mails in the outbox by status (queued: to send; failed: given up after their attempts).",
            labels=["status"])
        for status in OUTBOX_STATUSES:
            by_status.add_metric([status], rows.get(status, 0))
        yield by_status
        yield GaugeMetricFamily("budgetcitoyen_mail_failed_messages",
                                "Mails the workers gave up on (to look at in Gestion → Courriels).",
                                value=rows.get("failed", 0))
        age = 0.0
        if oldest is not None:
            if oldest.tzinfo is None:  # SQLite gives naive UTC datetimes back
                oldest = oldest.replace(tzinfo=UTC)
            age = max(0.0, ((self.now or now_utc()) - oldest).total_seconds())
        yield GaugeMetricFamily("budgetcitoyen_mail_oldest_queued_seconds",
                                "Age of the oldest mail still queued (0 when none): workers are behind when "
                                "it grows.", value=age)


def exposition(engine: Engine) -> bytes:
    """The text the metrics page sends: every worker's request metrics, then the database's figures."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        requests = CollectorRegistry()
        multiprocess.MultiProcessCollector(requests)
    else:
        requests = REQUESTS
    database = CollectorRegistry()
    database.register(OutboxCollector(engine))
    return generate_latest(requests) + generate_latest(database)
