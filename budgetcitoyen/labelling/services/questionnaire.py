"""Use cases on an edition's questionnaire: read it, freeze it, reword, re-weight, add and remove axes and
questions while it is not frozen (audited). The questionnaire itself is created with its edition
(budgetcitoyen.editions.questionnaire). Flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from budgetcitoyen.accounts.models import User
from budgetcitoyen.audit import services as audit
from budgetcitoyen.editions.models import Axis, Edition, Question
from budgetcitoyen.editions.questionnaire import new_question
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.errors import Conflict, DomainError
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.labelling import rules
from budgetcitoyen.labelling.models import Evaluation

FROZEN = "Le questionnaire est figé : la labellisation a commencé ou des notes existent déjà."


def questionnaire(session: Session, edition: Edition) -> list[Axis]:
    """The edition's axes with their questions, in order."""
    return list(session.scalars(select(Axis).where(Axis.edition_id == edition.id).order_by(Axis.position)
                                .options(selectinload(Axis.questions))))


def rule_axes(axes: list[Axis]) -> list[rules.Axis]:
    """The questionnaire as values for the pure rules."""
    return [rules.Axis(a.id, a.name, Fraction(a.weight), tuple(q.id for q in a.questions)) for a in axes]


def is_frozen(session: Session, edition: Edition, now: datetime) -> bool:
    """Frozen once labelling has opened or any score exists: scores never change meaning under a member."""
    window = edition.window(Phase.LABELLING)
    if window is not None and now >= window.starts_at:
        return True
    return session.scalar(select(func.count()).select_from(Evaluation).join(Initiative)
                          .where(Initiative.edition_id == edition.id)) > 0


def _require_editable(session: Session, edition: Edition, now: datetime) -> None:
    if is_frozen(session, edition, now):
        raise Conflict(FROZEN)


def _record(session: Session, actor: User, action: str, row: Axis | Question, now: datetime, summary: str,
            **change: Any) -> None:
    """Journal one change of the questionnaire (`before=` or `after=`)."""
    kind = "labelling_axis" if isinstance(row, Axis) else "labelling_question"
    audit.record(session, actor=actor, action=f"questionnaire.{action}", object_type=kind, object_id=row.id,
                 now=now, summary=summary, **change)


@dataclass(frozen=True)
class AxisEdit:
    """An admin's edit of one axis."""

    axis_id: int
    name: str
    weight: Decimal
    questions: dict[int, str]  # question id -> text


def _snapshot(axis: Axis) -> dict[str, Any]:
    return {"name": axis.name, "weight": axis.weight, **{f"q{q.id}": q.text for q in axis.questions}}


def _apply(axis: Axis, edit: AxisEdit) -> None:
    if not edit.name.strip():
        raise DomainError("Chaque axe doit avoir un nom.")
    if not Decimal("0.1") <= edit.weight <= Decimal("10"):
        raise DomainError("Le poids d'un axe doit être compris entre 0,1 et 10.")
    questions = {q.id: q for q in axis.questions}
    axis.name, axis.weight = edit.name.strip(), edit.weight
    for question_id, text in edit.questions.items():
        if question_id not in questions or not text.strip():
            raise DomainError("Chaque question doit avoir un texte.")
        questions[question_id].text = text.strip()


def update_questionnaire(session: Session, actor: User, edition: Edition, edits: list[AxisEdit],
                         now: datetime) -> None:
    """Rename axes, re-weight them and reword questions, while the questionnaire is not frozen (audited)."""
    _require_editable(session, edition, now)
    axes = {a.id: a for a in questionnaire(session, edition)}
    for edit in edits:
        axis = axes.get(edit.axis_id)
        if axis is None:
            raise DomainError("Axe inconnu pour cette édition.")
        before = _snapshot(axis)
        _apply(axis, edit)
        changed_before, changed_after = audit.changed_fields(before, _snapshot(axis))
        if changed_after:
            _record(session, actor, "update", axis, now, f"Questionnaire {edition.year}",
                    before=changed_before, after=changed_after)
    session.flush()


def add_axis(session: Session, actor: User, edition: Edition, name: str, question: str,
             now: datetime) -> Axis:
    """Add an axis with its first question (audited)."""
    _require_editable(session, edition, now)
    if not name.strip() or not question.strip():
        raise DomainError("Indiquez le nom de l'axe et sa première question.")
    axes = questionnaire(session, edition)
    axis = Axis(edition_id=edition.id, position=max((a.position for a in axes), default=-1) + 1,
                name=name.strip()[:120], weight=Decimal("1"))
    axis.questions = [new_question(0, question.strip()[:300])]
    session.add(axis)
    session.flush()
    _record(session, actor, "add_axis", axis, now, f"Questionnaire {edition.year}", after={"name": axis.name})
    return axis


def remove_axis(session: Session, actor: User, axis: Axis, now: datetime) -> None:
    """Remove an axis; a radar needs at least three (audited)."""
    edition = axis.edition
    _require_editable(session, edition, now)
    if len(questionnaire(session, edition)) <= rules.MIN_AXES:
        raise DomainError(f"Le questionnaire doit garder au moins {rules.MIN_AXES} axes.")
    _record(session, actor, "remove_axis", axis, now, f"Questionnaire {edition.year}",
            before={"name": axis.name})
    session.delete(axis)
    session.flush()


def add_question(session: Session, actor: User, axis: Axis, text: str, now: datetime) -> Question:
    """Add a question to an axis (four at most, audited)."""
    _require_editable(session, axis.edition, now)
    if not text.strip():
        raise DomainError("Indiquez le texte de la question.")
    if len(axis.questions) >= rules.MAX_QUESTIONS_PER_AXIS:
        raise DomainError(f"Un axe compte au plus {rules.MAX_QUESTIONS_PER_AXIS} questions.")
    question = new_question(max((q.position for q in axis.questions), default=-1) + 1, text.strip()[:300])
    axis.questions.append(question)
    session.flush()
    _record(session, actor, "add_question", question, now, f"Axe « {axis.name} »",
            after={"text": question.text})
    return question


def remove_question(session: Session, actor: User, question: Question, now: datetime) -> None:
    """Remove a question; an axis keeps at least one (audited)."""
    axis = question.axis
    _require_editable(session, axis.edition, now)
    if len(axis.questions) <= 1:
        raise DomainError("Un axe garde au moins une question : supprimez l'axe s'il n'a plus lieu d'être.")
    _record(session, actor, "remove_question", question, now, f"Axe « {axis.name} »",
            before={"text": question.text})
    axis.questions.remove(question)
    session.flush()
