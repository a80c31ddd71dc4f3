"""Request hygiene for every page: declared access enforced, control characters refused, bounded URL
integers, security headers."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, Response, abort, current_app, redirect, request, url_for
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from budgetcitoyen.accounts.permissions import is_admin, is_staff
from budgetcitoyen.web import Access, current_actor, declared_access, get_or_404

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FILE_NAME_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _refuse_control_characters() -> None:
    # NUL and other control characters are never legitimate input; PostgreSQL rejects NUL in text,
    # so they are refused here once rather than failing deep in a query.
    values = [
        *request.args.values(),
        *request.form.values(),
        *(str(v) for v in (request.view_args or {}).values()),
    ]
    # A file's name is shown back and stored: no control character at all, line breaks included.
    names = [upload.filename or "" for upload in request.files.values()]
    if any(_CONTROL.search(value) for value in values) or any(_FILE_NAME_CONTROL.search(n) for n in names):
        abort(400)


class BoundedIntConverter(IntegerConverter):
    """Integer URL parts that fit a database integer: larger ones are a 404, not an overflow."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2_147_483_647)
        super().__init__(url_map, *args, **kwargs)


def _security_headers(response: Response) -> Response:
    # Every asset is served from static/, so the policy can forbid any other origin.
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if current_app.config["HTTPS"]:
        # Browsers that once reached the site over HTTPS never try plain HTTP again for a year.
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint and request.endpoint != "static" and response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _object_name(url_part: str) -> str:
    return url_part.removesuffix("_id")


def enforce_access() -> Any:
    """before_request hook: apply the endpoint's rule; an endpoint without a rule is refused (fail closed)."""
    if request.endpoint is None or request.endpoint == "static":
        return None
    declared = declared_access(current_app, request.endpoint)
    if declared is None:
        current_app.logger.error("endpoint %s declares no access rule: refused", request.endpoint)
        abort(403)
    rule = declared.rule
    if rule is Access.ANONYMOUS_ONLY and current_user.is_authenticated:
        return redirect(url_for("accounts.account"))
    if rule not in (Access.PUBLIC, Access.ANONYMOUS_ONLY):
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
        roles = current_user.role_set
        if (rule is Access.ADMIN and not is_admin(roles)) or (rule is Access.STAFF and not is_staff(roles)):
            abort(403)
    args = request.view_args if request.view_args is not None else {}
    objects = {}
    for url_part, model in declared.load.items():
        objects[_object_name(url_part)] = get_or_404(model, args.pop(url_part))
    args.update(objects)
    if declared.check is not None and not declared.check(current_actor(), **objects):
        abort(403)
    return None


def init_url_converters(app: Flask) -> None:
    """Replace the default "int" converter; call before any route is declared."""
    app.url_map.converters["int"] = BoundedIntConverter


def init_app(app: Flask) -> None:
    """Register the input guard, the access rules and the security headers."""
    app.before_request(_refuse_control_characters)
    app.before_request(enforce_access)
    app.after_request(_security_headers)
