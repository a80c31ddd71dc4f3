"""Flask-only helpers: declared access rules (deny by default), object checks, and the one place a view's
use case is committed.

Every view declares who may reach it with `@access(rule, load=..., check=...)`; the app applies it
before the view runs (budgetcitoyen.security.enforce_access), so a view body starts with the objects
it needs already loaded (404) and checked (403). A view that changes anything calls
`perform(use_case, ...)`: the use case (a service function: session first, flushes, never commits)
runs, a `DomainError` rolls everything back and becomes a form error or a flash, otherwise the
transaction is committed once, with the mails the use case queued (sent later by the mail worker).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import Flask, Response, abort, current_app, flash, request, send_file
from flask_login import current_user
from sqlalchemy.orm import Session

from budgetcitoyen.db import get_session
from budgetcitoyen.errors import DomainError
from budgetcitoyen.mail.delivery import external_url
from budgetcitoyen.storage import Storage

__all__ = [
    "Access",
    "AccessRule",
    "Outcome",
    "access",
    "access_rule_of",
    "client_address",
    "current_actor",
    "db",
    "declared_access",
    "external_url",
    "get_or_404",
    "id_param",
    "or_404",
    "page_number",
    "perform",
    "run_use_case",
    "secret_key",
    "send_stored",
    "storage",
]

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
ACCESS_ATTRIBUTE = "_access_rule"


class Access(enum.StrEnum):
    """Who may reach a view. Every view declares one; a view without is refused."""

    PUBLIC = "public"
    ANONYMOUS_ONLY = "anonymous_only"  # log-in and sign-up pages: signed-in users are sent to their account
    AUTHENTICATED = "authenticated"
    STAFF = "staff"
    ADMIN = "admin"


@dataclass(frozen=True)
class AccessRule:
    """A view's declared access: the role rule, the objects its URL names, and the check on them."""

    rule: Access
    load: Mapping[str, type[Any]]
    check: Callable[..., bool] | None


def access(
    rule: Access, *, load: Mapping[str, type[Any]] | None = None, check: Callable[..., bool] | None = None
) -> Callable[[F], F]:
    """Declare who may reach the decorated view.

    `load` maps URL parts to models: `{"initiative_id": Initiative}` loads the row (404 when missing)
    and passes it to the view as `initiative` instead of the id. `check(actor, **objects)` is then
    asked (actor is None when nobody is signed in); False answers 403. Checks are the domains'
    permission predicates, or thin adapters that gather what a pure predicate needs.
    """

    def decorate(view: F) -> F:
        setattr(view, ACCESS_ATTRIBUTE, AccessRule(rule, dict(load or {}), check))
        return view

    return decorate


def access_rule_of(app: Flask, endpoint: str) -> Access | None:
    """The role rule declared by an endpoint's view, or None."""
    declared = _declared(app, endpoint)
    return declared.rule if declared else None


def declared_access(app: Flask, endpoint: str) -> AccessRule | None:
    """Everything an endpoint's view declared with @access, or None."""
    return _declared(app, endpoint)


def _declared(app: Flask, endpoint: str) -> AccessRule | None:
    view = app.view_functions.get(endpoint)
    return getattr(view, ACCESS_ATTRIBUTE, None)


def db() -> Session:
    """The request's session."""
    return get_session()


def get_or_404(model: type[Any], ident: Any) -> Any:
    """Load a row by primary key or answer 404."""
    obj = db().get(model, ident)
    if obj is None:
        abort(404)
    return obj


def or_404(value: T | None) -> T:
    """The value, or 404 when there is none (`or_404(current_edition(db()))`)."""
    if value is None:
        abort(404)
    return value


def storage() -> Storage:
    """Where the app's files live (budgetcitoyen.storage: local folders or the shared database)."""
    files: Storage = current_app.extensions["storage"]
    return files


def send_stored(key: str, *, mimetype: str, download_name: str, inline: bool = False) -> Response:
    """A stored file as a download, streamed; 404 when the storage has no such file. `inline` only for
    content the application wrote itself (re-encoded photos), never for an upload as it came."""
    try:
        handle = storage().open(key)
    except FileNotFoundError:
        abort(404)
    # No ETag or Range from a stream: the routes set their own Cache-Control.
    response = send_file(handle, mimetype=mimetype, as_attachment=not inline,  # type: ignore[arg-type]
                         download_name=download_name, etag=False, conditional=False, max_age=0)
    response.content_length = handle.size
    return response


def secret_key() -> str:
    """The application secret (signs tokens and receipts, keys identities)."""
    return str(current_app.config["SECRET_KEY"])


def client_address() -> str:
    """The client's address as seen by the app (behind proxies: BUDGETCITOYEN_TRUSTED_PROXIES)."""
    return (request.remote_addr or "unknown")[:45]


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
    """The signed-in User row itself (not Flask-Login's proxy), to hand to services; None when anonymous."""
    if not current_user.is_authenticated:
        return None
    return current_user._get_current_object()  # type: ignore[attr-defined]


# --- The transaction boundary ----------------------------------------------------------------


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What `perform` did: the use case's value, or the error that rolled it back."""

    value: T | None = None
    error: DomainError | None = None

    @property
    def ok(self) -> bool:
        """True when the use case was committed."""
        return self.error is None


def run_use_case(session: Session, use_case: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """The transaction boundary itself, for views and commands alike: run `use_case(session, ...)` and
    commit once; the mails it queued are written to the mail queue by that same commit (see
    budgetcitoyen.mail.delivery). Any exception rolls everything back and is raised again."""
    try:
        value = use_case(session, *args, **kwargs)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return value


def perform(
    use_case: Callable[..., T], *args: Any, form: Any = None, flash_error: bool = True, **kwargs: Any
) -> Outcome[T]:
    """Run one use case for the view: `use_case(session, *args, **kwargs)`, committed once.

    A DomainError rolls back all of the use case's work and is shown: on `form` (each problem on its
    field) when given, else as an error flash (unless `flash_error` is False: the caller shows it).
    The mails the use case queued are committed with it, to be sent by the mail worker.
    """
    try:
        value = run_use_case(db(), use_case, *args, **kwargs)
    except DomainError as error:
        if form is not None:
            for field_name, message in error.problems:
                form.add_error(field_name, message)
        elif flash_error:
            flash(error.message, "error")
        return Outcome(error=error)
    return Outcome(value=value)
