"""`/metrics` for Prometheus: operators only, with the token of BUDGETCITOYEN_METRICS_TOKEN; without one
the page does not exist (404), and a wrong token gets the same 404 (the page's existence is not told)."""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST

from budgetcitoyen.metrics.collectors import exposition
from budgetcitoyen.web import Access, access

bp = Blueprint("metrics", __name__)


def _authorised() -> bool:
    expected = current_app.config.get("METRICS_TOKEN")
    if not expected:
        return False
    sent = request.headers.get("Authorization", "")
    scheme, _, token = sent.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), str(expected).encode())


@bp.route("/metrics")
@access(Access.PUBLIC)  # no account: the bearer token below is the operators' credential
def metrics() -> Response:
    """Request counts and durations, mail queue depth and failures, in Prometheus' text format."""
    if not _authorised():
        abort(404)
    response = Response(exposition(current_app.extensions["db_engine"]), mimetype=None)
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    response.headers["Cache-Control"] = "no-store"
    return response
