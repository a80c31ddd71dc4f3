"""Assignments, declared interests, evaluations, scores and decisions. The questionnaire they score (axes
and questions) is part of the edition: budgetcitoyen.editions.models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from budgetcitoyen.accounts.models import User
from budgetcitoyen.db import Base
from budgetcitoyen.editions.models import Category
from budgetcitoyen.initiatives.models import Initiative


class _OncePerMemberAndDossier:
    """A row held once per (dossier, committee member) pair: an assignment, an interest, a sheet."""

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        return (UniqueConstraint("initiative_id", "member_id", name=f"uq_{cls.__tablename__}_pair"),)


class Assignment(_OncePerMemberAndDossier, Base):
    """A dossier given to a committee member to score."""

    __tablename__ = "labelling_assignments"

    assigned_at: Mapped[datetime]
    by_hand: Mapped[bool] = mapped_column(default=False)

    initiative: Mapped[Initiative] = relationship()
    member: Mapped[User] = relationship()


class Interest(_OncePerMemberAndDossier, Base):
    """A member's declared interest in a dossier: they take part neither in its debate nor in its vote."""

    __tablename__ = "labelling_interests"

    declared_at: Mapped[datetime]
    declared_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(String(500), default="")

    member: Mapped[User] = relationship(foreign_keys="Interest.member_id")


class Evaluation(_OncePerMemberAndDossier, Base):
    """A member's score sheet for a dossier: a draft until submitted, then frozen."""

    __tablename__ = "labelling_evaluations"

    comment: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]

    member: Mapped[User] = relationship()
    scores: Mapped[list[Score]] = relationship(back_populates="evaluation", cascade="all, delete-orphan")


class Score(Base):
    """One answer of a sheet."""

    __tablename__ = "labelling_scores"
    __table_args__ = (
        UniqueConstraint("evaluation_id", "question_id", name="uq_labelling_scores_pair"),
        CheckConstraint("value >= 0 AND value <= 4", name="value_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("labelling_evaluations.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("labelling_questions.id"))
    value: Mapped[int]

    evaluation: Mapped[Evaluation] = relationship(back_populates="scores")


class Decision(Base):
    """The committee's outcome for a dossier, recorded by the ESS service."""

    __tablename__ = "labelling_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id", ondelete="CASCADE"), unique=True)
    labelled: Mapped[bool]
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    motivation: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime]
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    initiative: Mapped[Initiative] = relationship()
    category: Mapped[Category | None] = relationship()
    decided_by: Mapped[User] = relationship()
