"""Voters' declared identity, ballots and choices, and the paper attendance list.

Secrecy by construction: `ballots` and `ballot_choices` hold no user id, name or e-mail. A ballot
carries `voter_key`, a keyed hash of the account (online) or of the declared identity (paper);
only the application, which holds the key, can find a voter's ballot to let them change it.
Nor do they hold an order or an exact time (README, "Secret du vote : modèle de menace"): ballots and
attendance lines have random ids, and a ballot's dates are whole days.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from budgetcitoyen.db import Base, RandomId, random_id
from budgetcitoyen.editions.models import PAPER_CLASH_LABELS as PAPER_CLASH_LABELS  # an edition setting
from budgetcitoyen.editions.models import PaperClashPolicy as PaperClashPolicy
from budgetcitoyen.reference.models import Commune


class Channel(enum.StrEnum):
    """How a ballot reached us."""

    ONLINE = "online"
    PAPER = "paper"


CHANNEL_LABELS = {Channel.ONLINE: "En ligne", Channel.PAPER: "Papier (mairie)"}


class VoterProfile(Base):
    """The identity an account declares before voting (personal data, erased with the account)."""

    __tablename__ = "voter_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date] = mapped_column(Date)
    commune_code: Mapped[str] = mapped_column(ForeignKey("communes.insee_code"))
    # Keyed hash of the normalised name, birth date and commune: finds the same person across
    # accounts and on the paper attendance list without comparing readable names in SQL.
    person_key: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    commune: Mapped[Commune] = relationship()


class VerifiedIdentity(Base):
    """An identity an OpenID Connect provider (FranceConnect) vouched for, bound to one account.

    `subject_key` is a keyed hash of the provider's issuer and subject, never the subject itself:
    it finds the account again at the next log-in and, being unique, lets one verified person hold
    one account only. Names and birth date come from the provider and cannot be edited; the
    account's voter profile copies them (with the first given name, as people type it), next to the
    commune, which stays declared. Personal data, erased with the account.
    """

    __tablename__ = "verified_identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    subject_key: Mapped[str] = mapped_column(String(64), unique=True)
    given_names: Mapped[str] = mapped_column(String(200))
    family_name: Mapped[str] = mapped_column(String(100))
    # FranceConnect's preferred_username: the usage name (a spouse's name…) a person may declare instead
    # of the birth name; the duplicates report compares both.
    usage_name: Mapped[str | None] = mapped_column(String(100))
    birth_date: Mapped[date] = mapped_column(Date)
    acr: Mapped[str] = mapped_column(String(100))
    verified_at: Mapped[datetime]


class Ballot(Base):
    """A voter's ballot for an edition; changing it replaces the choices of the same row."""

    __tablename__ = "ballots"
    __table_args__ = (
        # One ballot per voter per edition, whatever the application does.
        UniqueConstraint("edition_id", "voter_key", name="uq_ballots_edition_voter"),
        UniqueConstraint("public_id", name="uq_ballots_public_id"),
        UniqueConstraint("receipt_id", name="uq_ballots_receipt_id"),
        CheckConstraint("channel IN ('online', 'paper')", name="known_channel"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(
            "(voided_at IS NULL AND void_reason IS NULL) "
            "OR (voided_at IS NOT NULL AND void_reason IS NOT NULL)",
            name="void_has_reason",
        ),
        Index("ix_ballots_edition_voided", "edition_id", "voided_at"),
    )

    # Random, not sequential: a row id following the casting order could be matched with who was seen
    # voting when (an account's sign-up or log-in, an attendance line).
    id: Mapped[int] = mapped_column(RandomId, primary_key=True, autoincrement=False, default=random_id)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    # Random, shown in exports and receipts instead of the row id (which would follow casting order).
    public_id: Mapped[str] = mapped_column(String(32))
    # A second random id, only in the voter's receipt: the export's id must not be provable by
    # the voter, or a receipt would let someone show a third party how they voted.
    receipt_id: Mapped[str] = mapped_column(String(32))
    voter_key: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(10))
    # Where the voter lives and their age band, kept for participation figures, never the person.
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id"))
    age_band: Mapped[str] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(default=1)
    # Both at the start of a local day, never the instant (ballots.cast_day).
    cast_at: Mapped[datetime]
    voided_at: Mapped[datetime | None]
    void_reason: Mapped[str | None] = mapped_column(String(500))

    choices: Mapped[list[BallotChoice]] = relationship(
        back_populates="ballot", cascade="all, delete-orphan", passive_deletes=True
    )


class BallotChoice(Base):
    """One approved initiative on a ballot (the primary key forbids naming it twice)."""

    __tablename__ = "ballot_choices"
    # On SQLite a table with a composite key also keeps a hidden rowid, numbered in insertion order, that a
    # plain SELECT follows: without it, rows are stored in key order, i.e. by random ballot id.
    __table_args__ = ({"sqlite_with_rowid": False},)

    ballot_id: Mapped[int] = mapped_column(
        RandomId, ForeignKey("ballots.id", ondelete="CASCADE"), primary_key=True
    )
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), primary_key=True, index=True)

    ballot: Mapped[Ballot] = relationship(back_populates="choices")


class PaperAttendance(Base):
    """A line of a town hall's attendance list (émargement), typed in by an agent.

    It says who voted on paper, never for what: the paper ballot itself is a `Ballot` row keyed
    by the same person key, with no name.
    """

    __tablename__ = "paper_attendances"
    __table_args__ = (
        UniqueConstraint("edition_id", "person_key", name="uq_paper_attendances_edition_person"),
    )

    # Random like a ballot's: the order of the lines must not follow the order of the paper ballots.
    id: Mapped[int] = mapped_column(RandomId, primary_key=True, autoincrement=False, default=random_id)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date] = mapped_column(Date)
    commune_code: Mapped[str] = mapped_column(ForeignKey("communes.insee_code"))
    person_key: Mapped[str] = mapped_column(String(64))
    polling_place: Mapped[str] = mapped_column(String(200))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    entered_at: Mapped[datetime]

    commune: Mapped[Commune] = relationship()


class VoteCount(Base):
    """Participation so far, kept with every ballot in the same transaction: the participation pages read
    these few rows instead of counting the ballots.

    Counts only, by edition, territory, channel and age band (what the pages show): no time, no ballot id,
    so they say nothing the published participation does not.
    """

    __tablename__ = "vote_counts"
    __table_args__ = (
        PrimaryKeyConstraint("edition_id", "territory_id", "channel", "age_band"),
        CheckConstraint("counted >= 0 AND voided >= 0", name="not_negative"),
    )

    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id"))
    channel: Mapped[str] = mapped_column(String(10))
    age_band: Mapped[str] = mapped_column(String(10))
    counted: Mapped[int] = mapped_column(default=0)
    voided: Mapped[int] = mapped_column(default=0)
