"""Labelling use cases: questionnaire, assignment, interests, scoring, aggregation, decision. Flush, never commit."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import and_, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from budgetcitoyen.accounts.models import CommitteeMembership, User
from budgetcitoyen.audit import services as audit
from budgetcitoyen.editions.models import Category, Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.editions.services import require_phase
from budgetcitoyen.errors import Conflict, DomainError, NotAllowed
from budgetcitoyen.initiatives import services as initiative_services
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.initiatives.rules import amount_problem as rules_amount_problem
from budgetcitoyen.labelling import assignment, rules
from budgetcitoyen.labelling.defaults import DEFAULT_QUESTIONNAIRE, LEVELS
from budgetcitoyen.labelling.models import Assignment, Axis, Decision, Evaluation, Interest, Question, Score
from budgetcitoyen.labelling.radar import RadarData

# Dossiers the committee works on.
REVIEWABLE = (Status.FILED.value, Status.IN_REVIEW.value)


# --- Questionnaire ---------------------------------------------------------------------------


def questionnaire(session: Session, edition: Edition) -> list[Axis]:
    """The edition's axes with their questions, the default markers being created on first use."""
    axes = list(session.scalars(select(Axis).where(Axis.edition_id == edition.id).order_by(Axis.position)
                                .options(selectinload(Axis.questions))))
    if axes:
        return axes
    for position, (name, questions) in enumerate(DEFAULT_QUESTIONNAIRE):
        axis = Axis(edition_id=edition.id, position=position, name=name, weight=Decimal("1"))
        axis.questions = [Question(position=i, text=text, level_labels=list(LEVELS)) for i, text in enumerate(questions)]
        session.add(axis)
        axes.append(axis)
    session.flush()
    return axes


def is_frozen(session: Session, edition: Edition, now: datetime) -> bool:
    """Frozen once labelling has opened or any score exists: scores never change meaning under a member."""
    window = edition.window(Phase.LABELLING)
    if window is not None and now >= window.starts_at:
        return True
    return session.scalar(select(func.count()).select_from(Evaluation).join(Initiative)
                          .where(Initiative.edition_id == edition.id)) > 0


@dataclass(frozen=True)
class AxisEdit:
    """An admin's edit of one axis."""

    axis_id: int
    name: str
    weight: Decimal
    questions: dict[int, str]  # question id -> text


def update_questionnaire(session: Session, actor: User, edition: Edition, edits: list[AxisEdit],
                         now: datetime) -> None:
    """Rename axes, re-weight them and reword questions, while the questionnaire is not frozen (audited)."""
    if is_frozen(session, edition, now):
        raise Conflict("Le questionnaire est figé : la labellisation a commencé ou des notes existent déjà.")
    axes = {a.id: a for a in questionnaire(session, edition)}
    for edit in edits:
        axis = axes.get(edit.axis_id)
        if axis is None:
            raise DomainError("Axe inconnu pour cette édition.")
        if not edit.name.strip():
            raise DomainError("Chaque axe doit avoir un nom.")
        if not Decimal("0.1") <= edit.weight <= Decimal("10"):
            raise DomainError("Le poids d'un axe doit être compris entre 0,1 et 10.")
        questions = {q.id: q for q in axis.questions}
        before = {"name": axis.name, "weight": axis.weight, **{f"q{q.id}": q.text for q in axis.questions}}
        axis.name, axis.weight = edit.name.strip(), edit.weight
        for question_id, text in edit.questions.items():
            if question_id not in questions or not text.strip():
                raise DomainError("Chaque question doit avoir un texte.")
            questions[question_id].text = text.strip()
        after = {"name": axis.name, "weight": axis.weight, **{f"q{q.id}": q.text for q in axis.questions}}
        changed_before, changed_after = audit.changed_fields(before, after)
        if changed_after:
            audit.record(session, actor=actor, action="questionnaire.update", object_type="labelling_axis",
                         object_id=axis.id, now=now, summary=f"Questionnaire {edition.year}",
                         before=changed_before, after=changed_after)
    session.flush()


def rule_axes(axes: list[Axis]) -> list[rules.Axis]:
    """The questionnaire as values for the pure rules."""
    return [rules.Axis(a.id, a.name, Fraction(a.weight), tuple(q.id for q in a.questions)) for a in axes]


# --- Committee, assignment and interests ------------------------------------------------------


def is_member(session: Session, edition_id: int, user: User) -> bool:
    """Whether the person sits on this edition's committee."""
    return session.scalar(select(CommitteeMembership.id).where(
        CommitteeMembership.edition_id == edition_id, CommitteeMembership.user_id == user.id)) is not None


def members_of(session: Session, edition: Edition) -> list[User]:
    """The committee of an edition."""
    return list(session.scalars(select(User).join(CommitteeMembership).where(
        CommitteeMembership.edition_id == edition.id, User.deleted_at.is_(None)).order_by(User.email)))


def reviewable_dossiers(session: Session, edition: Edition) -> list[Initiative]:
    """Filed dossiers and dossiers under review."""
    return list(session.scalars(select(Initiative).where(Initiative.edition_id == edition.id,
                                                         Initiative.status.in_(REVIEWABLE)).order_by(Initiative.id)))


def has_interest(session: Session, initiative_id: int, member_id: int) -> bool:
    """Whether the member declared (or was recorded with) an interest in the dossier."""
    return session.scalar(select(Interest.id).where(Interest.initiative_id == initiative_id,
                                                    Interest.member_id == member_id)) is not None


def auto_assign(session: Session, actor: User, edition: Edition, now: datetime) -> int:
    """Give each reviewable dossier k members, loads balanced, never to an interested member (audited)."""
    dossiers = reviewable_dossiers(session, edition)
    members = members_of(session, edition)
    if not members:
        raise DomainError("Le comité de cette édition n'a encore aucun membre.")
    ids = [d.id for d in dossiers]
    conflicts = {(row[0], row[1]) for row in session.execute(
        select(Interest.initiative_id, Interest.member_id).where(Interest.initiative_id.in_(ids)))} if ids else set()
    # A member never scores a dossier they hold themselves.
    conflicts |= {(d.id, d.holder_id) for d in dossiers}
    existing: dict[int, set[int]] = defaultdict(set)
    for initiative_id, member_id in session.execute(select(Assignment.initiative_id, Assignment.member_id)
                                                    .where(Assignment.initiative_id.in_(ids))):
        existing[initiative_id].add(member_id)
    result = assignment.assign(ids, [m.id for m in members], conflicts, edition.reviewers_per_dossier, existing)
    created = 0
    for initiative_id, chosen in result.items():
        for member_id in chosen - existing[initiative_id]:
            session.add(Assignment(initiative_id=initiative_id, member_id=member_id, assigned_at=now))
            created += 1
    session.flush()
    audit.record(session, actor=actor, action="labelling.auto_assign", object_type="edition", object_id=edition.id,
                 now=now, summary=f"Répartition automatique des dossiers ({edition.year})",
                 after={"assignments_created": created, "dossiers": len(ids), "members": len(members)})
    return created


def assign_by_hand(session: Session, actor: User, initiative: Initiative, member: User, now: datetime) -> Assignment:
    """The admin adds a member to a dossier (audited)."""
    if not is_member(session, initiative.edition_id, member):
        raise DomainError("Cette personne ne siège pas au comité de cette édition.")
    if has_interest(session, initiative.id, member.id):
        raise Conflict("Ce membre a déclaré un intérêt pour ce dossier : il ne peut pas l'évaluer.")
    if initiative.holder_id == member.id:
        raise Conflict("Ce membre porte ce dossier : il ne peut pas l'évaluer.")
    row = Assignment(initiative_id=initiative.id, member_id=member.id, assigned_at=now, by_hand=True)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        raise Conflict("Ce membre évalue déjà ce dossier.") from exc
    audit.record(session, actor=actor, action="labelling.assign", object_type="initiative", object_id=initiative.id,
                 now=now, summary="Dossier confié à un membre du comité", after={"member_id": member.id})
    return row


def unassign(session: Session, actor: User, row: Assignment, now: datetime) -> None:
    """The admin takes a dossier back from a member who has not submitted (audited)."""
    evaluation = evaluation_of(session, row.initiative_id, row.member_id)
    if evaluation is not None and evaluation.submitted_at is not None:
        raise Conflict("Ce membre a déjà soumis son évaluation : elle ne peut plus lui être retirée.")
    audit.record(session, actor=actor, action="labelling.unassign", object_type="initiative",
                 object_id=row.initiative_id, now=now, summary="Dossier retiré à un membre du comité",
                 before={"member_id": row.member_id})
    session.delete(row)
    session.flush()


def declare_interest(session: Session, declared_by: User, initiative: Initiative, member: User, note: str,
                     now: datetime) -> Interest:
    """Record an interest: the member leaves the dossier (assignment removed, sheet left out of the aggregate)."""
    if not is_member(session, initiative.edition_id, member):
        raise NotAllowed("Seul un membre du comité peut déclarer un intérêt.")
    if has_interest(session, initiative.id, member.id):
        raise Conflict("Cet intérêt est déjà enregistré.")
    if initiative.status not in REVIEWABLE:
        # After the decision, a declaration would silently rewrite a published result.
        raise Conflict("Ce dossier n'est plus en instruction : adressez-vous à la mission ESS.")
    sheet = evaluation_of(session, initiative.id, member.id)
    if declared_by.id == member.id and sheet is not None and sheet.submitted_at is not None:
        # Having seen the others' scores, a member cannot withdraw their own: the Mission ESS decides.
        raise Conflict("Vous avez déjà soumis votre évaluation : signalez ce lien à la mission ESS, "
                       "qui l'enregistrera.")
    interest = Interest(initiative_id=initiative.id, member_id=member.id, declared_at=now,
                        declared_by_id=declared_by.id, note=note.strip()[:500])
    session.add(interest)
    session.execute(delete(Assignment).where(Assignment.initiative_id == initiative.id,
                                             Assignment.member_id == member.id))
    session.flush()
    audit.record(session, actor=declared_by, action="labelling.interest", object_type="initiative",
                 object_id=initiative.id, now=now, summary="Intérêt déclaré par un membre du comité",
                 after={"member_id": member.id})
    return interest


# --- Scoring ---------------------------------------------------------------------------------


def evaluation_of(session: Session, initiative_id: int, member_id: int) -> Evaluation | None:
    """A member's sheet for a dossier, if started."""
    return session.scalar(select(Evaluation).where(Evaluation.initiative_id == initiative_id,
                                                   Evaluation.member_id == member_id)
                          .options(selectinload(Evaluation.scores)))


def is_assigned(session: Session, initiative_id: int, member_id: int) -> bool:
    """Whether the dossier was given to this member."""
    return session.scalar(select(Assignment.id).where(Assignment.initiative_id == initiative_id,
                                                      Assignment.member_id == member_id)) is not None


def can_score(session: Session, initiative: Initiative, member: User) -> bool:
    """On the committee, assigned, not the holder, no declared interest, and the dossier still under review."""
    return (initiative.holder_id != member.id and is_member(session, initiative.edition_id, member)
            and is_assigned(session, initiative.id, member.id) and not has_interest(session, initiative.id, member.id)
            and initiative.status in REVIEWABLE)


def save_evaluation(session: Session, member: User, initiative: Initiative, sheet: dict[int, int], comment: str,
                    *, submit: bool, now: datetime) -> Evaluation:
    """Save a draft sheet or submit it (complete, then frozen)."""
    if has_interest(session, initiative.id, member.id):
        raise NotAllowed("Vous avez déclaré un intérêt pour ce dossier : vous ne pouvez pas l'évaluer.")
    if initiative.holder_id == member.id or not is_member(session, initiative.edition_id, member):
        raise NotAllowed("Vous ne pouvez pas évaluer ce dossier.")
    if not is_assigned(session, initiative.id, member.id):
        raise NotAllowed("Ce dossier ne vous a pas été confié.")
    if initiative.status not in REVIEWABLE:
        raise Conflict("Ce dossier n'est plus en instruction.")
    require_phase(initiative.edition, Phase.LABELLING, now)
    axes = rule_axes(questionnaire(session, initiative.edition))
    try:
        rules.check_sheet(axes, sheet, complete=submit)
    except rules.ScoreError as exc:
        raise DomainError(str(exc)) from exc
    evaluation = evaluation_of(session, initiative.id, member.id)
    if evaluation is None:
        evaluation = Evaluation(initiative_id=initiative.id, member_id=member.id, updated_at=now)
        try:
            with session.begin_nested():  # a double click: the unique constraint keeps one sheet
                session.add(evaluation)
                session.flush()
        except IntegrityError as exc:
            raise Conflict("Votre évaluation vient d'être enregistrée : rechargez la page.") from exc
    elif evaluation.submitted_at is not None:
        raise Conflict("Votre évaluation est déjà soumise : elle ne peut plus être modifiée.")
    evaluation.scores.clear()
    session.flush()
    evaluation.scores = [Score(question_id=q, value=v) for q, v in sorted(sheet.items())]
    evaluation.comment = comment.strip()[:5000]
    evaluation.updated_at = now
    if submit:
        evaluation.submitted_at = now
    session.flush()
    return evaluation


# --- Aggregation, radar and decision ----------------------------------------------------------


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
    recused_ids = set(session.scalars(select(Interest.member_id).where(Interest.initiative_id == initiative.id)))
    # Only sheets of members still on the committee count (a removed member's sheet is set aside).
    evaluations = session.scalars(select(Evaluation).join(CommitteeMembership, and_(
        CommitteeMembership.user_id == Evaluation.member_id, CommitteeMembership.edition_id == edition.id))
                                  .where(Evaluation.initiative_id == initiative.id,
                                         Evaluation.submitted_at.is_not(None))
                                  .options(selectinload(Evaluation.scores), selectinload(Evaluation.member))).all()
    sheets = {e.member_id: {s.question_id: s.value for s in e.scores} for e in evaluations
              if e.member_id not in recused_ids}
    members = {e.member_id: e.member for e in evaluations if e.member_id not in recused_ids}
    result = rules.aggregate(rule_axes(axes), sheets, rules.Aggregation(edition.score_aggregation))
    suggestion = rules.suggest(result, Fraction(edition.label_threshold), forbid_zero_axis=edition.forbid_zero_axis)
    recused = list(session.scalars(select(User).where(User.id.in_(recused_ids)).order_by(User.email))) \
        if recused_ids else []
    return DossierReview(axes, result, suggestion, sheets, members, recused)


def radar_data(item: DossierReview, title: str, *, with_members: bool) -> RadarData:
    """The radar of a review: the aggregate, and each member's polygon in the committee's view only."""
    names = tuple(r.axis.name for r in item.result.axes)
    values = tuple(round(float(r.value), 2) for r in item.result.axes)
    members: tuple[tuple[str, tuple[float, ...]], ...] = ()
    if with_members:
        members = tuple((f"Membre {index + 1}", tuple(round(float(r.member_values[m]), 2) for r in item.result.axes))
                        for index, m in enumerate(item.result.members))
    return RadarData(names, values, members, title)


def decide(session: Session, actor: User, initiative: Initiative, labelled: bool, category: Category | None,
           motivation: str, now: datetime) -> Decision:
    """Record the committee's outcome and move the dossier to labellisé / non labellisé (audited)."""
    # Locked: a withdrawal or another admin's decision at the same moment waits, then sees the new status.
    session.flush()
    session.refresh(initiative, with_for_update=True)
    if initiative.status != Status.IN_REVIEW.value:
        raise Conflict("Seul un dossier en instruction peut recevoir une décision.")
    if not motivation.strip():
        raise DomainError("Indiquez la motivation de la décision.", field="motivation")
    if labelled and (category is None or category.edition_id != initiative.edition_id):
        raise DomainError("Choisissez la catégorie dans laquelle l'initiative est labellisée.", field="category_id")
    if labelled and category is not None and initiative.amount_asked is not None:
        problem = rules_amount_problem(initiative.amount_asked, category.ceiling, category.name)
        if problem:
            raise DomainError(problem + " Choisissez une catégorie dont le plafond couvre le montant demandé.",
                              field="category_id")
    existing = session.scalar(select(Decision).where(Decision.initiative_id == initiative.id))
    if existing is not None:
        raise Conflict("Une décision est déjà enregistrée pour ce dossier.")
    requested_category_id = initiative.category_id
    decision = Decision(initiative_id=initiative.id, labelled=labelled,
                        category_id=category.id if labelled and category else None,
                        motivation=motivation.strip(), decided_at=now, decided_by_id=actor.id)
    try:
        with session.begin_nested():
            session.add(decision)
            session.flush()
    except IntegrityError as exc:
        raise Conflict("Une décision est déjà enregistrée pour ce dossier.") from exc
    if labelled and category is not None:
        initiative.category_id = category.id
    initiative_services.change_status(session, actor, initiative, Status.LABELLED if labelled else Status.NOT_LABELLED,
                                      motivation, now, as_staff=True)
    audit.record(session, actor=actor, action="labelling.decision", object_type="initiative", object_id=initiative.id,
                 now=now, summary=f"Décision du comité : {'labellisé' if labelled else 'non labellisé'}",
                 # The category asked by the holder is kept here once the labelled one replaces it.
                 before={"category_id": requested_category_id},
                 after={"labelled": labelled, "category_id": decision.category_id})
    session.flush()
    return decision


MIN_AXES, MAX_QUESTIONS_PER_AXIS = 3, 4


def _require_editable_questionnaire(session: Session, edition: Edition, now: datetime) -> None:
    if is_frozen(session, edition, now):
        raise Conflict("Le questionnaire est figé : la labellisation a commencé ou des notes existent déjà.")


def add_axis(session: Session, actor: User, edition: Edition, name: str, question: str, now: datetime) -> Axis:
    """Add an axis with its first question (audited)."""
    _require_editable_questionnaire(session, edition, now)
    if not name.strip() or not question.strip():
        raise DomainError("Indiquez le nom de l'axe et sa première question.")
    axes = questionnaire(session, edition)
    axis = Axis(edition_id=edition.id, position=max((a.position for a in axes), default=-1) + 1,
                name=name.strip()[:120], weight=Decimal("1"))
    axis.questions = [Question(position=0, text=question.strip()[:300], level_labels=list(LEVELS))]
    session.add(axis)
    session.flush()
    audit.record(session, actor=actor, action="questionnaire.add_axis", object_type="labelling_axis",
                 object_id=axis.id, now=now, summary=f"Questionnaire {edition.year}", after={"name": axis.name})
    return axis


def remove_axis(session: Session, actor: User, axis: Axis, now: datetime) -> None:
    """Remove an axis; a radar needs at least three (audited)."""
    edition = axis.edition
    _require_editable_questionnaire(session, edition, now)
    if len(questionnaire(session, edition)) <= MIN_AXES:
        raise DomainError(f"Le questionnaire doit garder au moins {MIN_AXES} axes.")
    audit.record(session, actor=actor, action="questionnaire.remove_axis", object_type="labelling_axis",
                 object_id=axis.id, now=now, summary=f"Questionnaire {edition.year}", before={"name": axis.name})
    session.delete(axis)
    session.flush()


def add_question(session: Session, actor: User, axis: Axis, text: str, now: datetime) -> Question:
    """Add a question to an axis (four at most, audited)."""
    _require_editable_questionnaire(session, axis.edition, now)
    if not text.strip():
        raise DomainError("Indiquez le texte de la question.")
    if len(axis.questions) >= MAX_QUESTIONS_PER_AXIS:
        raise DomainError(f"Un axe compte au plus {MAX_QUESTIONS_PER_AXIS} questions.")
    question = Question(position=max((q.position for q in axis.questions), default=-1) + 1, text=text.strip()[:300],
                        level_labels=list(LEVELS))
    axis.questions.append(question)
    session.flush()
    audit.record(session, actor=actor, action="questionnaire.add_question", object_type="labelling_question",
                 object_id=question.id, now=now, summary=f"Axe « {axis.name} »", after={"text": question.text})
    return question


def remove_question(session: Session, actor: User, question: Question, now: datetime) -> None:
    """Remove a question; an axis keeps at least one (audited)."""
    axis = question.axis
    _require_editable_questionnaire(session, axis.edition, now)
    if len(axis.questions) <= 1:
        raise DomainError("Un axe garde au moins une question : supprimez l'axe s'il n'a plus lieu d'être.")
    audit.record(session, actor=actor, action="questionnaire.remove_question", object_type="labelling_question",
                 object_id=question.id, now=now, summary=f"Axe « {axis.name} »", before={"text": question.text})
    axis.questions.remove(question)
    session.flush()
