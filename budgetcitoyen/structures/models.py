"""A structure is one record across editions: its initiatives of every year are linked to it. Its public
profile (the ambassadors' directory) is written and published by its holder; the ESS service marks the
members of the ambassadors' collective."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from budgetcitoyen.accounts.models import User
from budgetcitoyen.db import Base
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.reference.models import Commune, Territory


class Structure(Base):
    """One structure (association, SCIC, collective…) whatever the edition: keyed by its SIRET when it has
    one, else by its folded name and its holder (budgetcitoyen.structures.rules.identity_of)."""

    __tablename__ = "structures"

    id: Mapped[int] = mapped_column(primary_key=True)
    siret: Mapped[str | None] = mapped_column(String(14), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    # The account that filed its first dossier: a name without SIRET only matches within one holder.
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # The public profile, shown only once its holder publishes it (opt-in).
    profile_published: Mapped[bool] = mapped_column(default=False)
    profile_published_at: Mapped[datetime | None]
    profile_name: Mapped[str] = mapped_column(String(200), default="")
    profile_territory_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id"))
    profile_commune_code: Mapped[str | None] = mapped_column(ForeignKey("communes.insee_code"))
    profile_description: Mapped[str] = mapped_column(Text, default="")
    profile_website: Mapped[str] = mapped_column(String(300), default="")
    # « Membre du collectif des ambassadeurs », set by the ESS service (journaled).
    collective_member: Mapped[bool] = mapped_column(default=False)

    holder: Mapped[User | None] = relationship()
    profile_territory: Mapped[Territory | None] = relationship()
    profile_commune: Mapped[Commune | None] = relationship()
    links: Mapped[list[StructureInitiative]] = relationship(back_populates="structure",
                                                            cascade="all, delete-orphan")

    @property
    def display_name(self) -> str:
        """The profile's name, else the name of its dossiers."""
        return self.profile_name or self.name


class StructureInitiative(Base):
    """An initiative (of any edition) and its structure; an initiative has at most one."""

    __tablename__ = "structure_initiatives"

    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id", ondelete="CASCADE"),
                                               primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structures.id", ondelete="CASCADE"), index=True)

    structure: Mapped[Structure] = relationship(back_populates="links")
    initiative: Mapped[Initiative] = relationship()
