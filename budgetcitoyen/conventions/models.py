"""A convention per winning initiative, and the reminders already mailed about it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from budgetcitoyen.conventions.rules import (
    DEFAULT_DURATION_MONTHS,
    MAX_DURATION_MONTHS,
    ConventionStatus,
    Reminder,
    Schedule,
)
from budgetcitoyen.db import Base
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.initiatives.models import Initiative

_STATUS_VALUES = ", ".join(f"'{s.value}'" for s in ConventionStatus)
_REMINDER_VALUES = ", ".join(f"'{r.value}'" for r in Reminder)


class Convention(Base):
    """The grant agreement between the département and a winner's structure."""

    __tablename__ = "conventions"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUS_VALUES})", name="known_status"),
        CheckConstraint("amount_granted > 0", name="amount_granted_positive"),
        CheckConstraint(f"duration_months >= 1 AND duration_months <= {MAX_DURATION_MONTHS}",
                        name="duration_range"),
        CheckConstraint("amount_paid IS NULL OR (amount_paid > 0 AND amount_paid <= amount_granted)",
                        name="paid_within_grant"),
        CheckConstraint("amount_to_repay IS NULL OR (amount_to_repay >= 0 AND amount_to_repay <= "
                        "COALESCE(amount_paid, 0))", name="repay_within_paid"),
        # Signed means dated: every status past "à signer" has its dates.
        CheckConstraint("status = 'to_sign' OR (signed_on IS NOT NULL AND end_on IS NOT NULL "
                        "AND report_due_on IS NOT NULL)", name="signed_has_dates"),
        Index("ix_conventions_edition_status", "edition_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # One convention per initiative: the database says so too, whatever happens concurrently.
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id", ondelete="CASCADE"), unique=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default=ConventionStatus.TO_SIGN.value)
    amount_granted: Mapped[Decimal]
    duration_months: Mapped[int] = mapped_column(default=DEFAULT_DURATION_MONTHS)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Signature, and the dates derived from it (conventions.dates); end and report dates are inclusive.
    signed_on: Mapped[date | None] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)
    report_due_on: Mapped[date | None] = mapped_column(Date, index=True)
    # Payment, in one go at signature.
    paid_on: Mapped[date | None] = mapped_column(Date)
    amount_paid: Mapped[Decimal | None]
    # The final report (bilan final d'exécution), stored like the dossiers' attachments.
    report_original_name: Mapped[str | None] = mapped_column(String(200))
    report_stored_name: Mapped[str | None] = mapped_column(String(80), unique=True)
    report_content_type: Mapped[str | None] = mapped_column(String(50))
    report_size: Mapped[int | None]
    report_sha256: Mapped[str | None] = mapped_column(String(64))
    report_received_at: Mapped[datetime | None]
    # Closing after the check of actual spending (a reduction is claimed back), or termination.
    closed_on: Mapped[date | None] = mapped_column(Date)
    closing_note: Mapped[str] = mapped_column(Text, default="")
    terminated_on: Mapped[date | None] = mapped_column(Date)
    termination_reason: Mapped[str] = mapped_column(Text, default="")
    amount_to_repay: Mapped[Decimal | None]

    initiative: Mapped[Initiative] = relationship()
    edition: Mapped[Edition] = relationship()
    reminders: Mapped[list[ConventionReminder]] = relationship(
        back_populates="convention", cascade="all, delete-orphan", order_by="ConventionReminder.sent_at")
    report_impact: Mapped[ReportImpact | None] = relationship(
        back_populates="convention", cascade="all, delete-orphan", uselist=False)

    @property
    def status_enum(self) -> ConventionStatus:
        """The status as the machine's enum."""
        return ConventionStatus(self.status)

    @property
    def schedule(self) -> Schedule | None:
        """The dates it runs by, once signed."""
        if self.signed_on is None or self.end_on is None or self.report_due_on is None:
            return None
        return Schedule(self.signed_on, self.end_on, self.report_due_on)


class ConventionReminder(Base):
    """A reminder mailed about a convention: at most one per kind and due step."""

    __tablename__ = "convention_reminders"
    __table_args__ = (
        UniqueConstraint("convention_id", "kind", "due_on", name="uq_convention_reminders_step"),
        CheckConstraint(f"kind IN ({_REMINDER_VALUES})", name="known_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    convention_id: Mapped[int] = mapped_column(ForeignKey("conventions.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    due_on: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime]
    recipient: Mapped[str] = mapped_column(String(254))

    convention: Mapped[Convention] = relationship(back_populates="reminders")

    @property
    def kind_enum(self) -> Reminder:
        """The kind as the rules' enum."""
        return Reminder(self.kind)



def impact_checks() -> tuple[CheckConstraint, ...]:
    """The checks of every table that holds ImpactColumns (named after the table by the convention)."""
    return (
        CheckConstraint("volunteers_before >= 0 AND volunteers_after >= 0", name="volunteers_positive"),
        CheckConstraint("employees_before >= 0 AND employees_after >= 0", name="employees_positive"),
        CheckConstraint("other_funding_amount IS NULL OR (other_funding AND other_funding_amount > 0)",
                        name="funding_amount_consistent"),
    )


class ImpactColumns:
    """The impact indicators (conventions.indicators) as columns: the final report's and the survey's.
    Employees are a headcount, not full-time equivalents."""

    still_active: Mapped[bool] = mapped_column(Boolean)
    volunteers_before: Mapped[int]
    volunteers_after: Mapped[int]
    employees_before: Mapped[int]
    employees_after: Mapped[int]
    other_funding: Mapped[bool] = mapped_column(Boolean)
    other_funding_amount: Mapped[Decimal | None]
    funders: Mapped[str] = mapped_column(Text, default="")
    story: Mapped[str] = mapped_column(Text, default="")
    # The respondent's consent to show the story on the public impact page.
    story_public: Mapped[bool] = mapped_column(Boolean, default=False)


class ReportImpact(ImpactColumns, Base):
    """The impact indicators given with the final report (one per convention, replaced with it)."""

    __tablename__ = "convention_report_impacts"
    __table_args__ = impact_checks()

    id: Mapped[int] = mapped_column(primary_key=True)
    convention_id: Mapped[int] = mapped_column(ForeignKey("conventions.id", ondelete="CASCADE"), unique=True)
    recorded_at: Mapped[datetime]

    convention: Mapped[Convention] = relationship(back_populates="report_impact")
