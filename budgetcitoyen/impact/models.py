"""A yearly survey campaign, the invitation mailed to each past winner, and its single answer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from budgetcitoyen.accounts.models import User
from budgetcitoyen.conventions.models import Convention, ImpactColumns, impact_checks
from budgetcitoyen.db import Base


class SurveyCampaign(Base):
    """The survey of one year, sent to the winners of the editions before it."""

    __tablename__ = "impact_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    created_by: Mapped[User | None] = relationship()
    invitations: Mapped[list[SurveyInvitation]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="SurveyInvitation.id")


class SurveyInvitation(Base):
    """One past winner asked once per campaign (the unique key: sending twice mails nobody twice)."""

    __tablename__ = "impact_invitations"
    __table_args__ = (UniqueConstraint("campaign_id", "convention_id", name="uq_impact_invitations_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("impact_campaigns.id", ondelete="CASCADE"))
    convention_id: Mapped[int] = mapped_column(ForeignKey("conventions.id", ondelete="CASCADE"), index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    queued_at: Mapped[datetime]

    campaign: Mapped[SurveyCampaign] = relationship(back_populates="invitations")
    convention: Mapped[Convention] = relationship()
    answer: Mapped[SurveyAnswer | None] = relationship(back_populates="invitation", uselist=False,
                                                       cascade="all, delete-orphan")


class SurveyAnswer(ImpactColumns, Base):
    """The answer to an invitation: at most one (the unique key makes the link single use)."""

    __tablename__ = "impact_answers"
    __table_args__ = impact_checks()

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("impact_invitations.id", ondelete="CASCADE"),
                                               unique=True)
    answered_at: Mapped[datetime]

    invitation: Mapped[SurveyInvitation] = relationship(back_populates="answer")
