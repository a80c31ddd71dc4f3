"""Territories, communes and structure types (reference data, loaded from the CSV files beside this
module)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from budgetcitoyen.db import Base


class Territory(Base):
    """One of the département's territories (one comptoir à initiatives citoyennes each)."""

    __tablename__ = "territories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))

    communes: Mapped[list[Commune]] = relationship(back_populates="territory", order_by="Commune.name")


class Commune(Base):
    """A commune of the département, keyed by its INSEE code."""

    __tablename__ = "communes"

    insee_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    postal_codes: Mapped[str] = mapped_column(String(120))  # space-separated
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id"), index=True)

    territory: Mapped[Territory] = relationship(back_populates="communes")


class StructureType(Base):
    """A kind of structure that can hold an initiative (association, SCIC, collectif informel…)."""

    __tablename__ = "structure_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # Only a legal structure with a SIRET can sign the convention and receive the grant.
    can_receive_grant: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
