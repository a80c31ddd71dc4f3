"""Comptoirs (workshops) and their sign-ups; initiatives from idea to dossier, with budget and attachments."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from budgetcitoyen.accounts.models import User
from budgetcitoyen.db import Base
from budgetcitoyen.editions.models import Category, Edition
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.reference.models import Commune, StructureType, Territory

_STATUS_VALUES = ", ".join(f"'{s.value}'" for s in Status)


class Workshop(Base):
    """A comptoir à initiatives citoyennes: one territorial workshop of an edition."""

    __tablename__ = "workshops"
    __table_args__ = (
        # The seat counter is what makes "the last seat goes to one person only" hold under
        # concurrency: sign-up is a conditional UPDATE of this row, checked by the database.
        CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="seats_within_capacity"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"), index=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id"))
    host_structure: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    capacity: Mapped[int]
    seats_taken: Mapped[int] = mapped_column(default=0)

    edition: Mapped[Edition] = relationship()
    territory: Mapped[Territory] = relationship()
    registrations: Mapped[list[WorkshopRegistration]] = relationship(back_populates="workshop")

    @property
    def seats_left(self) -> int:
        """Seats still free."""
        return self.capacity - self.seats_taken


class WorkshopRegistration(Base):
    """A person's sign-up for a comptoir; one per person per edition."""

    __tablename__ = "workshop_registrations"
    __table_args__ = (UniqueConstraint("edition_id", "user_id",
                                       name="uq_workshop_registrations_edition_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    attended: Mapped[bool | None]
    attendance_marked_at: Mapped[datetime | None]
    attendance_marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    workshop: Mapped[Workshop] = relationship(back_populates="registrations")
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class Initiative(Base):
    """An initiative of an edition: an idea first, then a dossier filed for labelling."""

    __tablename__ = "initiatives"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUS_VALUES})", name="known_status"),
        CheckConstraint("amount_asked IS NULL OR amount_asked > 0", name="amount_positive"),
        CheckConstraint("duration_months IS NULL OR (duration_months >= 1 AND duration_months <= 36)",
                        name="duration_range"),
        Index("ix_initiatives_edition_status", "edition_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id"))
    holder_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=Status.IDEA.value)
    # The idea
    title: Mapped[str] = mapped_column(String(150))
    summary: Mapped[str] = mapped_column(String(500))
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id"))
    commune_code: Mapped[str | None] = mapped_column(ForeignKey("communes.insee_code"))
    # The dossier
    structure_type_id: Mapped[int | None] = mapped_column(ForeignKey("structure_types.id"))
    structure_name: Mapped[str] = mapped_column(String(200), default="")
    siret: Mapped[str] = mapped_column(String(14), default="")
    structure_address: Mapped[str] = mapped_column(String(300), default="")
    contact_name: Mapped[str] = mapped_column(String(150), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    problem_addressed: Mapped[str] = mapped_column(Text, default="")
    public_addressed: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    amount_asked: Mapped[Decimal | None]
    starts_on: Mapped[date | None] = mapped_column(Date)
    duration_months: Mapped[int | None]
    ess_practices: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    filed_at: Mapped[datetime | None]
    # Set when the ESS service reopens a dossier after the deadline: edits are accepted until then.
    reopened_until: Mapped[datetime | None]

    edition: Mapped[Edition] = relationship()
    holder: Mapped[User] = relationship()
    territory: Mapped[Territory] = relationship()
    commune: Mapped[Commune | None] = relationship()
    structure_type: Mapped[StructureType | None] = relationship()
    category: Mapped[Category | None] = relationship()
    action_communes: Mapped[list[InitiativeCommune]] = relationship(
        back_populates="initiative", cascade="all, delete-orphan", order_by="InitiativeCommune.insee_code"
    )
    budget_lines: Mapped[list[BudgetLineRow]] = relationship(
        back_populates="initiative", cascade="all, delete-orphan", order_by="BudgetLineRow.position"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="initiative", cascade="all, delete-orphan", order_by="Attachment.id"
    )
    history: Mapped[list[StatusChange]] = relationship(
        back_populates="initiative", cascade="all, delete-orphan", order_by="StatusChange.id"
    )
    photo: Mapped[InitiativePhoto | None] = relationship(back_populates="initiative",
                                                         cascade="all, delete-orphan")

    @property
    def status_enum(self) -> Status:
        """The status as the workflow's enum."""
        return Status(self.status)


class InitiativeCommune(Base):
    """A commune where the initiative acts."""

    __tablename__ = "initiative_communes"

    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id", ondelete="CASCADE"),
                                               primary_key=True)
    insee_code: Mapped[str] = mapped_column(ForeignKey("communes.insee_code"), primary_key=True)

    initiative: Mapped[Initiative] = relationship(back_populates="action_communes")
    commune: Mapped[Commune] = relationship()


class BudgetLineRow(Base):
    """One line of a dossier's provisional budget."""

    __tablename__ = "budget_lines"
    __table_args__ = (
        UniqueConstraint("initiative_id", "position", name="uq_budget_lines_initiative_position"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id", ondelete="CASCADE"))
    position: Mapped[int]
    account: Mapped[str] = mapped_column(String(4))
    label: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal]
    funder: Mapped[str] = mapped_column(String(200), default="")
    is_departement: Mapped[bool] = mapped_column(default=False)

    initiative: Mapped[Initiative] = relationship(back_populates="budget_lines")


class Attachment(Base):
    """A file attached to a dossier, stored on disk outside static/ under a random name."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime]

    initiative: Mapped[Initiative] = relationship(back_populates="attachments")


class InitiativePhoto(Base):
    """The initiative's photo, re-encoded into a few widths kept in the storage under
    `uploads/photo-<token>-<width>.jpg`. The token is new at each replacement, so the URLs of a photo
    never serve other pixels (browsers and proxies may keep them)."""

    __tablename__ = "initiative_photos"
    __table_args__ = (
        CheckConstraint("width > 0 AND height > 0", name="dimensions_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id", ondelete="CASCADE"), unique=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    alt_text: Mapped[str] = mapped_column(String(250))
    # The stored widths, narrowest first ("480 960"); width and height are the widest one's.
    widths: Mapped[str] = mapped_column(String(40))
    width: Mapped[int]
    height: Mapped[int]
    content_type: Mapped[str] = mapped_column(String(30))
    original_size: Mapped[int]  # bytes uploaded
    stored_size: Mapped[int]  # bytes kept, every width together
    uploaded_at: Mapped[datetime]

    initiative: Mapped[Initiative] = relationship(back_populates="photo")

    @property
    def width_list(self) -> list[int]:
        """The stored widths, narrowest first."""
        return [int(w) for w in self.widths.split()]

    def height_at(self, width: int) -> int:
        """The height of the rendition `width` wide (the ratio is kept)."""
        return max(1, round(self.height * width / self.width))


class StatusChange(Base):
    """One step of an initiative's history: from, to, who, why, when."""

    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(1000), default="")
    at: Mapped[datetime]

    initiative: Mapped[Initiative] = relationship(back_populates="history")
    actor: Mapped[User | None] = relationship()
