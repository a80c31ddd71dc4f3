"""What the committee's pages show, and the radar images: read only, nothing here changes a row.

The radar responses serve the committee's pages, the back office and the public catalogue alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Response, abort, current_app, send_file
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from budgetcitoyen.accounts.models import CommitteeMembership, User
from budgetcitoyen.editions.models import Axis
from budgetcitoyen.editions.questionnaire import LEVELS
from budgetcitoyen.initiatives import rules as dossier_rules
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.labelling import services
from budgetcitoyen.labelling.models import Assignment, Evaluation, Interest
from budgetcitoyen.labelling.radar import FORMATS, RadarCache, RadarData, radar_data
from budgetcitoyen.labelling.rules import fmt

# --- Radar images ----------------------------------------------------------------------------


def radar_cache() -> RadarCache:
    """The on-disk cache of rendered radars, in the instance folder."""
    return RadarCache(Path(current_app.instance_path) / "radar-cache")


def radar_response(data: RadarData, fmt: str, *, public: bool) -> Response:
    """Serve a radar image from the cache (rendered on first request)."""
    if fmt not in FORMATS:
        abort(404)
    response = send_file(radar_cache().get(data, fmt), mimetype=FORMATS[fmt], max_age=0)
    # The committee's radar shows individual scores: never kept by a shared cache.
    response.headers["Cache-Control"] = "public, max-age=300" if public else "private, no-store"
    return response


def committee_radar(session: Session, initiative: Initiative, fmt: str) -> Response:
    """The committee's radar of a dossier, members' polygons included; 404 before any submitted sheet."""
    review = services.review(session, initiative)
    if not review.result.members:
        abort(404)
    return radar_response(radar_data(review, initiative.title, with_members=True), fmt, public=False)


# --- Dossiers ---------------------------------------------------------------------------------


def sheet_state(evaluation: Evaluation | None) -> str:
    """Where a member's sheet stands: "submitted", "draft" or "todo"."""
    if evaluation is None:
        return "todo"
    return "submitted" if evaluation.submitted_at is not None else "draft"


def dossier_budget(initiative: Initiative) -> dict[str, Any]:
    """The budget's totals and the chart of accounts, for the budget table of a dossier."""
    return {"totals": dossier_rules.budget_totals(dossier_rules.budget_of(initiative.budget_lines)),
            "accounts": dossier_rules.ACCOUNTS}


def member_dossiers(session: Session, member: User) -> dict[str, Any]:
    """A member's page: their seats, the dossiers given to them with their sheet's state, their interests."""
    seats = session.scalars(select(CommitteeMembership).where(CommitteeMembership.user_id == member.id)).all()
    sheets = {e.initiative_id: e
              for e in session.scalars(select(Evaluation).where(Evaluation.member_id == member.id))}
    given = session.scalars(select(Assignment).where(Assignment.member_id == member.id)
                            .options(selectinload(Assignment.initiative).selectinload(Initiative.territory))
                            .order_by(Assignment.initiative_id))
    recused = session.scalars(select(Initiative).join(Interest, Interest.initiative_id == Initiative.id)
                              .where(Interest.member_id == member.id)).all()
    return {"seats": seats, "recused": recused,
            "rows": [(a.initiative, sheet_state(sheets.get(a.initiative_id))) for a in given]}


@dataclass(frozen=True)
class SheetPage:
    """A member's page of one dossier: the questionnaire, their sheet, and the review once theirs is in."""

    initiative: Initiative
    axes: list[Axis]
    evaluation: Evaluation | None
    review: services.DossierReview | None

    @property
    def submitted(self) -> bool:
        return self.evaluation is not None and self.evaluation.submitted_at is not None

    @property
    def question_ids(self) -> list[int]:
        return [q.id for axis in self.axes for q in axis.questions]

    def saved_sheet(self) -> dict[int, int]:
        """The scores saved so far, question id -> score."""
        return {s.question_id: s.value for s in self.evaluation.scores} if self.evaluation else {}

    def context(self) -> dict[str, Any]:
        """The template's values (the sheet shown is the saved one unless the caller gives another)."""
        return {"initiative": self.initiative, "axes": self.axes, "evaluation": self.evaluation,
                "submitted": self.submitted, "review": self.review, "sheet": self.saved_sheet(),
                "levels": LEVELS, "fmt": fmt, "spread": self.initiative.edition.disagreement_spread,
                **dossier_budget(self.initiative)}


def sheet_page(session: Session, initiative: Initiative, member: User) -> SheetPage:
    """What the member's dossier page needs (the others' sheets only once theirs is submitted)."""
    evaluation = services.evaluation_of(session, initiative.id, member.id)
    submitted = evaluation is not None and evaluation.submitted_at is not None
    return SheetPage(initiative, services.questionnaire(session, initiative.edition), evaluation,
                     services.review(session, initiative) if submitted else None)
