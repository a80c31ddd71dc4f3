"""The committee's review of a dossier (aggregate of the submitted sheets, suggestion) and the decision
the ESS service records, which the holder is told of. Flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, selectinload

from budgetcitoyen.accounts.models import CommitteeMembership, User
from budgetcitoyen.audit import services as audit
from budgetcitoyen.editions.models import Axis, Category
from budgetcitoyen.errors import Conflict, DomainError
from budgetcitoyen.initiatives import services as initiative_services
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import Status, amount_problem
from budgetcitoyen.labelling import notifications, rules
from budgetcitoyen.labelling.models import Decision, Evaluation, Interest
from budgetcitoyen.labelling.services.committee import add_once
from budgetcitoyen.labelling.services.questionnaire import questionnaire, rule_axes

ALREADY_DECIDED = "Une décision est déjà enregistrée pour ce dossier."


@dataclass(frozen=True)
class DossierReview:
    """Everything the committee's view of a dossier needs."""

    axes: list[Axis]
    result: rules.Aggregate
    suggestion: rules.Suggestion
    sheets: dict[int, dict[int, int]]
    members: dict[int, User]
    recused: list[User]


def review(session: Session, initiative: Initiative) -> DossierReview:
    """The aggregate of submitted sheets, members with an interest left out."""
    edition = initiative.edition
    axes = questionnaire(session, edition)
    recused_ids = set(session.scalars(select(Interest.member_id)
                                      .where(Interest.initiative_id == initiative.id)))
    # Only sheets of members still on the committee count (a removed member's sheet is set aside).
    evaluations = [e for e in session.scalars(
        select(Evaluation).join(CommitteeMembership, and_(CommitteeMembership.user_id == Evaluation.member_id,
                                                          CommitteeMembership.edition_id == edition.id))
        .where(Evaluation.initiative_id == initiative.id, Evaluation.submitted_at.is_not(None))
        .options(selectinload(Evaluation.scores), selectinload(Evaluation.member)))
        if e.member_id not in recused_ids]
    sheets = {e.member_id: {s.question_id: s.value for s in e.scores} for e in evaluations}
    members = {e.member_id: e.member for e in evaluations}
    result = rules.aggregate(rule_axes(axes), sheets, rules.Aggregation(edition.score_aggregation))
    suggestion = rules.suggest(result, Fraction(edition.label_threshold),
                               forbid_zero_axis=edition.forbid_zero_axis)
    recused = list(session.scalars(select(User).where(User.id.in_(recused_ids)).order_by(User.email))) \
        if recused_ids else []
    return DossierReview(axes, result, suggestion, sheets, members, recused)


@dataclass(frozen=True)
class DecisionRecorded:
    """The decision, and what the holder is sent: nothing when their account is gone, else a mail with
    the radar attached when there were scores."""

    decision: Decision
    holder_told: bool
    radar_attached: bool


def _check_decision(initiative: Initiative, labelled: bool, category: Category | None,
                    motivation: str) -> None:
    if initiative.status != Status.IN_REVIEW.value:
        raise Conflict("Seul un dossier en instruction peut recevoir une décision.")
    if not motivation.strip():
        raise DomainError("Indiquez la motivation de la décision.", field="motivation")
    if labelled and (category is None or category.edition_id != initiative.edition_id):
        raise DomainError("Choisissez la catégorie dans laquelle l'initiative est labellisée.",
                          field="category_id")
    if labelled and category is not None and initiative.amount_asked is not None:
        problem = amount_problem(initiative.amount_asked, category.ceiling, category.name)
        if problem:
            raise DomainError(f"{problem} Choisissez une catégorie dont le plafond couvre le montant "
                              "demandé.", field="category_id")


NO_SHEET = ("Aucune évaluation du comité n'est soumise pour ce dossier : cochez la case pour confirmer une "
            "décision sans notes (le porteur en sera informé).")


def decide(session: Session, actor: User, initiative: Initiative, labelled: bool, category: Category | None,
           motivation: str, now: datetime, *, without_evaluations: bool = False) -> DecisionRecorded:
    """Record the committee's outcome, move the dossier to labellisé / non labellisé (audited) and tell
    the holder, with the motivation, the aggregate per axis and the radar. A decision with no submitted
    sheet needs `without_evaluations` (an explicit confirmation), and the holder's mail says so."""
    # Locked: a withdrawal or another admin's decision at the same moment waits, then sees the new status.
    session.flush()
    session.refresh(initiative, with_for_update=True)
    _check_decision(initiative, labelled, category, motivation)
    if session.scalar(select(Decision.id).where(Decision.initiative_id == initiative.id)) is not None:
        raise Conflict(ALREADY_DECIDED)
    if not without_evaluations and not review(session, initiative).sheets:
        raise DomainError(NO_SHEET, field="without_evaluations")
    requested_category_id = initiative.category_id
    decision = Decision(initiative_id=initiative.id, labelled=labelled,
                        category_id=category.id if labelled and category else None,
                        motivation=motivation.strip(), decided_at=now, decided_by_id=actor.id)
    add_once(session, decision, ALREADY_DECIDED)
    if labelled and category is not None:
        initiative.category_id = category.id
    initiative_services.change_status(session, actor, initiative,
                                      Status.LABELLED if labelled else Status.NOT_LABELLED, motivation, now,
                                      as_staff=True)
    audit.record(session, actor=actor, action="labelling.decision", object_type="initiative",
                 object_id=initiative.id, now=now,
                 summary=f"Décision du comité : {'labellisé' if labelled else 'non labellisé'}",
                 # The category asked by the holder is kept here once the labelled one replaces it.
                 before={"category_id": requested_category_id},
                 after={"labelled": labelled, "category_id": decision.category_id,
                        "without_evaluations": not review(session, initiative).sheets})
    session.flush()
    mail = notifications.decision_made(session, initiative, decision, review(session, initiative))
    return DecisionRecorded(decision, mail is not None, bool(mail and mail.attachments))
