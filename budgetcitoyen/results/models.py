"""The stored outcome of an edition's allocation: one result per edition, one decision per initiative."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from budgetcitoyen.db import Base
from budgetcitoyen.initiatives.models import Initiative


class AllocationResult(Base):
    """The allocation computed for an edition; recomputed freely until published, then frozen."""

    __tablename__ = "allocation_results"
    __table_args__ = (
        UniqueConstraint("edition_id", name="uq_allocation_results_edition"),
        CheckConstraint("spent >= 0 AND remaining >= 0", name="amounts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(20))
    # The settings the rule ran with (threshold, utility, ceilings, sub-envelopes, tie-break), so the
    # published page and the files say exactly how to recompute the outcome.
    settings: Mapped[dict] = mapped_column(JSON)
    envelope: Mapped[Decimal]
    spent: Mapped[Decimal]
    remaining: Mapped[Decimal]
    voters: Mapped[int]
    computed_at: Mapped[datetime]
    computed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The anonymised ballots as published, and their SHA-256, for anyone to recompute the outcome.
    ballots_pb_sha256: Mapped[str | None] = mapped_column(String(64))
    ballots_csv_sha256: Mapped[str | None] = mapped_column(String(64))

    decisions: Mapped[list[AllocationDecision]] = relationship(
        back_populates="result", cascade="all, delete-orphan", order_by="AllocationDecision.rank"
    )


class AllocationDecision(Base):
    """What the allocation decided for one initiative, with its French explanation."""

    __tablename__ = "allocation_decisions"
    __table_args__ = (
        UniqueConstraint("result_id", "initiative_id", name="uq_allocation_decisions_result_initiative"),
        CheckConstraint("granted >= 0 AND granted <= asked", name="granted_within_asked"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("allocation_results.id", ondelete="CASCADE"))
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"))
    rank: Mapped[int]
    votes: Mapped[int]
    asked: Mapped[Decimal]
    granted: Mapped[Decimal]
    funded: Mapped[bool]
    position: Mapped[int | None]
    reason: Mapped[str] = mapped_column(String(40))
    explanation: Mapped[str] = mapped_column(Text)

    result: Mapped[AllocationResult] = relationship(back_populates="decisions")
    initiative: Mapped[Initiative] = relationship()


class PublishedFigures(Base):
    """Every figure the public results show, counted once at publication: the ballots and the outcome
    never change after it, so the pages read these instead of counting 400,000 ballots per visit.

    `figures` is budgetcitoyen.results.figures.Figures as JSON (the ranking with the initiatives' names
    as published, the participation, the files' sizes, each chart's SHA-256); the charts themselves are
    files in the app's storage (results/<year>/graphiques/).
    """

    __tablename__ = "published_figures"
    __table_args__ = (UniqueConstraint("result_id", name="uq_published_figures_result"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("allocation_results.id", ondelete="CASCADE"))
    figures: Mapped[dict] = mapped_column(JSON)
    frozen_at: Mapped[datetime]
