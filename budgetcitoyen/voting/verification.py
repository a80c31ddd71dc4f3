"""Verified identity: what an OpenID Connect provider (FranceConnect) says about a person, bound to one
account (use cases and queries: session in, flush only, no Flask; the OpenID Connect protocol itself is
Authlib's, in franceconnect_views.py).

One verified person, one account: the provider's subject is kept only as a keyed hash, unique. A
provider's e-mail never takes over an existing account silently: the person logs in with their
password first (`PendingLink`). The names and birth date come from the provider and cannot be edited;
the commune of residence stays declared (FranceConnect gives no address).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from budgetcitoyen.accounts import sessions
from budgetcitoyen.accounts.models import User
from budgetcitoyen.accounts.rules import normalize_email
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.models import IdentityPolicy as IdentityPolicy  # an edition setting
from budgetcitoyen.errors import Conflict, DomainError
from budgetcitoyen.voting.identity import Identity, find_online_ballot, profile_of, save_profile
from budgetcitoyen.voting.matching import name_key
from budgetcitoyen.voting.models import VerifiedIdentity


@dataclass(frozen=True)
class VerifiedPerson:
    """The claims the vote needs, read from the provider (the `sub` only ever kept as a keyed hash)."""

    subject_key: str
    given_names: str
    family_name: str
    birth_date: date
    email: str | None
    acr: str
    usage_name: str | None = None

    @property
    def first_name(self) -> str:
        return _first(self.given_names)


def subject_key(secret: str, issuer: str, subject: str) -> str:
    """Keyed hash of the provider and its subject: FranceConnect's `sub` is stable for one person and
    one service provider; with the issuer, two providers' subjects never collide."""
    message = f"{issuer}\x1f{subject}".encode()
    return hmac.new(("oidc-subject:" + secret).encode(), message, hashlib.sha256).hexdigest()


def person_from_claims(claims: dict[str, object], issuer: str, secret: str) -> VerifiedPerson:
    """The verified person, or DomainError (French) when a claim the vote needs is missing or malformed
    (pure)."""
    subject = claims.get("sub")
    given, family = claims.get("given_name"), claims.get("family_name")
    born = claims.get("birthdate")
    if not isinstance(subject, str) or not subject:
        raise DomainError("Le fournisseur d'identité n'a pas transmis d'identifiant : réessayez.")
    if not isinstance(given, str) or not isinstance(family, str) or not name_key(given) \
            or not name_key(family):
        raise DomainError("Le fournisseur d'identité n'a pas transmis vos prénoms et nom : votre identité "
                          "ne peut pas être vérifiée. Vous pouvez la déclarer vous-même.")
    try:
        # FranceConnect writes an unknown day or month as 00: not a date one can vote with.
        birth_date = date.fromisoformat(born) if isinstance(born, str) else None
    except ValueError:
        birth_date = None
    if birth_date is None:
        raise DomainError("Le fournisseur d'identité n'a pas transmis de date de naissance complète : votre "
                          "identité ne peut pas être vérifiée. Vous pouvez la déclarer vous-même.")
    email = claims.get("email")
    acr = claims.get("acr")
    usage = claims.get("preferred_username")
    return VerifiedPerson(
        subject_key(secret, issuer, subject), " ".join(given.split())[:200], " ".join(family.split())[:100],
        birth_date, email.strip() if isinstance(email, str) and "@" in email else None,
        acr if isinstance(acr, str) else "",
        " ".join(usage.split())[:100] if isinstance(usage, str) and name_key(usage) else None,
    )


def verified_identity_of(session: Session, user: User) -> VerifiedIdentity | None:
    return session.scalar(select(VerifiedIdentity).where(VerifiedIdentity.user_id == user.id))


class PendingLink(DomainError):
    """An account already uses the provider's e-mail: its owner must log in with their password before
    the verified identity is attached to it."""

    status_code = 409

    def __init__(self, email: str) -> None:
        super().__init__(
            f"Un compte existe déjà avec l'adresse {email}. Connectez-vous avec votre mot de passe pour y "
            "rattacher votre identité vérifiée."
        )
        self.email = email


def sign_in_verified(
    session: Session, person: VerifiedPerson, current: User | None, secret: str, edition: Edition | None,
    now: datetime,
) -> User:
    """The account to log in after the provider vouched for `person`: the one already bound to this
    verified person, else the signed-in account (linked now), else a new account for the provider's
    e-mail. PendingLink when another account has that e-mail (never taken over silently). A person who
    was not signed in gets a device session of their own, like a log-in with a password."""
    user = _verified_account(session, person, current, secret, edition, now)
    if current is None:
        sessions.open_session(session, user, now.date())
    return user


def _verified_account(
    session: Session, person: VerifiedPerson, current: User | None, secret: str, edition: Edition | None,
    now: datetime,
) -> User:
    known = session.scalar(select(VerifiedIdentity).where(VerifiedIdentity.subject_key == person.subject_key))
    if known is not None:
        user = session.get(User, known.user_id)
        if current is not None and current.id != known.user_id:
            raise Conflict("Cette identité vérifiée est déjà rattachée à un autre compte. Déconnectez-vous "
                           "puis identifiez-vous à nouveau pour l'utiliser.")
        if user is not None and not user.is_deleted:
            _record(session, user, person, secret, edition, now)
            return user
        session.delete(known)
        session.flush()
    if current is not None:
        link(session, current, person, secret, edition, now)
        return current
    if person.email is None:
        raise DomainError("Le fournisseur d'identité n'a pas transmis d'adresse électronique : créez d'abord "
                          "un compte, puis rattachez-y votre identité vérifiée.")
    email = normalize_email(person.email)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise PendingLink(email)
    # No password: this account logs in through the provider (or sets one with « Mot de passe
    # oublié »). The address is the one the provider holds for the person, taken as confirmed.
    user = User(email=email, password_hash=None, created_at=now, email_confirmed_at=now,
                last_login_at=now)
    try:
        with session.begin_nested():
            session.add(user)
    except IntegrityError as exc:
        raise PendingLink(email) from exc
    link(session, user, person, secret, edition, now)
    return user


def link(
    session: Session, user: User, person: VerifiedPerson, secret: str, edition: Edition | None, now: datetime
) -> VerifiedIdentity:
    """Attach the verified person to this account (its owner is signed in). Refused when the account
    is bound to another verified person, or when the person is already bound to another account."""
    existing = verified_identity_of(session, user)
    if existing is not None and existing.subject_key != person.subject_key:
        raise Conflict("Ce compte est déjà rattaché à une autre identité vérifiée.")
    other = session.scalar(select(VerifiedIdentity.user_id).where(
        VerifiedIdentity.subject_key == person.subject_key))
    if other is not None and other != user.id:
        raise Conflict("Cette identité vérifiée est déjà rattachée à un autre compte.")
    return _record(session, user, person, secret, edition, now)


def _record(
    session: Session, user: User, person: VerifiedPerson, secret: str, edition: Edition | None, now: datetime
) -> VerifiedIdentity:
    verified = verified_identity_of(session, user)
    if verified is None:
        verified = VerifiedIdentity(user_id=user.id, subject_key=person.subject_key)
        session.add(verified)
    verified.given_names = person.given_names
    verified.family_name = person.family_name
    verified.usage_name = person.usage_name
    verified.birth_date = person.birth_date
    verified.acr = person.acr[:100]
    verified.verified_at = now
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise Conflict("Cette identité vérifiée est déjà rattachée à un autre compte.") from exc
    profile = profile_of(session, user)
    if profile is not None:
        identity = Identity(person.first_name, person.family_name, person.birth_date, profile.commune_code)
        unchanged = (name_key(profile.first_name), name_key(profile.last_name), profile.birth_date) == (
            name_key(identity.first_name), name_key(identity.last_name), identity.birth_date)
        voted = edition is not None and find_online_ballot(session, edition, user, secret) is not None
        if not (unchanged and voted):
            # Once voted, save_profile refuses a different identity: the verified one then waits for
            # the ESS service, who sees both in the duplicates report.
            save_profile(session, user, identity, secret, edition, now)
    return verified


def save_verified_commune(
    session: Session, user: User, verified: VerifiedIdentity, commune_code: str, secret: str,
    edition: Edition | None, now: datetime,
) -> None:
    """The voter's page for a verified identity: only the commune is declared."""
    identity = Identity(_first(verified.given_names), verified.family_name, verified.birth_date, commune_code)
    save_profile(session, user, identity, secret, edition, now)


def _first(given_names: str) -> str:
    """The first given name, capitalised: what a person types when declaring themselves."""
    words = given_names.split()
    return words[0].title() if words else ""
