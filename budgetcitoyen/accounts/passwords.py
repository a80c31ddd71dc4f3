"""Passwords: hashing, setting a new one, and the throttle every password check goes through.

A check is an `attempt`: in a short transaction on a connection of its own (budgetcitoyen.db.own_transaction),
the failures are counted (too many: TooManyAttempts), the password is checked, and a wrong one is
recorded and committed at once. The record so holds although the use case that asked is rolled back,
and concurrent guesses for one account are counted one after the other.

Lockout without denial of service: failures are counted per account *and* address (5 in 15 minutes),
so a flood of wrong passwords from one address locks that address out of that account, never the
owner coming from elsewhere; per address across accounts (20 in 15 minutes), against one address
trying many accounts; and per account from every address (100 a day), against guessing spread over
many addresses. That last limit does not apply to a device the account has logged in from before
(a signed "known device" cookie, set at each log-in and by a password reset link, which proves the
mailbox): during a distributed attack the owner still logs in from their usual browser, or resets
the password and logs in from the browser that followed the link.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from budgetcitoyen.accounts import tokens
from budgetcitoyen.accounts.models import LoginAttempt, User
from budgetcitoyen.accounts.rules import normalize_email, password_problems
from budgetcitoyen.accounts.sessions import end_all_sessions
from budgetcitoyen.db import own_transaction
from budgetcitoyen.errors import DomainError

T = TypeVar("T")

# Checked against when the e-mail is unknown, so a wrong address costs the same time as a
# wrong password and response times do not tell which accounts exist.
_DUMMY_HASH = generate_password_hash("budget-citoyen-dummy-password")


class WeakPassword(DomainError):
    """The password does not meet the strength rules."""


class TooManyAttempts(DomainError):
    """Log-in throttled for this account or this address."""

    status_code = 429

    def __init__(self, minutes: int) -> None:
        super().__init__(
            f"Trop de tentatives de connexion. Par sécurité, réessayez dans {minutes} minutes "
            "ou réinitialisez votre mot de passe."
        )


class AccountUnderAttack(TooManyAttempts):
    """Too many failures on this account from everywhere: only known devices may try for now."""

    def __init__(self) -> None:
        DomainError.__init__(
            self,
            "Trop de tentatives de connexion sur ce compte. Par sécurité, connectez-vous depuis un "
            "appareil où vous vous êtes déjà connecté, ou réinitialisez votre mot de passe : le lien reçu "
            "par courriel vous permettra ensuite de vous connecter depuis cet appareil.",
        )


@dataclass(frozen=True)
class ThrottleSettings:
    """How many failures within `window`: per account from one address (`per_account`), per address
    across accounts (`per_address`); and per account from every address together within
    `everywhere_window` (`everywhere`), which known devices escape."""

    per_account: int
    per_address: int
    window: timedelta
    everywhere: int = 100
    everywhere_window: timedelta = timedelta(days=1)


@dataclass(frozen=True)
class PasswordGuard:
    """What a password check needs to be throttled: the key secret, the client's address, the limits, now,
    and the accounts (their keys, see `account_key`) the client's "known device" cookie vouches for."""

    secret: str
    address: str
    throttle: ThrottleSettings
    now: datetime
    known_accounts: frozenset[str] = frozenset()


def hash_password(password: str) -> str:
    """A salted scrypt hash (Werkzeug's default)."""
    return generate_password_hash(password)


def strong_hash(password: str, email: str) -> str:
    """The hash of a new password for the account `email`; WeakPassword if it is not strong enough."""
    problems = password_problems(password, email)
    if problems:
        raise WeakPassword(" ".join(problems), field="password")
    return hash_password(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    """Whether `password` is the one this hash was made from (no hash: never)."""
    return password_hash is not None and check_password_hash(password_hash, password)


def check_password(user: User, password: str) -> bool:
    """Whether `password` is the account's password."""
    return password_matches(user.password_hash, password)


def spend_check_time(password: str) -> None:
    """Take as long as a real check, for an address with no account."""
    check_password_hash(_DUMMY_HASH, password)


def set_password(session: Session, user: User, password: str) -> None:
    """A new password, if strong enough; every session of the account is logged out."""
    user.password_hash = strong_hash(password, user.email)
    user.auth_version += 1  # a link mailed for an address change before it no longer works
    end_all_sessions(session, user)


def account_key(secret: str, email: str) -> str:
    """Keyed hash of the e-mail typed, used to throttle without storing the address."""
    return hmac.new(secret.encode(), normalize_email(email).encode(), hashlib.sha256).hexdigest()


# A device keeps the accounts it logged in to for this long, at most this many (a shared family computer).
KNOWN_DEVICE_DAYS = 180
KNOWN_DEVICE_ACCOUNTS = 5


def known_device_accounts(secret: str, cookie: str | None) -> frozenset[str]:
    """The account keys a "known device" cookie vouches for; none when it is missing, forged or stale."""
    if not cookie or len(cookie) > 2000:
        return frozenset()
    try:
        payload = tokens.read_token(secret, tokens.KNOWN_DEVICE, cookie, KNOWN_DEVICE_DAYS * 86400)
    except DomainError:
        return frozenset()
    keys = payload.get("k")
    return frozenset(k for k in keys if isinstance(k, str)) if isinstance(keys, list) else frozenset()


def known_device_cookie(secret: str, cookie: str | None, email: str) -> str:
    """The "known device" cookie once the account `email` logged in from it (the newest accounts kept)."""
    key = account_key(secret, email)
    kept = [k for k in sorted(known_device_accounts(secret, cookie)) if k != key]
    return tokens.make_token(secret, tokens.KNOWN_DEVICE, {"k": [*kept[-(KNOWN_DEVICE_ACCOUNTS - 1):], key]})


def attempt(
    session: Session, key: str, guard: PasswordGuard, check: Callable[[Session], T | None]
) -> T | None:
    """Run a password check under the throttle: `check(own)` answers what the password unlocks, or
    None when it is wrong. Refused (TooManyAttempts) past the limits; a failure is recorded and
    committed at once, in a transaction of its own (so call this before the use case writes)."""
    with own_transaction(session) as own:
        _refuse_if_throttled(own, key, guard)
        found = check(own)
        if found is None:
            _record_failure(own, key, guard)
    return found


def forget_failures(session: Session, key: str, address: str | None = None) -> None:
    """Clear an account's failed attempts from `address` (after a success there), or from everywhere
    (with the account). A success does not clear other addresses' failures: the owner logging in must
    not hand a guesser elsewhere a fresh allowance."""
    condition = LoginAttempt.account_key == key
    if address is not None:
        condition = condition & (LoginAttempt.address == address)
    session.execute(delete(LoginAttempt).where(condition))


def _serialize_attempts(session: Session, key: str) -> None:
    # Count-then-insert must not interleave between concurrent guesses for one account:
    # PostgreSQL takes a transaction-scoped advisory lock per key; SQLite's BEGIN IMMEDIATE
    # already serialises writers.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key})


def _refuse_if_throttled(session: Session, key: str, guard: PasswordGuard) -> None:
    _serialize_attempts(session, key)
    throttle = guard.throttle
    since = guard.now - throttle.window
    # Failures on this account from this address only: someone else's flood locks only them out.
    by_account_here = session.scalar(select(func.count()).where(
        LoginAttempt.account_key == key, LoginAttempt.address == guard.address, LoginAttempt.at >= since
    ))
    by_address = session.scalar(
        select(func.count()).where(LoginAttempt.address == guard.address, LoginAttempt.at >= since)
    )
    if (by_account_here or 0) >= throttle.per_account or (by_address or 0) >= throttle.per_address:
        raise TooManyAttempts(int(throttle.window.total_seconds() // 60))
    if key in guard.known_accounts:
        return
    by_account = session.scalar(select(func.count()).where(
        LoginAttempt.account_key == key, LoginAttempt.at >= guard.now - throttle.everywhere_window
    ))
    if (by_account or 0) >= throttle.everywhere:
        raise AccountUnderAttack()


def _record_failure(session: Session, key: str, guard: PasswordGuard) -> None:
    session.add(LoginAttempt(account_key=key, address=guard.address, at=guard.now))
    # Failures are only needed for the window; older ones are personal data with no use left.
    longest = max(guard.throttle.window, guard.throttle.everywhere_window)
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < guard.now - longest))
    session.flush()
