"""Accounts, global roles, per-edition committee seats and the log of log-in attempts."""

from __future__ import annotations

import enum
from datetime import datetime

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
    Role.AGENT: "Agent de la mission ESS",
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
    College.MISSION_ESS: "Mission ESS",
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
    # Bumped on password change or deletion: it is part of the session id, so every other
    # session and "remember me" cookie of the account stops working at once.
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
        return f"{self.id}:{self.auth_version}"


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
