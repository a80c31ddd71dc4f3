"""The published results' figures, counted once and frozen: the ranking as published, the participation,
the files' sizes, and the four charts drawn once.

Publication calls `freeze` (budgetcitoyen.results.services.publish); the public pages then read the
stored figures and charts and never count a ballot again. A result published before these were stored
(or written by hand in a test) has none: `figures_of` then counts them live, the same way, without
storing anything (nothing commits on a GET).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, selectinload

from budgetcitoyen.editions.models import Edition
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.reference.models import Territory
from budgetcitoyen.results import charts
from budgetcitoyen.results.models import (
    AllocationDecision,
    AllocationResult,
    PublishedChart,
    PublishedFigures,
)
from budgetcitoyen.voting.eligibility import AGE_BAND_LABELS, AGE_BANDS
from budgetcitoyen.voting.figures import Participation
from budgetcitoyen.voting.models import Ballot

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

    def to_json(self) -> dict[str, Any]:
        return {
            "version": FIGURES_VERSION,
            "rows": [{**asdict(r), "asked": str(r.asked), "granted": str(r.granted)} for r in self.rows],
            "participation": {**asdict(self.participation),
                              "by_territory": [list(pair) for pair in self.participation.by_territory]},
            "file_sizes": self.file_sizes,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Figures:
        rows = [RankingRow(**{**r, "asked": Decimal(r["asked"]), "granted": Decimal(r["granted"])})
                for r in data["rows"]]
        p = data["participation"]
        participation = Participation(p["total"], [(name, n) for name, n in p["by_territory"]],
                                      dict(p["by_channel"]), dict(p["by_age_band"]), p["voided"])
        return cls(rows, participation, dict(data["file_sizes"]))

    def digest(self) -> str:
        text = json.dumps(self.to_json(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


# --- counting, in bulk -------------------------------------------------------------------------


def count_participation(session: Session, edition: Edition) -> Participation:
    """Counted ballots by territory, channel and age band, and the voided ones, in one aggregate query.

    The same figures as budgetcitoyen.voting.figures.participation (every territory listed, by name, even
    without a voter), from one pass over the edition's ballots instead of four.
    """
    keys = (Ballot.territory_id, Ballot.channel, Ballot.age_band, Ballot.voided_at.is_not(None))
    groups = session.execute(
        select(*keys, func.count()).where(Ballot.edition_id == edition.id).group_by(*keys)
    ).all()
    by_territory_id: dict[int, int] = {}
    by_channel: dict[str, int] = {}
    by_age_band: dict[str, int] = {}
    voided = 0
    for territory_id, channel, band, is_voided, count in groups:
        if is_voided:
            voided += count
            continue
        by_territory_id[territory_id] = by_territory_id.get(territory_id, 0) + count
        by_channel[channel] = by_channel.get(channel, 0) + count
        by_age_band[band] = by_age_band.get(band, 0) + count
    territories = session.execute(select(Territory.id, Territory.name).order_by(Territory.name)).all()
    by_territory = [(name, by_territory_id.get(territory_id, 0)) for territory_id, name in territories]
    return Participation(sum(by_channel.values()), by_territory, by_channel, by_age_band, voided)


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
    """The figures from the database as it is now."""
    return Figures(ranking_rows(result, decisions_of(session, result)), count_participation(session, edition),
                   file_sizes)


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


# --- frozen at publication -----------------------------------------------------------------------


def freeze(session: Session, edition: Edition, result: AllocationResult, file_sizes: dict[str, int | None],
           now: datetime) -> Figures:
    """Count the figures and draw the charts of a result being published, and store them (flush only)."""
    figures = count(session, edition, result, file_sizes)
    session.add(PublishedFigures(result_id=result.id, figures=figures.to_json(), etag=figures.digest(),
                                 frozen_at=now))
    for name, spec in chart_specs(result, figures).items():
        svg = charts.render(spec)
        session.add(PublishedChart(result_id=result.id, name=name, svg=svg,
                                   etag=hashlib.sha256(svg).hexdigest()))
    session.flush()
    return figures


def frozen_figures(session: Session, result: AllocationResult) -> tuple[Figures, str] | None:
    """The figures stored at publication and their ETag, or None (published before they were stored)."""
    row = session.execute(
        select(PublishedFigures.figures, PublishedFigures.etag).where(PublishedFigures.result_id == result.id)
    ).first()
    if row is None or row.figures.get("version") != FIGURES_VERSION:
        return None
    return Figures.from_json(row.figures), row.etag


def frozen_chart(session: Session, result: AllocationResult, name: str) -> PublishedChart | None:
    return session.scalar(select(PublishedChart).where(
        and_(PublishedChart.result_id == result.id, PublishedChart.name == name)))
