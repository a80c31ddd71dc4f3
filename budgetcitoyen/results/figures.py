"""The published results' figures, counted once and frozen: the ranking as published, the participation,
the files' sizes, and the four charts drawn once.

Publication calls `freeze` (budgetcitoyen.results.services.publish): the figures are stored in the
database (published_figures) and the charts, SVG files, through the app's storage next to the published
ballots (`results/<year>/graphiques/<name>.svg`), in the publication's transaction; or, for the admin's
publication, just after it has answered (`draw_charts`, in its own transaction: drawing is a third of
a publication's time at 400,000 ballots). Until a chart is stored, its page draws it from the same frozen
figures (the same bytes). The public pages read the stored figures and charts and never count a ballot
again. A result published before these were stored (or written by hand in a test) has none: `count` then
gives the same figures live, without storing anything (nothing commits on a GET).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from budgetcitoyen.editions.models import Edition
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.results import charts
from budgetcitoyen.results.models import AllocationDecision, AllocationResult, PublishedFigures
from budgetcitoyen.results.steps import step
from budgetcitoyen.storage import Storage
from budgetcitoyen.voting import figures as vote_figures
from budgetcitoyen.voting.eligibility import AGE_BAND_LABELS, AGE_BANDS
from budgetcitoyen.voting.figures import Participation

CHART_NAMES = ("voix", "enveloppe", "participation-territoires", "participation-ages")
# Bump when what is stored changes shape: an ETag must change with what the page shows.
FIGURES_VERSION = 1


@dataclass(frozen=True)
class RankingRow:
    """One line of the ranking table, with the initiative's names as they were at publication."""

    rank: int
    initiative_id: int
    title: str
    territory: str | None
    category: str | None
    votes: int
    share: str
    asked: Decimal
    granted: Decimal
    funded: bool
    position: int | None
    explanation: str


@dataclass(frozen=True)
class Figures:
    """What the results page, the open data and the charts show beyond the stored result's own columns."""

    rows: list[RankingRow]
    participation: Participation
    # Bytes of each published file by kind ("pb", "csv"); None when the file is missing.
    file_sizes: dict[str, int | None]
    # The SHA-256 of each chart stored at publication, by name (its ETag); empty when counted live.
    charts: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": FIGURES_VERSION,
            "rows": [{**asdict(r), "asked": str(r.asked), "granted": str(r.granted)} for r in self.rows],
            "participation": {**asdict(self.participation),
                              "by_territory": [list(pair) for pair in self.participation.by_territory]},
            "file_sizes": self.file_sizes,
            "charts": self.charts,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Figures:
        rows = [RankingRow(**{**r, "asked": Decimal(r["asked"]), "granted": Decimal(r["granted"])})
                for r in data["rows"]]
        p = data["participation"]
        participation = Participation(p["total"], [(name, n) for name, n in p["by_territory"]],
                                      dict(p["by_channel"]), dict(p["by_age_band"]), p["voided"])
        return cls(rows, participation, dict(data["file_sizes"]), dict(data["charts"]))



# --- counting ---------------------------------------------------------------------------------


def decisions_of(session: Session, result: AllocationResult) -> list[AllocationDecision]:
    """The decisions in ranking order, with what the tables show of each initiative."""
    initiative = selectinload(AllocationDecision.initiative)
    return list(session.scalars(
        select(AllocationDecision).where(AllocationDecision.result_id == result.id)
        .options(initiative.selectinload(Initiative.territory), initiative.selectinload(Initiative.category),
                 initiative.selectinload(Initiative.structure_type))
        .order_by(AllocationDecision.rank, AllocationDecision.id)
    ))


def ranking_rows(result: AllocationResult, decisions: list[AllocationDecision]) -> list[RankingRow]:
    rows = []
    for d in decisions:
        initiative = d.initiative
        rows.append(RankingRow(
            rank=d.rank, initiative_id=initiative.id, title=initiative.title,
            territory=initiative.territory.name if initiative.territory else None,
            category=initiative.category.name if initiative.category else None,
            votes=d.votes, share=charts.share(d.votes, result.voters), asked=d.asked, granted=d.granted,
            funded=d.funded, position=d.position, explanation=d.explanation,
        ))
    return rows


def count(session: Session, edition: Edition, result: AllocationResult,
          file_sizes: dict[str, int | None]) -> Figures:
    """The figures from the database as it is now (the participation from the counts kept with the
    ballots: a few rows, whatever their number)."""
    return Figures(ranking_rows(result, decisions_of(session, result)),
                   vote_figures.participation(session, edition), file_sizes)


# --- the charts ----------------------------------------------------------------------------------


def age_rows(participation: Participation) -> list[tuple[str, int]]:
    return [(AGE_BAND_LABELS[name], participation.by_age_band.get(name, 0)) for _, _, name in AGE_BANDS]


def chart_specs(result: AllocationResult, figures: Figures) -> dict[str, charts.ChartSpec]:
    """The four charts of the page, from the stored result and its figures (plain values: cheap)."""
    return {
        "voix": charts.votes_chart([(r.title, r.votes, r.funded) for r in figures.rows], result.voters),
        "enveloppe": charts.envelope_chart(result.envelope, result.spent, result.remaining),
        "participation-territoires": charts.participation_chart(
            "Votants par territoire (commune de résidence)", "territoire",
            list(figures.participation.by_territory)),
        "participation-ages": charts.participation_chart(
            "Votants par tranche d'âge", "tranche d'âge", age_rows(figures.participation)),
    }


def chart_key(year: int, name: str) -> str:
    """The storage key of a chart drawn at publication, next to the published ballots."""
    return f"results/{year}/graphiques/{name}.svg"


# --- frozen at publication -----------------------------------------------------------------------


def freeze(session: Session, edition: Edition, result: AllocationResult, files: Storage,
           file_sizes: dict[str, int | None], now: datetime, *, with_charts: bool = True) -> Figures:
    """Count the figures of a result being published and store them; with the charts drawn into the
    storage and each one's SHA-256 stored with the figures, unless `with_charts` is False (the admin's
    publication draws them once it has answered: `draw_charts`). Flush only; the charts are kept only
    if the publication commits."""
    with step("count figures"):
        counted = count(session, edition, result, file_sizes)
    row = PublishedFigures(result_id=result.id, figures=counted.to_json(), frozen_at=now)
    session.add(row)
    session.flush()
    if with_charts:
        _draw(session, edition.year, result, row, files)
    return Figures.from_json(row.figures)


def _draw(session: Session, year: int, result: AllocationResult, row: PublishedFigures,
          files: Storage) -> dict[str, str]:
    """Draw the charts the row's figures have not yet, store them and their SHA-256 in the row."""
    frozen = Figures.from_json(row.figures)
    digests = dict(frozen.charts)
    for name, spec in chart_specs(result, frozen).items():
        if name in digests:
            continue
        with step(f"chart {name}"):
            svg = charts.render(spec)
            # Replaced: a chart left by a publication that was rolled back is not the published one.
            files.put(session, chart_key(year, name), io.BytesIO(svg), replace=True)
        digests[name] = hashlib.sha256(svg).hexdigest()
    row.figures = {**row.figures, "charts": digests}  # a new value: the JSON column sees the change
    session.flush()
    return digests


def draw_charts(session: Session, edition: Edition, result: AllocationResult,
                files: Storage) -> dict[str, str]:
    """Draw the charts of published figures stored without them, once (the row is locked: two callers
    draw them once); their digests by name. Until then, the chart pages draw each chart from the same
    frozen figures on every request (the same bytes: drawing is deterministic), storing nothing."""
    row = session.scalar(select(PublishedFigures).where(PublishedFigures.result_id == result.id)
                         .with_for_update())
    if row is None or row.figures.get("version") != FIGURES_VERSION:
        return {}
    if set(row.figures.get("charts", {})) >= set(CHART_NAMES):
        return dict(row.figures["charts"])
    return _draw(session, edition.year, result, row, files)


def editions_missing_charts(session: Session) -> list[int]:
    """The editions whose published figures are stored without all their charts (the publishing process
    stopped between its commit and the drawing): the worker draws them (`draw_charts`)."""
    rows = session.execute(
        select(AllocationResult.edition_id, PublishedFigures.figures)
        .join(PublishedFigures, PublishedFigures.result_id == AllocationResult.id)
        .where(AllocationResult.published_at.is_not(None))).all()
    return [edition_id for edition_id, stored in rows if stored.get("version") == FIGURES_VERSION
            and not set(stored.get("charts", {})) >= set(CHART_NAMES)]


def frozen_figures(session: Session, result: AllocationResult) -> Figures | None:
    """The figures stored at publication, or None (published before they were stored)."""
    stored = session.scalar(select(PublishedFigures.figures).where(PublishedFigures.result_id == result.id))
    if stored is None or stored.get("version") != FIGURES_VERSION:
        return None
    return Figures.from_json(stored)
