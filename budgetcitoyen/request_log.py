"""One JSON line per request, with its id: what operators grep and ship, and nothing that links a voter
to a ballot.

The id comes from the balancer's `X-Request-Id` when it sends a sane one (nginx: `$request_id`), so a
request is followed from nginx to the app; it is generated otherwise, and sent back in the response's
`X-Request-Id`. The path is the route's pattern (`/confirmer/<token>`), never the path itself: tokens and
receipt codes travel in paths. No address is logged (nginx keeps its own log), and on the vote's pages
(the `voting` blueprint: ballot, identity, receipt) no user id either.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, g, request
from flask_login import current_user

LOGGER = "budgetcitoyen.requests"
_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
# The vote's own pages: who sent a ballot is the one thing these lines must never say.
USERLESS_BLUEPRINTS = frozenset({"voting"})


def _begin() -> None:
    incoming = request.headers.get("X-Request-Id", "")
    g.request_id = incoming if _ID.fullmatch(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _user_id() -> int | None:
    if request.blueprint in USERLESS_BLUEPRINTS:
        return None
    try:
        return int(current_user.id) if current_user.is_authenticated else None
    except Exception:  # no user loader reached (the request failed early): no user to tell
        return None


def _end(response: Response) -> Response:
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers["X-Request-Id"] = request_id
    started = g.get("request_started")
    line = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "request_id": request_id,
        "method": request.method,
        "route": request.url_rule.rule if request.url_rule is not None else None,
        "endpoint": request.endpoint,
        "status": response.status_code,
        "ms": round((time.perf_counter() - started) * 1000, 1) if started is not None else None,
        "bytes": response.content_length if response.content_length is not None
        else response.calculate_content_length(),
    }
    user = _user_id()
    if user is not None:
        line["user"] = user
    logging.getLogger(LOGGER).info(json.dumps(line, separators=(",", ":")))
    return response


class _StderrHandler(logging.Handler):
    """Writes to the stderr of the moment (a handler holding the stream of its creation would write to a
    closed one once a test runner or a daemon swaps sys.stderr)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:
            self.handleError(record)


def init_app(app: Flask) -> None:
    """Log every request (REQUEST_LOG, on by default) as one JSON line on stderr."""
    if not app.config.get("REQUEST_LOG", True):
        return
    logger = logging.getLogger(LOGGER)
    if not logger.handlers:
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False  # one line, not one more through the root logger's format
    app.before_request(_begin)
    app.after_request(_end)
