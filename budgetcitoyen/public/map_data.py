"""The counts behind the public maps, read from the database: labelled initiatives per commune (a published
catalogue) and voters per territory (a vote that has opened). Each is also the map's data table, so the map
and its table can never disagree. Read only; the drawing is budgetcitoyen.reference.maps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.rules import Phase, PhaseStatus, phase_status
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.public.catalogue import PUBLIC_STATUSES
from budgetcitoyen.reference import maps
from budgetcitoyen.reference.models import Commune, Territory
from budgetcitoyen.textsearch import alphabetical, alphabetically
from budgetcitoyen.voting.models import VoteCount


@dataclass(frozen=True)
class CommuneRow:
    insee_code: str
    name: str
    territory: str
    count: int


@dataclass(frozen=True)
class InitiativesByCommune:
    rows: list[CommuneRow]  # communes with at least one initiative, most first
    without_commune: int  # initiatives that name no commune (they act on a whole territory)

    @property
    def total(self) -> int:
        return sum(r.count for r in self.rows) + self.without_commune


def catalogue_is_public(edition: Edition | None) -> bool:
    """The same rule as the catalogue: a published edition whose catalogue is published."""
    return edition is not None and edition.is_published and edition.catalogue_published


def participation_is_public(edition: Edition | None, now: datetime) -> bool:
    """Voters per territory once the vote has opened (before, there is nothing to draw but zeros)."""
    if edition is None:
        return False
    window = edition.window(Phase.VOTE)
    return window is not None and phase_status(window, now) != PhaseStatus.UPCOMING


def initiatives_by_commune(session: Session, edition: Edition) -> InitiativesByCommune:
    """Labelled (public) initiatives of the edition counted by their commune."""
    rows = session.execute(
        select(Initiative.commune_code, Commune.name, Territory.name, func.count(Initiative.id))
        .select_from(Initiative)
        .outerjoin(Commune, Commune.insee_code == Initiative.commune_code)
        .outerjoin(Territory, Territory.id == Commune.territory_id)
        .where(Initiative.edition_id == edition.id, Initiative.status.in_(PUBLIC_STATUSES))
        .group_by(Initiative.commune_code, Commune.name, Territory.name)
    ).all()
    found = [CommuneRow(code, name, territory, count) for code, name, territory, count in rows if code]
    found.sort(key=lambda r: (-r.count, alphabetical(r.name)))
    return InitiativesByCommune(found, sum(count for code, _, _, count in rows if not code))


def voters_by_territory(session: Session, edition: Edition) -> list[tuple[Territory, int]]:
    """Counted ballots (voided excluded) per territory, every territory listed, by name."""
    sums = dict(session.execute(
        select(VoteCount.territory_id, func.sum(VoteCount.counted))
        .where(VoteCount.edition_id == edition.id)
        .group_by(VoteCount.territory_id)
    ).all())
    territories = session.scalars(select(Territory).order_by(*alphabetically(Territory.name), Territory.id))
    return [(t, int(sums.get(t.id) or 0)) for t in territories]


def territory_areas(session: Session, counts: dict[int, int] | None = None) -> list[maps.Area]:
    """Every territory with the INSEE codes of its communes (and its count, when given)."""
    codes: dict[int, list[str]] = {}
    for territory_id, code in session.execute(select(Commune.territory_id, Commune.insee_code)):
        codes.setdefault(territory_id, []).append(code)
    territories = session.scalars(select(Territory).order_by(*alphabetically(Territory.name), Territory.id))
    return [maps.Area(t.name, (counts or {}).get(t.id, 0), codes.get(t.id, [])) for t in territories]


def has_geometry(session: Session) -> bool:
    """Whether the shipped boundaries cover any of the communes in the database (else: tables only)."""
    boundaries = maps.load_boundaries()
    if boundaries is None:
        return False
    codes = session.scalars(select(Commune.insee_code).limit(50)).all()
    return any(code in boundaries.paths for code in codes)


def map_size(legend_rows: int) -> tuple[int, int]:
    """The maps' viewBox size, (0, 0) without boundaries."""
    boundaries = maps.load_boundaries()
    return maps.svg_size(boundaries, legend_rows) if boundaries else (0, 0)


def attribution() -> str:
    """The boundaries' credit for the caption under the maps ("" without boundaries)."""
    boundaries = maps.load_boundaries()
    return boundaries.attribution if boundaries else ""


def initiatives_svg(session: Session, edition: Edition) -> str | None:
    boundaries = maps.load_boundaries()
    if boundaries is None:
        return None
    found = initiatives_by_commune(session, edition)
    return maps.commune_map(
        boundaries, territory_areas(session), {r.insee_code: (r.name, r.count) for r in found.rows},
        f"Initiatives labellisées {edition.year} par commune",
        "Cercles proportionnels au nombre d'initiatives de chaque commune ; les nombres sont dans le "
        "tableau « Initiatives par ville ou village » de la page.", "initiative")


def participation_svg(session: Session, edition: Edition) -> str | None:
    boundaries = maps.load_boundaries()
    if boundaries is None:
        return None
    counts = {t.id: n for t, n in voters_by_territory(session, edition)}
    return maps.territory_map(
        boundaries, territory_areas(session, counts), f"Votants {edition.year} par territoire",
        "Territoires colorés selon le nombre de votants ; les nombres sont dans le tableau « Votants par "
        "territoire » de la page.", "votant")
