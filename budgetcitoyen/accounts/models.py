"""Accounts, global roles, per-edition committee seats and the log of log-in attempts."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from budgetcitoyen.db import Base


class Role(enum.StrEnum):
    """Global roles. Every account is a resident; these are granted on top of it."""

    HOLDER = "holder"
    AGENT = "agent"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.HOLDER: "Porteur d'initiative",
    Role.AGENT: "Agent du service de la collectivité",
    Role.ADMIN: "Administrateur",
}


class College(enum.StrEnum):
    """The colleges of the labelling committee."""

    AMBASSADOR = "ambassador"
    FINANCE = "finance"
    QUALIFIED = "qualified"
    MISSION_ESS = "mission_ess"


COLLEGE_LABELS = {
    College.AMBASSADOR: "Ambassadeur de l'ESS / membre du CDESS",
    College.FINANCE: "Partenaire financier",
    College.QUALIFIED: "Personne qualifiée",
    College.MISSION_ESS: "Service de la collectivité",
}


class User(Base):
    """An account. Deleting it erases personal data but keeps the row so contributions stay, anonymised."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased: the unique constraint then also rejects case variants.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    email_confirmed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    # Bumped on a change of address or deletion: a link mailed for the address change is bound to
    # it, so it works once. (Sessions end through their own rows, see UserSession.)
    auth_version: Mapped[int] = mapped_column(default=1)

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    committee_seats: Mapped[list[CommitteeMembership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def role_set(self) -> frozenset[Role]:
        """The global roles as a set of enum values."""
        return frozenset(Role(r.role) for r in self.roles)

    @property
    def is_deleted(self) -> bool:
        """True once the account has been erased."""
        return self.deleted_at is not None

    @property
    def is_confirmed(self) -> bool:
        """True once the e-mail address has been confirmed."""
        return self.email_confirmed_at is not None

    # Flask-Login protocol, written out so models need no Flask import.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return not self.is_deleted

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # What Flask-Login puts in the session and in the "remember me" cookie: the token of the device
        # session this object was opened or loaded for (budgetcitoyen/accounts/sessions.py), never the
        # account id, so that ending that session on the server ends both cookies.
        token = self.__dict__.get("session_token")
        if not token:
            raise RuntimeError("no device session opened for this account (accounts.sessions.open_session)")
        return str(token)


class UserRole(Base):
    """A global role granted to an account."""

    __tablename__ = "user_roles"
    __table_args__ = (
        UniqueConstraint("user_id", "role", name="uq_user_roles_user_role"),
        CheckConstraint("role IN ('holder', 'agent', 'admin')", name="known_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    granted_at: Mapped[datetime]

    user: Mapped[User] = relationship(back_populates="roles")


class CommitteeMembership(Base):
    """A seat on one edition's labelling committee, in a college."""

    __tablename__ = "committee_memberships"
    __table_args__ = (
        UniqueConstraint("edition_id", "user_id", name="uq_committee_memberships_edition_user"),
        CheckConstraint(
            "college IN ('ambassador', 'finance', 'qualified', 'mission_ess')", name="known_college"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    college: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]

    user: Mapped[User] = relationship(back_populates="committee_seats")
    edition: Mapped[Edition] = relationship()  # noqa: F821 - resolved by the registry


class LoginAttempt(Base):
    """A failed log-in, kept briefly to throttle guessing per account and per address."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_account_key_at", "account_key", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A keyed hash of the e-mail typed, not the e-mail: guesses for unknown addresses are
    # throttled too, and the table holds no readable address.
    account_key: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(45))
    at: Mapped[datetime]


class UserSession(Base):
    """A signed-in device: one row per log-in, deleted at log-out (or with every other one of the account
    when its password changes). Both the session cookie and the "remember me" cookie name it, so a
    cookie saved before the log-out opens nothing afterwards."""

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user_id", "user_id"),)

    # SHA-256 of the random token the cookies carry: reading the table does not give a usable cookie
    # (which would also need the app secret to sign it), and the random key gives no order of log-ins.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The day only: enough to expire sessions, and no exact time to join with anyone's activity.
    created_on: Mapped[date]
