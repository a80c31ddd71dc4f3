"""What views call: rate limits read from the app config, and the sign-up form's bot checks.

Limits are settings, one per action and dimension: RATE_LIMIT_<ACTION>_PER_ADDRESS and
RATE_LIMIT_<ACTION>_PER_ACCOUNT, written "count/seconds" ("10/3600": ten per hour). A missing,
empty or null setting leaves the action unlimited on that dimension. Each can be set through a
BUDGETCITOYEN_* environment variable like every other setting.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy.orm import Session

from budgetcitoyen import clock
from budgetcitoyen.db import own_transaction
from budgetcitoyen.mail.delivery import write_queued
from budgetcitoyen.ratelimit import services, stamp
from budgetcitoyen.ratelimit.services import Limit, RateLimited
from budgetcitoyen.ratelimit.stamp import FormRefused
from budgetcitoyen.web import client_address, db, secret_key

__all__ = [
    "FormRefused",
    "Limit",
    "RateLimited",
    "check_settings",
    "check_signup",
    "counted",
    "limit",
    "limited",
    "limits_for",
    "parse_limit",
    "signup_stamp",
]

T = TypeVar("T")
DIMENSIONS = ("address", "account")
SIGNUP = "signup"


def parse_limit(setting: str, value: object) -> Limit | None:
    """The Limit a setting describes, None when it is unset; a clear error when it is malformed."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, Limit):
        return value
    count_text, _, seconds_text = str(value).strip().partition("/")
    try:
        return Limit(int(count_text.strip()), timedelta(seconds=int(seconds_text.strip())))
    except ValueError:
        # A typo in a limit must stop the page loudly, not silently lift the protection.
        raise RuntimeError(
            f'{setting} = {value!r}: expected "count/seconds" such as "10/3600", a count of at least 1 '
            f"and a window of at most {int(services.KEEP_FOR.total_seconds())} seconds"
        ) from None


def check_settings(config: Mapping[str, Any]) -> None:
    """Raise RuntimeError on any malformed rate-limit or fill-time setting: meant for app start-up, so a
    typo in the environment stops the service at once instead of failing the first page that counts."""
    for setting, value in config.items():
        if setting.startswith("RATE_LIMIT_"):
            parse_limit(setting, value)
    _min_fill_seconds(config)


def _min_fill_seconds(config: Mapping[str, Any]) -> float:
    value = config.get("SIGNUP_MIN_FILL_SECONDS") or 0
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if not 0 <= seconds <= 3600:
        raise RuntimeError(
            f"SIGNUP_MIN_FILL_SECONDS = {value!r}: expected a number of seconds from 0 to 3600"
        )
    return seconds


def limits_for(action: str) -> dict[str, Limit]:
    """The configured limits of `action`, by dimension ("address", "account")."""
    found = {}
    for dimension in DIMENSIONS:
        setting = f"RATE_LIMIT_{action.upper()}_PER_{dimension.upper()}"
        parsed = parse_limit(setting, current_app.config.get(setting))
        if parsed is not None:
            found[dimension] = parsed
    return found


def _keys(account: str | None) -> dict[str, str]:
    secret = secret_key()
    # The dimension is part of the hash, so an account named like an address is a different key.
    keys = {"address": services.keyed(secret, "address", client_address())}
    if account is not None:
        keys["account"] = services.keyed(secret, "account", account)
    return keys


def limit(action: str, *, account: str | None = None) -> None:
    """Count `action` for the client's address and, when given, for `account`; raise RateLimited past a limit.

    `account` is an e-mail (normalised by the caller, so one address is one key however it is typed)
    or a user id; it is stored only as a keyed hash. The count is committed at once in a short
    transaction on a connection of its own, so it holds even when the action fails further on (a
    refused sign-up still counts), and the request's own transaction is never committed by it.
    Call this before the use case changes anything.
    """
    limits = limits_for(action)
    if not limits:
        return
    keys = _keys(account)
    with own_transaction(db()) as own:
        services.hit(own, action, keys, limits, clock.now_utc())


def counted(action: str, use_case: Callable[..., T], *, account: str | None = None) -> Callable[..., T]:
    """`use_case` followed by the count of `action` (as `limit` counts it), in the use case's own
    transaction: what a view hands to `perform` for an action that only counts when it is done.

    No connection, transaction or commit of its own (issue #14: the ballot's request), and a refusal
    (RateLimited) rolls the use case's work back with the count. So a refused use case (a DomainError
    before the count) is not counted: fit for an action whose failures write nothing, not for a log-in,
    where failures are what must be counted (`limit`). The count comes last, so the rows of busy keys (one
    town hall's address) stay locked only from it to the commit."""
    limits = limits_for(action)
    if not limits:
        return use_case
    keys = _keys(account)

    def run(session: Session, *args: Any, **kwargs: Any) -> T:
        value = use_case(session, *args, **kwargs)
        # The use case's mails go to the queue first: the count's rows stay locked from it to the commit
        # only (issue #14: with every voter behind one address, that lock is what they queue for).
        write_queued(session)
        services.hit(session, action, keys, limits, clock.now_utc(), own_transaction=False)
        return value

    return run


def limited(action: str, use_case: Callable[..., T], *, account: str | None = None) -> Callable[..., T]:
    """`use_case` preceded by `limit(action, account=account)`: what a view hands to `perform`, so a
    refusal (RateLimited) is shown like any other refused use case."""

    def run(session: Session, *args: Any, **kwargs: Any) -> T:
        limit(action, account=account)
        return use_case(session, *args, **kwargs)

    return run


def signup_stamp() -> str:
    """A signed stamp of the moment the sign-up form is shown, for its hidden field."""
    return stamp.make_stamp(secret_key(), SIGNUP, clock.now_utc())


def check_signup(stamp_value: str | None, trap_value: str | None) -> None:
    """Refuse (stamp.FormRefused, one neutral message) a sign-up whose trap field is filled, or whose stamp
    is missing, forged, stale or younger than SIGNUP_MIN_FILL_SECONDS. A minimum of 0 turns the stamp
    check off (the trap stays)."""
    stamp.check_trap(trap_value)
    minimum = _min_fill_seconds(current_app.config)
    if minimum > 0:
        stamp.check_stamp(
            secret_key(), SIGNUP, stamp_value, clock.now_utc(), timedelta(seconds=minimum)
        )
