"""Flask-only helpers: declared access rules (deny by default), loading objects, committing."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, current_app, request, url_for
from flask_login import current_user
from sqlalchemy.orm import Session

from budgetcitoyen.accounts.permissions import is_admin, is_staff
from budgetcitoyen.db import get_session

F = TypeVar("F", bound=Callable[..., Any])
ACCESS_ATTRIBUTE = "_access_rule"


class Access(enum.StrEnum):
    """Who may reach a view. Every view declares one; a view without is refused."""

    PUBLIC = "public"
    ANONYMOUS_ONLY = "anonymous_only"  # log-in and sign-up pages: signed-in users are sent home
    AUTHENTICATED = "authenticated"
    STAFF = "staff"
    ADMIN = "admin"


def access(rule: Access) -> Callable[[F], F]:
    """Declare who may reach the decorated view."""

    def decorate(view: F) -> F:
        setattr(view, ACCESS_ATTRIBUTE, rule)
        return view

    return decorate


def access_rule_of(app: Flask, endpoint: str) -> Access | None:
    """The rule declared by an endpoint's view, or None."""
    view = app.view_functions.get(endpoint)
    return getattr(view, ACCESS_ATTRIBUTE, None)


def enforce_access() -> Any:
    """before_request hook: apply the endpoint's rule; an endpoint without a rule is refused (fail closed)."""
    if request.endpoint is None or request.endpoint == "static":
        return None
    rule = access_rule_of(current_app, request.endpoint)
    if rule is None:
        current_app.logger.error("endpoint %s declares no access rule: refused", request.endpoint)
        abort(403)
    if rule in (Access.PUBLIC, Access.ANONYMOUS_ONLY):
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    roles = current_user.role_set
    if rule is Access.ADMIN and not is_admin(roles):
        abort(403)
    if rule is Access.STAFF and not is_staff(roles):
        abort(403)
    return None


def db() -> Session:
    """The request's session."""
    return get_session()


def get_or_404(model: type[Any], ident: Any) -> Any:
    """Load a row by primary key or answer 404."""
    obj = db().get(model, ident)
    if obj is None:
        abort(404)
    return obj


def client_address() -> str:
    """The client's address as seen by the app (behind a proxy, configure ProxyFix in the WSGI entry point)."""
    return (request.remote_addr or "unknown")[:45]


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link for a mail: from PUBLIC_URL when set, so a forged Host header cannot redirect it."""
    base = current_app.config.get("PUBLIC_URL")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def page_number(last_allowed: int = 100_000) -> int:
    """The ?page= of a list, clamped to a sane range (a huge number is not an overflow)."""
    page = request.args.get("page", 1, type=int) or 1
    return min(max(1, page), last_allowed)


def id_param(value: str | None) -> int | None:
    """A database id from a query-string value: ASCII digits that fit an integer column, else None."""
    if value and len(value) <= 9 and value.isascii() and value.isdigit():
        return int(value)
    return None


def current_actor() -> Any:
    """The signed-in User row itself (not Flask-Login's proxy), to hand to services."""
    return current_user._get_current_object()  # type: ignore[attr-defined]
