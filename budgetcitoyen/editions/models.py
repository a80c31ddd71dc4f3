"""Editions (yearly campaigns), their phase calendar and their categories."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from budgetcitoyen.allocation import AllocationRule
from budgetcitoyen.db import Base
from budgetcitoyen.editions.rules import EditionSettings, Phase, PhaseWindow


class BallotScope(enum.StrEnum):
    """Whether a voter votes department-wide or once per territory."""

    DEPARTMENT = "department"
    TERRITORY = "territory"


BALLOT_SCOPE_LABELS = {
    BallotScope.DEPARTMENT: "Un bulletin pour toute la collectivité",
    BallotScope.TERRITORY: "Un bulletin par territoire",
}


class PaperClashPolicy(enum.StrEnum):
    """Which ballot counts when one person voted both online and on paper."""

    ONLINE_WINS = "online_wins"
    PAPER_WINS = "paper_wins"


PAPER_CLASH_LABELS = {
    PaperClashPolicy.ONLINE_WINS: "Le vote en ligne compte, le bulletin papier est annulé",
    PaperClashPolicy.PAPER_WINS: "Le bulletin papier compte, le vote en ligne est annulé",
}


class IdentityPolicy(enum.StrEnum):
    """Which identities an edition accepts for the vote."""

    DECLARED = "declared"  # declared only (no identity provider offered)
    VERIFIED = "verified"  # verified with the identity provider (FranceConnect) only
    EITHER = "either"  # either; a verified and a declared identity that match are one person


IDENTITY_POLICY_LABELS = {
    IdentityPolicy.EITHER: "Identité déclarée ou vérifiée avec FranceConnect (recommandé : les mineurs sans "
                           "FranceConnect peuvent voter)",
    IdentityPolicy.VERIFIED: "Identité vérifiée obligatoire (FranceConnect ou le fournisseur configuré)",
    IdentityPolicy.DECLARED: "Identité déclarée seulement (la vérification n'est pas proposée au votant)",
}


class Edition(Base):
    """One yearly campaign of the Budget citoyen."""

    __tablename__ = "editions"
    __table_args__ = (
        CheckConstraint("envelope >= 0", name="envelope_not_negative"),
        CheckConstraint("voting_min_age >= 0 AND voting_min_age <= 120", name="voting_age_range"),
        CheckConstraint("min_choices >= 1 AND max_choices >= min_choices", name="choices_range"),
        CheckConstraint(
            "allocation_rule IN (" + ", ".join(f"'{rule}'" for rule in AllocationRule) + ")",
            name="known_allocation_rule",
        ),
        CheckConstraint("ballot_scope IN ('department', 'territory')", name="known_ballot_scope"),
        CheckConstraint("reviewers_per_dossier >= 1 AND reviewers_per_dossier <= 20", name="reviewers_range"),
        CheckConstraint("score_aggregation IN ('mean', 'median')", name="known_aggregation"),
        CheckConstraint("label_threshold >= 0 AND label_threshold <= 4", name="threshold_range"),
        CheckConstraint("disagreement_spread >= 1 AND disagreement_spread <= 4", name="spread_range"),
        CheckConstraint(
            "paper_clash_policy IN ('online_wins', 'paper_wins')", name="known_paper_clash_policy"
        ),
        CheckConstraint(
            "identity_policy IN ('declared', 'verified', 'either')", name="known_identity_policy"
        ),
        CheckConstraint("vote_threshold >= 0", name="vote_threshold_not_negative"),
        CheckConstraint("mes_utility IN ('cost', 'card')", name="known_mes_utility"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(String(200))
    is_published: Mapped[bool] = mapped_column(default=False)
    # The public catalogue of labelled initiatives is opened by the ESS service once decisions are final.
    catalogue_published: Mapped[bool] = mapped_column(default=False)
    envelope: Mapped[Decimal]
    # The département's budget line the grants are booked on (see the Commission permanente reports).
    operation_code: Mapped[str] = mapped_column(String(40), default="")
    imputation: Mapped[str] = mapped_column(String(40), default="")
    budget_label: Mapped[str] = mapped_column(String(120), default="")
    payment_credits: Mapped[Decimal | None]
    # What is still available on the line when the winners are proposed (the report's first
    # "Disponible"); other deliberations may have used part of the credits. None: all of them.
    credits_available: Mapped[Decimal | None]
    voting_min_age: Mapped[int] = mapped_column(default=11)
    min_choices: Mapped[int] = mapped_column(default=3)
    max_choices: Mapped[int] = mapped_column(default=3)
    ballot_scope: Mapped[str] = mapped_column(String(20), default=BallotScope.DEPARTMENT.value)
    allocation_rule: Mapped[str] = mapped_column(String(30), default=AllocationRule.GREEDY.value)
    # Fewest votes a project needs to be funded (0: none), as Łódź requires 100.
    vote_threshold: Mapped[int] = mapped_column(default=0)
    # What a voter's satisfaction counts under the Method of Equal Shares: euros (cost) or projects (card).
    mes_utility: Mapped[str] = mapped_column(String(10), default="cost")
    # Vote settings: the running tally is hidden during the vote unless the ESS service shows it.
    live_results: Mapped[bool] = mapped_column(default=False)
    # Where one person voted both online and on paper (PaperClashPolicy).
    paper_clash_policy: Mapped[str] = mapped_column(String(20), default=PaperClashPolicy.ONLINE_WINS.value)
    # Which identities may vote (IdentityPolicy); frozen once the vote opens, like the other vote rules.
    identity_policy: Mapped[str] = mapped_column(String(10), default=IdentityPolicy.EITHER.value)
    # Labelling settings
    reviewers_per_dossier: Mapped[int] = mapped_column(default=3)
    score_aggregation: Mapped[str] = mapped_column(String(10), default="mean")
    label_threshold: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal("2.50"))
    forbid_zero_axis: Mapped[bool] = mapped_column(default=True)
    disagreement_spread: Mapped[int] = mapped_column(default=2)
    created_at: Mapped[datetime]

    phases: Mapped[list[EditionPhase]] = relationship(
        back_populates="edition", cascade="all, delete-orphan", lazy="selectin",
        order_by="EditionPhase.starts_at",
    )
    categories: Mapped[list[Category]] = relationship(
        back_populates="edition", cascade="all, delete-orphan", order_by="Category.position"
    )

    @property
    def long_title(self) -> str:
        """The title with its year, once: « Budget citoyen 2026 », never « Budget citoyen 2026 (2026) »."""
        return self.title if str(self.year) in self.title else f"{self.title} ({self.year})"

    def windows(self) -> list[PhaseWindow]:
        """The calendar as plain values for the pure rules."""
        return [PhaseWindow(Phase(p.phase), p.starts_at, p.ends_at) for p in self.phases]

    def window(self, phase: Phase) -> PhaseWindow | None:
        """The window of one phase, if set."""
        return next((w for w in self.windows() if w.phase == phase), None)

    def settings(self) -> EditionSettings:
        """The settings as plain values for the pure rules."""
        return EditionSettings(self.voting_min_age, self.min_choices, self.max_choices, self.envelope)


class EditionPhase(Base):
    """One phase of an edition's calendar: [starts_at, ends_at) in UTC."""

    __tablename__ = "edition_phases"
    __table_args__ = (
        UniqueConstraint("edition_id", "phase", name="uq_edition_phases_edition_phase"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(
            "phase IN ('ideas', 'dossiers', 'labelling', 'vote', 'results', 'follow_up')", name="known_phase"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    phase: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]

    edition: Mapped[Edition] = relationship(back_populates="phases")


class Category(Base):
    """A labelling category of an edition, with its grant ceiling."""

    __tablename__ = "categories"
    __table_args__ = (
        UniqueConstraint("edition_id", "code", name="uq_categories_edition_code"),
        CheckConstraint("ceiling > 0", name="ceiling_positive"),
        CheckConstraint("sub_envelope IS NULL OR sub_envelope >= 0", name="sub_envelope_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(500), default="")
    ceiling: Mapped[Decimal]
    # A share of the envelope reserved for this category's winners (None: no sub-envelope).
    sub_envelope: Mapped[Decimal | None]
    position: Mapped[int] = mapped_column(default=0)

    edition: Mapped[Edition] = relationship(back_populates="categories")


# The questionnaire is part of an edition's configuration, like its calendar and its categories: created
# with the edition (editions.questionnaire), scored by the committee (budgetcitoyen.labelling).


class Axis(Base):
    """An ESS marker of an edition's questionnaire."""

    __tablename__ = "labelling_axes"
    __table_args__ = (CheckConstraint("weight > 0", name="weight_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(120))
    weight: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal("1"))

    edition: Mapped[Edition] = relationship()
    questions: Mapped[list[Question]] = relationship(back_populates="axis", cascade="all, delete-orphan",
                                                     order_by="Question.position")


class Question(Base):
    """A question of an axis, scored 0 to 4, with a label for each level."""

    __tablename__ = "labelling_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    axis_id: Mapped[int] = mapped_column(ForeignKey("labelling_axes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    text: Mapped[str] = mapped_column(String(300))
    level_labels: Mapped[list[str]] = mapped_column(JSON)  # five labels, for 0 to 4

    axis: Mapped[Axis] = relationship(back_populates="questions")
