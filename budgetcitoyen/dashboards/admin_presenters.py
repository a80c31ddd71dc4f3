"""What the back-office home page shows: the current phase and its deadline, and each thing waiting for
the ESS service (dossiers to take in, evaluations missing, ballots so far, late final reports, failed
mails), each with where to act."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from budgetcitoyen.clock import to_local
from budgetcitoyen.conventions import services as conventions
from budgetcitoyen.editions.dates import INSTANT
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.rules import PHASE_LABELS, current_phase, next_phase
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.labelling.models import Assignment, Evaluation
from budgetcitoyen.mail.models import FAILED
from budgetcitoyen.mail.outbox import counts
from budgetcitoyen.voting.models import Ballot


@dataclass(frozen=True)
class Task:
    """One line of the dashboard: a count, what it means, where to act (endpoint and its values), and
    whether it needs someone now."""

    count: int
    label: str
    endpoint: str
    values: dict[str, Any]
    urgent: bool
    admin_only: bool = False


def _count(session: Session, statement: Any) -> int:
    return int(session.scalar(statement) or 0)


def missing_evaluations(session: Session, edition: Edition) -> int:
    """Sheets assigned on dossiers under review and not submitted yet."""
    submitted = and_(Evaluation.initiative_id == Assignment.initiative_id,
                     Evaluation.member_id == Assignment.member_id, Evaluation.submitted_at.is_not(None))
    return _count(session, select(func.count(Assignment.id))
                  .join(Initiative, Initiative.id == Assignment.initiative_id)
                  .outerjoin(Evaluation, submitted)
                  .where(Initiative.edition_id == edition.id, Initiative.status == Status.IN_REVIEW.value,
                         Evaluation.id.is_(None)))


def dashboard(session: Session, edition: Edition | None, now: datetime, today: date) -> dict[str, Any]:
    """The phase and the tasks of the current edition, and what is waiting whatever the edition."""
    tasks: list[Task] = []
    phase = deadline = upcoming = None
    if edition is not None:
        windows = edition.windows()
        phase = current_phase(windows, now)
        window = edition.window(phase) if phase else None
        deadline = (to_local(window.ends_at) - INSTANT).date() if window else None
        upcoming = next_phase(windows, now)
        filed = _count(session, select(func.count(Initiative.id)).where(
            Initiative.edition_id == edition.id, Initiative.status == Status.FILED.value))
        tasks.append(Task(filed, "dossier déposé à instruire" if filed == 1
                          else "dossiers déposés à instruire", "initiatives_admin.dossiers",
                          {"edition": edition.id, "statut": Status.FILED.value}, filed > 0))
        missing = missing_evaluations(session, edition)
        tasks.append(Task(missing, "évaluation du comité manquante" if missing == 1
                          else "évaluations du comité manquantes",
                          "labelling_admin.progress", {"edition_id": edition.id}, missing > 0))
        ballots = _count(session, select(func.count(Ballot.id)).where(
            Ballot.edition_id == edition.id, Ballot.voided_at.is_(None)))
        tasks.append(Task(ballots, "bulletin compté" if ballots == 1 else "bulletins comptés",
                          "voting_admin.dashboard", {"edition_id": edition.id}, False))
    late = len(conventions.late_reports(session, None, today))
    tasks.append(Task(late, "bilan final en retard" if late == 1 else "bilans finaux en retard",
                      "conventions_admin.conventions", {"edition": "toutes", "_anchor": "titre-retards"},
                      late > 0))
    failed = counts(session)[FAILED]
    tasks.append(Task(failed, "courriel en échec" if failed == 1 else "courriels en échec",
                      "mail_admin.outbox", {"etat": FAILED}, failed > 0, admin_only=True))
    return {"phase": phase, "phase_label": PHASE_LABELS[phase] if phase else None, "deadline": deadline,
            "upcoming_label": PHASE_LABELS[upcoming.phase] if upcoming else None,
            "upcoming_first": to_local(upcoming.starts_at).date() if upcoming else None, "tasks": tasks}
