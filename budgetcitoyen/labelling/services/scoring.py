"""A member's score sheet: saved as a draft, then submitted (complete, and frozen from then on).
Flush, never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from budgetcitoyen.accounts.models import User
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.editions.services import require_phase
from budgetcitoyen.errors import Conflict, DomainError, NotAllowed
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.labelling import rules
from budgetcitoyen.labelling.models import Evaluation, Score
from budgetcitoyen.labelling.permissions import REVIEWABLE
from budgetcitoyen.labelling.services.committee import add_once, committee_record, evaluation_of
from budgetcitoyen.labelling.services.questionnaire import questionnaire, rule_axes


def _check_scorer(session: Session, member: User, initiative: Initiative) -> None:
    """Each reason a member may not score this dossier, in French (permissions.can_score, explained)."""
    record = committee_record(session, member)
    if initiative.id in record.interests:
        raise NotAllowed("Vous avez déclaré un intérêt pour ce dossier : vous ne pouvez pas l'évaluer.")
    if initiative.holder_id == member.id or initiative.edition_id not in record.seats:
        raise NotAllowed("Vous ne pouvez pas évaluer ce dossier.")
    if initiative.id not in record.assignments:
        raise NotAllowed("Ce dossier ne vous a pas été confié.")
    if initiative.status not in REVIEWABLE:
        raise Conflict("Ce dossier n'est plus en instruction.")


def _sheet_of(session: Session, member: User, initiative: Initiative, now: datetime) -> Evaluation:
    """The member's sheet, started now if need be (a double click: the unique constraint keeps one)."""
    evaluation = evaluation_of(session, initiative.id, member.id)
    if evaluation is None:
        evaluation = Evaluation(initiative_id=initiative.id, member_id=member.id, updated_at=now)
        add_once(session, evaluation, "Votre évaluation vient d'être enregistrée : rechargez la page.")
    elif evaluation.submitted_at is not None:
        raise Conflict("Votre évaluation est déjà soumise : elle ne peut plus être modifiée.")
    return evaluation


def save_evaluation(session: Session, member: User, initiative: Initiative, sheet: dict[int, int],
                    comment: str, *, submit: bool, now: datetime) -> Evaluation:
    """Save a draft sheet or submit it (complete, then frozen)."""
    _check_scorer(session, member, initiative)
    require_phase(initiative.edition, Phase.LABELLING, now)
    try:
        rules.check_sheet(rule_axes(questionnaire(session, initiative.edition)), sheet, complete=submit)
    except rules.ScoreError as exc:
        raise DomainError(str(exc)) from exc
    evaluation = _sheet_of(session, member, initiative, now)
    evaluation.scores.clear()
    session.flush()
    evaluation.scores = [Score(question_id=q, value=v) for q, v in sorted(sheet.items())]
    evaluation.comment = comment.strip()[:5000]
    evaluation.updated_at = now
    if submit:
        evaluation.submitted_at = now
    session.flush()
    return evaluation
