"""What the labelling back office shows: progress per dossier and per member, the review of a dossier
(members' sheets, recusals, decision), the questionnaire's state, the scores export, and the messages
that report what was done. Read only: nothing here changes a row."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, selectinload

from budgetcitoyen.accounts.models import COLLEGE_LABELS, College, CommitteeMembership, User
from budgetcitoyen.clock import to_local
from budgetcitoyen.editions.models import Axis, Edition, Question
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import STATUS_LABELS
from budgetcitoyen.labelling import permissions, services
from budgetcitoyen.labelling.models import Assignment, Decision, Evaluation, Interest, Score
from budgetcitoyen.labelling.rules import fmt

RECUSAL_FORMULA = "a déclaré un intérêt et n'a pris part ni au débat ni au vote"


def college_label(college: str | None) -> str:
    """A college in French ("" when unknown)."""
    if not college:
        return ""
    try:
        return COLLEGE_LABELS[College(college)]
    except ValueError:
        return college


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count > 1 else ''}"


# --- Progress ---------------------------------------------------------------------------------


@dataclass
class DossierProgress:
    """Where one reviewable dossier stands."""

    initiative: Initiative
    # (row, "submitted" | "draft" | "todo")
    assignments: list[tuple[Assignment, str]] = field(default_factory=list)
    recused: list[User] = field(default_factory=list)

    @property
    def submitted(self) -> int:
        return sum(1 for _, state in self.assignments if state == "submitted")


@dataclass
class MemberProgress:
    """Where one member stands."""

    member: User
    college: str
    assigned: int = 0
    submitted: int = 0

    @property
    def late(self) -> int:
        return self.assigned - self.submitted


def _sheet_states(session: Session, initiative_ids: list[int]) -> dict[tuple[int, int], str]:
    """(dossier, member) -> "submitted" or "draft" for the sheets started on these dossiers."""
    rows = session.execute(select(Evaluation.initiative_id, Evaluation.member_id, Evaluation.submitted_at)
                           .where(Evaluation.initiative_id.in_(initiative_ids)))
    return {(i, m): "submitted" if at is not None else "draft" for i, m, at in rows}


def _progress(session: Session, edition: Edition) -> tuple[list[DossierProgress], list[MemberProgress]]:
    dossiers = services.reviewable_dossiers(session, edition)
    ids = [d.id for d in dossiers]
    by_dossier = {d.id: DossierProgress(d) for d in dossiers}
    colleges = services.colleges_of(session, edition)
    by_member = {m.id: MemberProgress(m, college_label(colleges.get(m.id)))
                 for m in services.members_of(session, edition)}
    states = _sheet_states(session, ids)
    for row in session.scalars(select(Assignment).where(Assignment.initiative_id.in_(ids))
                               .options(selectinload(Assignment.member)).order_by(Assignment.id)):
        state = states.get((row.initiative_id, row.member_id), "todo")
        by_dossier[row.initiative_id].assignments.append((row, state))
        progress = by_member.get(row.member_id)
        if progress is not None:
            progress.assigned += 1
            progress.submitted += state == "submitted"
    for interest in session.scalars(select(Interest).where(Interest.initiative_id.in_(ids))
                                    .options(selectinload(Interest.member)).order_by(Interest.id)):
        by_dossier[interest.initiative_id].recused.append(interest.member)
    for progress_row in by_dossier.values():
        progress_row.assignments.sort(key=lambda pair: pair[0].member.email)
    return list(by_dossier.values()), list(by_member.values())


def progress_page(session: Session, edition: Edition) -> dict[str, Any]:
    """The progress page: per dossier, per member, the decisions already taken, the labelling window."""
    dossiers, members = _progress(session, edition)
    decided = session.execute(select(Initiative, Decision)
                              .join(Decision, Decision.initiative_id == Initiative.id)
                              .where(Initiative.edition_id == edition.id).order_by(Initiative.id)).all()
    return {"edition": edition, "dossiers": dossiers, "members": members, "decided": decided,
            "window": edition.window(Phase.LABELLING), "labels": STATUS_LABELS}


Choices = list[tuple[int, str]]


def assignment_choices(session: Session, edition: Edition) -> tuple[Choices, Choices]:
    """The reviewable dossiers and the committee's members, as (id, label) for the progress page's forms."""
    colleges = services.colleges_of(session, edition)
    return ([(d.id, f"n° {d.id} — {d.title}") for d in services.reviewable_dossiers(session, edition)],
            [(m.id, f"{m.email} ({college_label(colleges.get(m.id))})")
             for m in services.members_of(session, edition)])


def auto_assign_message(created: int) -> tuple[str, str]:
    """The flash after an automatic assignment (message, category)."""
    if created:
        return (f"Répartition faite : {_plural(created, 'affectation')} "
                f"créée{'s' if created > 1 else ''}.", "success")
    return ("Aucune nouvelle affectation : chaque dossier a déjà ses évaluateurs "
            "(ou aucun membre disponible).", "info")


def reminders_message(mailed: int) -> tuple[str, str]:
    """The flash after the reminders (message, category); the mails are in the queue."""
    if not mailed:
        return "Aucun membre en retard : toutes les évaluations confiées sont soumises.", "info"
    return f"{_plural(mailed, 'rappel')} envoyé{'s' if mailed > 1 else ''}.", "success"


# --- Review, decision, fiche ------------------------------------------------------------------


@dataclass(frozen=True)
class MemberSheet:
    """A submitted sheet as the committee reads it: who, when, the scores, the comment."""

    number: int  # "Membre n" on the radar
    member: User
    college: str
    submitted_at: datetime | None
    comment: str
    scores: dict[int, int]


def review_page(session: Session, initiative: Initiative) -> dict[str, Any]:
    """What the decision page and the fiche show: the review, the members' sheets, the recusals, the
    decision."""
    edition = initiative.edition
    review = services.review(session, initiative)
    colleges = services.colleges_of(session, edition)
    evaluations = {e.member_id: e for e in session.scalars(
        select(Evaluation).where(Evaluation.initiative_id == initiative.id,
                                 Evaluation.submitted_at.is_not(None)))}
    sheets = [MemberSheet(number, review.members[member_id], college_label(colleges.get(member_id)),
                          evaluations[member_id].submitted_at if member_id in evaluations else None,
                          evaluations[member_id].comment if member_id in evaluations else "",
                          review.sheets[member_id])
              for number, member_id in enumerate(review.result.members, start=1)]
    decision = session.scalar(select(Decision).where(Decision.initiative_id == initiative.id)
                              .options(selectinload(Decision.category), selectinload(Decision.decided_by)))
    return {
        "initiative": initiative, "edition": edition, "review": review, "sheets": sheets,
        "recusals": [(user, college_label(colleges.get(user.id))) for user in review.recused],
        "decision": decision, "can_decide": permissions.can_decide(initiative, decided=decision is not None),
        "fmt": fmt, "spread": edition.disagreement_spread,
        "disagreements": review.result.disagreements(edition.disagreement_spread),
        "threshold": edition.label_threshold, "labels": STATUS_LABELS, "formula": RECUSAL_FORMULA,
        "aggregation": "médiane" if edition.score_aggregation == "median" else "moyenne",
    }


def decision_message(initiative: Initiative, recorded: services.DecisionRecorded) -> tuple[str, str]:
    """The flash once the decision is recorded: the outcome, and whether the holder is mailed."""
    verdict = "labellisée" if recorded.decision.labelled else "non labellisée"
    message = f"Décision enregistrée : « {initiative.title} » est {verdict}."
    if not recorded.holder_told:
        return message, "success"
    return message + " Le porteur a été prévenu par e-mail" + (
        ", radar joint." if recorded.radar_attached else "."), "success"


# --- Questionnaire and export -----------------------------------------------------------------


def frozen_reason(session: Session, edition: Edition, now: datetime) -> str | None:
    """Why the questionnaire can no longer change, in French (None while it can)."""
    if not services.is_frozen(session, edition, now):
        return None
    window = edition.window(Phase.LABELLING)
    if window is not None and now >= window.starts_at:
        when = to_local(window.starts_at).strftime("%d/%m/%Y à %H:%M")
        return (f"La labellisation a commencé le {when} : le questionnaire est figé, pour que les notes "
                "gardent le même sens pour tous les membres.")
    return ("Des notes ont déjà été saisies : le questionnaire est figé, pour que les notes gardent le même "
            "sens pour tous les membres.")


SCORE_COLUMNS = ["N° du dossier", "Titre", "E-mail du membre", "Collège", "Axe", "Question", "Note (0 à 4)",
                 "Soumise le", "Intérêt déclaré (hors agrégat)"]


def score_rows(session: Session, edition: Edition) -> Iterator[list[Any]]:
    """Every submitted score of an edition: one row per dossier, member and question (SCORE_COLUMNS)."""
    rows = session.execute(
        select(Initiative.id, Initiative.title, User.email, CommitteeMembership.college, Axis.name,
               Question.text, Score.value, Evaluation.submitted_at, Interest.id)
        .select_from(Score)
        .join(Evaluation, Score.evaluation_id == Evaluation.id)
        .join(Initiative, Evaluation.initiative_id == Initiative.id)
        .join(User, Evaluation.member_id == User.id)
        .join(Question, Score.question_id == Question.id)
        .join(Axis, Question.axis_id == Axis.id)
        .outerjoin(CommitteeMembership, and_(CommitteeMembership.user_id == User.id,
                                             CommitteeMembership.edition_id == Initiative.edition_id))
        .outerjoin(Interest, and_(Interest.initiative_id == Initiative.id, Interest.member_id == User.id))
        .where(Initiative.edition_id == edition.id, Evaluation.submitted_at.is_not(None))
        .order_by(Initiative.id, User.email, Axis.position, Question.position))
    for i, title, email, college, axis, question, value, at, interest in rows:
        yield [i, title, email, college_label(college), axis, question, value,
               to_local(at).strftime("%d/%m/%Y %H:%M") if at else "", "oui" if interest else "non"]
