"""Account use cases: sign-up and the links mailed for it, log-in, changes of password and address,
erasure, roles. They take the session (the actor, `now`), flush but never commit; password checks go
through the throttle of budgetcitoyen/accounts/passwords.py."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from budgetcitoyen.accounts import notifications, sessions, tokens
from budgetcitoyen.accounts.models import CommitteeMembership, Role, User, UserRole
from budgetcitoyen.accounts.passwords import (
    PasswordGuard,
    account_key,
    attempt,
    check_password,
    forget_failures,
    password_matches,
    set_password,
    spend_check_time,
    strong_hash,
)
from budgetcitoyen.accounts.rules import normalize_email
from budgetcitoyen.audit import services as audit
from budgetcitoyen.db import paginate
from budgetcitoyen.errors import Conflict, DomainError


class BadCredentials(DomainError):
    """Unknown e-mail or wrong password (deliberately not told apart)."""

    status_code = 401

    def __init__(self) -> None:
        super().__init__("Adresse e-mail ou mot de passe incorrect.")


class WrongPassword(DomainError):
    """A wrong current password on an account page (recorded like a failed log-in)."""


@dataclass(frozen=True)
class LinkSettings:
    """What the links mailed to people need: the signing secret, and how long they stay valid in
    seconds (`email_max_age` to confirm an address, `reset_max_age` to choose a new password)."""

    secret: str
    email_max_age: int
    reset_max_age: int


def find_by_email(session: Session, email: str) -> User | None:
    """The live account with this address."""
    return session.scalar(select(User).where(User.email == normalize_email(email), User.deleted_at.is_(None)))


def register(session: Session, email: str, password: str, now: datetime) -> User:
    """Create an unconfirmed resident account; a duplicate address is refused even under a race."""
    email = normalize_email(email)
    password_hash = strong_hash(password, email)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise _duplicate_email()
    user = User(email=email, password_hash=password_hash, created_at=now)
    try:
        with session.begin_nested():
            session.add(user)
    except IntegrityError as exc:
        raise _duplicate_email() from exc
    return user


def _duplicate_email() -> Conflict:
    return Conflict(
        "Un compte existe déjà avec cette adresse e-mail. "
        "Connectez-vous, ou utilisez « Mot de passe oublié ».",
        field="email",
    )


def sign_up(session: Session, email: str, password: str, links: LinkSettings, now: datetime) -> User:
    """Create the account, mail the link that confirms its address and open the device's session (the
    person is signed in at once)."""
    user = register(session, email, password, now)
    sessions.open_session(session, user, now.date())
    notifications.confirm_address(session, user.email, confirmation_token(links.secret, user),
                                  links.email_max_age)
    return user


def resend_confirmation(session: Session, email: str, links: LinkSettings) -> None:
    """Mail the confirmation link again to an unconfirmed account, and to any other address a mail
    saying there is nothing to confirm. Like ask_password_reset: one query by columns, one token, one
    mail queued whatever the address, so the answer and its timing do not tell who has an account."""
    email = normalize_email(email)
    row = session.execute(
        select(User.id, User.email_confirmed_at).where(User.email == email, User.deleted_at.is_(None))
    ).first()
    payload = {"uid": row.id if row is not None else 0, "email": email}
    token = tokens.make_token(links.secret, tokens.CONFIRM_EMAIL, payload)
    if row is not None and row.email_confirmed_at is None:
        notifications.confirm_address(session, email, token, links.email_max_age)
    else:
        notifications.no_confirmation_needed(session, email, row is not None, links.email_max_age)


def authenticate(session: Session, email: str, password: str, guard: PasswordGuard) -> User:
    """The account for these credentials, or BadCredentials / TooManyAttempts. Failures are recorded."""
    key = account_key(guard.secret, email)
    user_id = attempt(session, key, guard, lambda own: _matching_account(own, email, password))
    user = session.get(User, user_id) if user_id is not None else None
    if user is None or user.is_deleted:
        raise BadCredentials()
    forget_failures(session, key, guard.address)
    user.last_login_at = guard.now
    return user


def log_in(session: Session, email: str, password: str, guard: PasswordGuard) -> User:
    """Check the credentials (authenticate) and open a session for the device; its token is on the user."""
    user = authenticate(session, email, password, guard)
    sessions.open_session(session, user, guard.now.date())
    return user


def log_out(session: Session, token: str) -> None:
    """End this device's session on the server: its cookies, even saved, open nothing any more."""
    sessions.end_session(session, token)


def _matching_account(session: Session, email: str, password: str) -> int | None:
    user = find_by_email(session, email)
    if user is None:
        spend_check_time(password)
        return None
    return user.id if check_password(user, password) else None


def verify_current_password(session: Session, user: User, password: str, guard: PasswordGuard,
                            field: str = "password") -> None:
    """Check the password of a signed-in person, with the same throttle as log-in (a stolen session
    must not allow unlimited guesses); call it before the use case writes anything."""
    key, password_hash = account_key(guard.secret, user.email), user.password_hash
    if attempt(session, key, guard, lambda _own: password_matches(password_hash, password) or None) is None:
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


def ask_password_reset(session: Session, email: str, links: LinkSettings) -> None:
    """Mail a reset link to a live account, and to any other address a mail saying no account uses it.

    Both take the same path: one query by address (columns only, so no relationship is loaded for a
    known account alone), one signed token, one mail rendered and queued. The page, the statements
    run and the time taken are the same whether the address has an account or not; only the
    mailbox's owner learns which (rate limits per address and per e-mail cap the mails)."""
    email = normalize_email(email)
    row = session.execute(
        select(User.id, User.email, User.password_hash).where(User.email == email, User.deleted_at.is_(None))
    ).first()
    uid, password_hash = (row.id, row.password_hash) if row is not None else (0, None)
    payload = {"uid": uid, "email": email, "pw": tokens.password_fingerprint(password_hash)}
    token = tokens.make_token(links.secret, tokens.RESET_PASSWORD, payload)
    if row is not None:
        notifications.reset_password(session, email, token, links.reset_max_age)
    else:
        notifications.reset_password_no_account(session, email, links.reset_max_age)


def user_for_reset_token(
    session: Session, secret: str, token: str, max_age: int, *, lock: bool = False
) -> User:
    """The account a reset token is for, if the token is valid and unused (bound to the password it
    replaces and to the address it was sent to)."""
    payload = tokens.read_token(secret, tokens.RESET_PASSWORD, token, max_age)
    # Locked when used: two concurrent uses of one link must not both succeed.
    user = session.get(User, payload.get("uid"), with_for_update=lock, populate_existing=lock)
    if (user is None or user.is_deleted or payload.get("email") != user.email
            or payload.get("pw") != tokens.password_fingerprint(user.password_hash)):
        raise tokens.InvalidToken()
    return user


def reset_password(
    session: Session, secret: str, token: str, max_age: int, password: str, now: datetime
) -> User:
    """Set a new password from a reset link; the link proves the address, so it also confirms it."""
    user = user_for_reset_token(session, secret, token, max_age, lock=True)
    set_password(session, user, password)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now
    return user


def change_password(session: Session, user: User, current: str, new: str, guard: PasswordGuard) -> None:
    """Change the password after checking the current one; every session ends, then this device gets a
    new one (its token is on the user): the other devices are logged out."""
    try:
        verify_current_password(session, user, current, guard, field="current_password")
    except WrongPassword as error:
        raise WrongPassword("Le mot de passe actuel est incorrect.", field=error.field) from error
    set_password(session, user, new)
    sessions.open_session(session, user, guard.now.date())


def ask_email_change(session: Session, user: User, password: str, new_email: str, guard: PasswordGuard,
                     links: LinkSettings) -> str:
    """Check the password and that the new address is free, then mail the link to the new address;
    returns it. The link is bound to the account's auth version, which the change bumps: it works once."""
    verify_current_password(session, user, password, guard)
    new_email = normalize_email(new_email)
    if new_email == user.email:
        raise DomainError("C'est déjà votre adresse e-mail.", field="email")
    if session.scalar(select(User.id).where(User.email == new_email)) is not None:
        raise Conflict("Cette adresse e-mail est déjà utilisée par un autre compte.", field="email")
    token = tokens.make_token(
        links.secret, tokens.CHANGE_EMAIL,
        {"uid": user.id, "old": user.email, "new": new_email, "v": user.auth_version},
    )
    notifications.confirm_new_address(session, new_email, token, links.email_max_age)
    return new_email


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
    sessions.end_all_sessions(session, user)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise Conflict("Cette adresse e-mail est déjà utilisée par un autre compte.") from exc
    return user


def delete_account(session: Session, user: User, password: str, guard: PasswordGuard) -> None:
    """Erase personal data; the row stays, anonymised, so contributions and the audit trail keep
    their author id."""
    now = guard.now
    verify_current_password(session, user, password, guard)
    if Role.ADMIN in user.role_set and _admin_count(session) <= 1:
        raise DomainError(
            "Vous êtes le seul administrateur : nommez-en un autre avant de supprimer votre compte."
        )
    forget_failures(session, account_key(guard.secret, user.email))
    for eraser in PERSONAL_DATA_ERASERS:
        eraser(session, user)
    user.email = f"compte-supprime-{user.id}@supprime.invalid"
    user.password_hash = None
    user.email_confirmed_at = None
    user.last_login_at = None
    user.deleted_at = now
    user.auth_version += 1
    sessions.end_all_sessions(session, user)
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


def search_users(session: Session, text: str, role: str, page: int, size: int) -> tuple[list[User], int]:
    """One page of the live accounts whose address contains `text` (taken literally), with `role`
    when it is one; and how many there are in all."""
    statement = select(User).where(User.deleted_at.is_(None))
    if text:
        statement = statement.where(User.email.contains(text.lower(), autoescape=True))
    if role in {r.value for r in Role}:
        statement = statement.where(User.roles.any(role=role))
    return paginate(session, statement.order_by(User.email), page, size)


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
