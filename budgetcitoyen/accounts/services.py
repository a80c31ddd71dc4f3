"""Account use cases. They take the session, the actor and `now`, flush but never commit."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from budgetcitoyen.accounts import tokens
from budgetcitoyen.accounts.models import CommitteeMembership, LoginAttempt, Role, User, UserRole
from budgetcitoyen.accounts.rules import normalize_email, password_problems
from budgetcitoyen.audit import services as audit
from budgetcitoyen.errors import Conflict, DomainError

# Checked against when the e-mail is unknown, so a wrong address costs the same time as a
# wrong password and response times do not tell which accounts exist.
_DUMMY_HASH = generate_password_hash("budget-citoyen-dummy-password")


class WeakPassword(DomainError):
    """The password does not meet the strength rules."""


class BadCredentials(DomainError):
    """Unknown e-mail or wrong password (deliberately not told apart)."""

    def __init__(self) -> None:
        super().__init__("Adresse e-mail ou mot de passe incorrect.")


class TooManyAttempts(DomainError):
    """Log-in throttled for this account or this address."""

    status_code = 429

    def __init__(self, minutes: int) -> None:
        super().__init__(
            f"Trop de tentatives de connexion. Par sécurité, réessayez dans {minutes} minutes "
            "ou réinitialisez votre mot de passe."
        )


@dataclass(frozen=True)
class ThrottleSettings:
    """How many failures, per account and per address, within what window."""

    per_account: int
    per_address: int
    window: timedelta


def hash_password(password: str) -> str:
    """A salted scrypt hash (Werkzeug's default)."""
    return generate_password_hash(password)


def check_password(user: User, password: str) -> bool:
    """Whether `password` is the account's password."""
    return user.password_hash is not None and check_password_hash(user.password_hash, password)


def find_by_email(session: Session, email: str) -> User | None:
    """The live account with this address."""
    return session.scalar(select(User).where(User.email == normalize_email(email), User.deleted_at.is_(None)))


def register(session: Session, email: str, password: str, now: datetime) -> User:
    """Create an unconfirmed resident account; a duplicate address is refused even under a race."""
    email = normalize_email(email)
    problems = password_problems(password, email)
    if problems:
        raise WeakPassword(" ".join(problems), field="password")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise _duplicate_email()
    user = User(email=email, password_hash=hash_password(password), created_at=now)
    try:
        with session.begin_nested():
            session.add(user)
    except IntegrityError as exc:
        raise _duplicate_email() from exc
    return user


def _duplicate_email() -> Conflict:
    return Conflict(
        "Un compte existe déjà avec cette adresse e-mail. Connectez-vous, ou utilisez « Mot de passe oublié ».",
        field="email",
    )


def account_key(secret: str, email: str) -> str:
    """Keyed hash of the e-mail typed, used to throttle without storing the address."""
    return hmac.new(secret.encode(), normalize_email(email).encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class PasswordGuard:
    """What a password check needs to be throttled: the key secret, the client's address, the limits, now."""

    secret: str
    address: str
    throttle: ThrottleSettings
    now: datetime


class WrongPassword(DomainError):
    """A wrong current password on an account page (recorded like a failed log-in)."""


def _serialize_attempts(session: Session, key: str) -> None:
    # Count-then-insert must not interleave between concurrent guesses for one account:
    # PostgreSQL takes a transaction-scoped advisory lock per key; SQLite's BEGIN IMMEDIATE
    # already serialises writers.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key})


def _refuse_if_throttled(session: Session, key: str, guard: PasswordGuard) -> None:
    _serialize_attempts(session, key)
    since = guard.now - guard.throttle.window
    by_account = session.scalar(
        select(func.count()).where(LoginAttempt.account_key == key, LoginAttempt.at >= since)
    )
    by_address = session.scalar(
        select(func.count()).where(LoginAttempt.address == guard.address, LoginAttempt.at >= since)
    )
    if (by_account or 0) >= guard.throttle.per_account or (by_address or 0) >= guard.throttle.per_address:
        raise TooManyAttempts(int(guard.throttle.window.total_seconds() // 60))


def _record_failure(session: Session, key: str, guard: PasswordGuard) -> None:
    session.add(LoginAttempt(account_key=key, address=guard.address, at=guard.now))
    # Failures are only needed for the window; older ones are personal data with no use left.
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < guard.now - timedelta(days=1)))
    session.flush()


def authenticate(session: Session, email: str, password: str, guard: PasswordGuard) -> User:
    """The account for these credentials, or BadCredentials / TooManyAttempts. Failures are recorded."""
    key = account_key(guard.secret, email)
    _refuse_if_throttled(session, key, guard)
    user = find_by_email(session, email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
    if user is None or not check_password(user, password):
        _record_failure(session, key, guard)
        raise BadCredentials()
    session.execute(delete(LoginAttempt).where(LoginAttempt.account_key == key))
    user.last_login_at = guard.now
    return user


def verify_current_password(session: Session, user: User, password: str, guard: PasswordGuard,
                            field: str = "password") -> None:
    """Check the password of a signed-in person, with the same throttle as log-in (a stolen session
    must not allow unlimited guesses). The caller commits after WrongPassword, to keep the failure."""
    key = account_key(guard.secret, user.email)
    _refuse_if_throttled(session, key, guard)
    if not check_password(user, password):
        _record_failure(session, key, guard)
        raise WrongPassword("Le mot de passe est incorrect.", field=field)


def confirmation_token(secret: str, user: User) -> str:
    """Token for the confirmation link; bound to the address it confirms."""
    return tokens.make_token(secret, tokens.CONFIRM_EMAIL, {"uid": user.id, "email": user.email})


def confirm_email(session: Session, secret: str, token: str, max_age: int, now: datetime) -> User:
    """Mark the address confirmed; idempotent for an already confirmed account."""
    payload = tokens.read_token(secret, tokens.CONFIRM_EMAIL, token, max_age)
    user = session.get(User, payload.get("uid"))
    if user is None or user.is_deleted or user.email != payload.get("email"):
        raise tokens.InvalidToken()
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now
    return user


def password_reset_token(session: Session, secret: str, email: str) -> tuple[User, str] | None:
    """A reset token for a live account, or None (the caller answers the same either way)."""
    user = find_by_email(session, email)
    if user is None:
        return None
    payload = {"uid": user.id, "email": user.email, "pw": tokens.password_fingerprint(user.password_hash)}
    return user, tokens.make_token(secret, tokens.RESET_PASSWORD, payload)


def user_for_reset_token(session: Session, secret: str, token: str, max_age: int, *, lock: bool = False) -> User:
    """The account a reset token is for, if the token is valid and unused (bound to the password it
    replaces and to the address it was sent to)."""
    payload = tokens.read_token(secret, tokens.RESET_PASSWORD, token, max_age)
    # Locked when used: two concurrent uses of one link must not both succeed.
    user = session.get(User, payload.get("uid"), with_for_update=lock, populate_existing=lock)
    if (user is None or user.is_deleted or payload.get("email") != user.email
            or payload.get("pw") != tokens.password_fingerprint(user.password_hash)):
        raise tokens.InvalidToken()
    return user


def reset_password(session: Session, secret: str, token: str, max_age: int, password: str, now: datetime) -> User:
    """Set a new password from a reset link; the link proves the address, so it also confirms it."""
    user = user_for_reset_token(session, secret, token, max_age, lock=True)
    _set_password(user, password)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now
    return user


def change_password(session: Session, user: User, current: str, new: str, guard: PasswordGuard) -> None:
    """Change the password after checking the current one; other sessions are logged out."""
    try:
        verify_current_password(session, user, current, guard, field="current_password")
    except WrongPassword as error:
        raise WrongPassword("Le mot de passe actuel est incorrect.", field=error.field) from error
    _set_password(user, new)


def _set_password(user: User, password: str) -> None:
    problems = password_problems(password, user.email)
    if problems:
        raise WeakPassword(" ".join(problems), field="password")
    user.password_hash = hash_password(password)
    user.auth_version += 1


def email_change_token(session: Session, user: User, password: str, new_email: str, guard: PasswordGuard) -> str:
    """Check the password and that the new address is free; the token is mailed to the new address.
    It is bound to the account's auth version, which the change bumps: a link works once."""
    verify_current_password(session, user, password, guard)
    new_email = normalize_email(new_email)
    if new_email == user.email:
        raise DomainError("C'est déjà votre adresse e-mail.", field="email")
    if session.scalar(select(User.id).where(User.email == new_email)) is not None:
        raise Conflict("Cette adresse e-mail est déjà utilisée par un autre compte.", field="email")
    return tokens.make_token(
        guard.secret, tokens.CHANGE_EMAIL,
        {"uid": user.id, "old": user.email, "new": new_email, "v": user.auth_version},
    )


def apply_email_change(session: Session, secret: str, token: str, max_age: int, now: datetime) -> User:
    """Switch to the new address once its owner clicked the link; other sessions are logged out."""
    payload = tokens.read_token(secret, tokens.CHANGE_EMAIL, token, max_age)
    user = session.get(User, payload.get("uid"), with_for_update=True, populate_existing=True)
    if user is None or user.is_deleted:
        raise tokens.InvalidToken()
    if user.email == payload.get("new"):
        return user  # link clicked twice
    if user.email != payload.get("old") or user.auth_version != payload.get("v"):
        raise tokens.InvalidToken()
    if session.scalar(select(User.id).where(User.email == payload["new"])) is not None:
        raise Conflict("Cette adresse e-mail est déjà utilisée par un autre compte.")
    user.email = payload["new"]
    user.email_confirmed_at = now
    user.auth_version += 1
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise Conflict("Cette adresse e-mail est déjà utilisée par un autre compte.") from exc
    return user


def delete_account(session: Session, user: User, password: str, guard: PasswordGuard) -> None:
    """Erase personal data; the row stays, anonymised, so contributions and the audit trail keep their author id."""
    now = guard.now
    verify_current_password(session, user, password, guard)
    if Role.ADMIN in user.role_set and _admin_count(session) <= 1:
        raise DomainError("Vous êtes le seul administrateur : nommez-en un autre avant de supprimer votre compte.")
    session.execute(delete(LoginAttempt).where(LoginAttempt.account_key == account_key(guard.secret, user.email)))
    for eraser in PERSONAL_DATA_ERASERS:
        eraser(session, user)
    user.email = f"compte-supprime-{user.id}@supprime.invalid"
    user.password_hash = None
    user.email_confirmed_at = None
    user.last_login_at = None
    user.deleted_at = now
    user.auth_version += 1
    user.roles.clear()
    session.execute(delete(CommitteeMembership).where(CommitteeMembership.user_id == user.id))
    audit.record(
        session, actor=user, action="account.delete", object_type="user", object_id=user.id, now=now,
        summary="Compte supprimé à la demande de son titulaire ; données personnelles effacées.",
    )
    session.flush()


# Other domains register here what they hold about a person, so the export and the erasure
# stay complete as features are added without this module importing them.
PERSONAL_DATA_EXPORTERS: list[Callable[[Session, User], dict[str, Any]]] = []
PERSONAL_DATA_ERASERS: list[Callable[[Session, User], None]] = []


def export_personal_data(session: Session, user: User) -> dict[str, Any]:
    """Everything the platform holds about the person, as JSON-ready data (RGPD art. 15 and 20)."""
    data: dict[str, Any] = {
        "compte": {
            "email": user.email,
            "email_confirme_le": user.email_confirmed_at.isoformat() if user.email_confirmed_at else None,
            "cree_le": user.created_at.isoformat(),
            "derniere_connexion": user.last_login_at.isoformat() if user.last_login_at else None,
            "roles": sorted(r.role for r in user.roles),
        },
        "comites": [
            {"edition": seat.edition.year, "college": seat.college}
            for seat in session.scalars(
                select(CommitteeMembership).where(CommitteeMembership.user_id == user.id)
            )
        ],
    }
    for exporter in PERSONAL_DATA_EXPORTERS:
        data.update(exporter(session, user))
    return data


def _admin_count(session: Session) -> int:
    return session.scalar(
        select(func.count()).select_from(UserRole).join(User)
        .where(UserRole.role == Role.ADMIN.value, User.deleted_at.is_(None))
    ) or 0


def set_roles(session: Session, actor: User, user: User, roles: Iterable[Role], now: datetime) -> bool:
    """Replace a user's global roles (admin action, audited). An admin cannot remove their own admin role."""
    wanted = frozenset(roles)
    before = user.role_set
    if wanted == before:
        return False
    if user.id == actor.id and Role.ADMIN in before and Role.ADMIN not in wanted:
        raise DomainError("Vous ne pouvez pas retirer votre propre rôle d'administrateur.")
    if user.is_deleted:
        raise DomainError("Ce compte a été supprimé.")
    for link in list(user.roles):
        if Role(link.role) not in wanted:
            user.roles.remove(link)
    for role in wanted - before:
        user.roles.append(UserRole(role=role.value, granted_at=now))
    audit.record(
        session, actor=actor, action="user.roles", object_type="user", object_id=user.id, now=now,
        summary="Rôles modifiés", before={"roles": sorted(before)}, after={"roles": sorted(wanted)},
    )
    session.flush()
    return True


def create_admin(session: Session, email: str, password: str, now: datetime) -> User:
    """Create a confirmed administrator account, or make an existing account admin (CLI)."""
    user = find_by_email(session, email)
    if user is None:
        user = register(session, email, password, now)
        user.email_confirmed_at = now
    elif Role.ADMIN in user.role_set:
        raise Conflict("Ce compte est déjà administrateur.")
    user.roles.append(UserRole(role=Role.ADMIN.value, granted_at=now))
    session.flush()
    audit.record(
        session, actor=None, action="user.create_admin", object_type="user", object_id=user.id, now=now,
        summary="Rôle administrateur donné en ligne de commande", after={"roles": sorted(user.role_set)},
    )
    return user
