"""What the public catalogue shows, read from the database: the labelled initiatives of a published catalogue,
filtered; one initiative; the open-data record of each. Read only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from budgetcitoyen.editions.models import Category, Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.editions.services import current_edition
from budgetcitoyen.initiatives.models import Initiative, InitiativeCommune
from budgetcitoyen.initiatives.rules import STATUS_LABELS, Status, is_public, public_structure_name
from budgetcitoyen.reference.lookup import CommuneIndex
from budgetcitoyen.reference.models import Commune, Territory
from budgetcitoyen.textsearch import alphabetically, folded_contains
from budgetcitoyen.web import external_url, id_param

PUBLIC_STATUSES = [s.value for s in Status if is_public(s)]
PAGE_SIZE = 24
FILTERS = ("territoire", "categorie", "commune", "q")
LICENCE = "Licence Ouverte / Open Licence 2.0"


def _public(edition: Edition) -> Select[tuple[Initiative]]:
    return select(Initiative).where(Initiative.edition_id == edition.id,
                                    Initiative.status.in_(PUBLIC_STATUSES))


def edition_for(session: Session, year: int | None) -> Edition | None:
    """The published edition of that year, or the current one when no year is asked."""
    if year is None:
        return current_edition(session)
    return session.scalar(select(Edition).where(Edition.year == year, Edition.is_published.is_(True)))


def visible_initiative(session: Session, initiative_id: int) -> Initiative | None:
    """The initiative if the public may see it (public status, published edition and catalogue), else None."""
    initiative = session.get(Initiative, initiative_id)
    if (initiative is None or not is_public(initiative.status_enum) or not initiative.edition.is_published
            or not initiative.edition.catalogue_published):
        return None
    return initiative


def vote_open_for(initiative: Initiative, now: datetime) -> bool:
    """Whether people can vote for this initiative now: it is on the ballot and the vote is open (the
    ballot itself checks the same window, closed early or not)."""
    window = initiative.edition.window(Phase.VOTE)
    return initiative.status_enum is Status.ON_BALLOT and window is not None and window.is_open(now)


def catalogue_filters(args: Mapping[str, str]) -> dict[str, str]:
    """The catalogue's filters from the query string, trimmed."""
    return {key: (args.get(key) or "").strip()[:100] for key in FILTERS}


@dataclass
class CataloguePage:
    """One page of the catalogue, and what its filter form offers."""

    initiatives: list[Initiative] = field(default_factory=list)
    total: int = 0
    commune_name: str = ""  # the commune searched, when what was typed designates one
    territories: list[Territory] = field(default_factory=list)
    categories: list[Category] = field(default_factory=list)

    @property
    def pages(self) -> int:
        """How many pages the filtered catalogue has (at least one)."""
        return max(1, -(-self.total // PAGE_SIZE))


def catalogue_page(session: Session, edition: Edition | None, filters: Mapping[str, str],
                   page: int) -> CataloguePage:
    """The page `page` of the edition's catalogue as filtered (empty until the catalogue is published)."""
    result = CataloguePage(territories=list(session.scalars(
        select(Territory).order_by(*alphabetically(Territory.name)))))
    if edition is None:
        return result
    result.categories = list(session.scalars(select(Category).where(Category.edition_id == edition.id)
                                             .order_by(Category.position)))
    if not edition.catalogue_published:
        return result
    stmt = _public(edition)
    if (territory_id := id_param(filters["territoire"])) is not None:
        stmt = stmt.where(Initiative.territory_id == territory_id)
    if (category_id := id_param(filters["categorie"])) is not None:
        stmt = stmt.where(Initiative.category_id == category_id)
    if filters["commune"]:
        codes = CommuneIndex.load(session).candidates(filters["commune"])
        if len(codes) == 1:
            commune = session.get(Commune, next(iter(codes)))
            result.commune_name = commune.name if commune else ""
        stmt = stmt.where(Initiative.action_communes.any(InitiativeCommune.insee_code.in_(codes))
                          | Initiative.commune_code.in_(codes))
    if filters["q"]:
        # Not the structure name: for individuals and informal collectives it is a person's name.
        stmt = stmt.where(or_(folded_contains(Initiative.title, filters["q"]),
                              folded_contains(Initiative.summary, filters["q"])))
    result.total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    result.initiatives = list(session.scalars(
        stmt.options(selectinload(Initiative.territory), selectinload(Initiative.category),
                     selectinload(Initiative.photo))
        .order_by(*alphabetically(Initiative.title), Initiative.id)
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    return result


def _as_open_data(initiative: Initiative) -> dict[str, Any]:
    return {
        "id": initiative.id,
        "titre": initiative.title,
        "resume": initiative.summary,
        "statut": initiative.status,
        "statut_libelle": STATUS_LABELS[initiative.status_enum],
        "territoire": initiative.territory.name,
        "communes": [{"code_insee": c.insee_code, "nom": c.commune.name} for c in initiative.action_communes],
        "categorie": initiative.category.name if initiative.category else None,
        "montant_demande": str(initiative.amount_asked) if initiative.amount_asked is not None else None,
        "structure": public_structure_name(initiative),
        "type_structure": initiative.structure_type.name if initiative.structure_type else None,
        "debut": initiative.starts_on.isoformat() if initiative.starts_on else None,
        "duree_mois": initiative.duration_months,
        "url": external_url("catalogue.show", initiative_id=initiative.id),
    }


def open_data(session: Session, edition: Edition) -> dict[str, Any]:
    """The edition's labelled initiatives as open data (no personal data: no contact, no holder)."""
    rows: list[Initiative] = []
    if edition.catalogue_published:
        rows = list(session.scalars(_public(edition).options(
            selectinload(Initiative.territory), selectinload(Initiative.category),
            selectinload(Initiative.structure_type),
            selectinload(Initiative.action_communes).selectinload(InitiativeCommune.commune),
        ).order_by(Initiative.id)))
    return {
        "edition": edition.year,
        "catalogue_publie": edition.catalogue_published,
        "licence": LICENCE,
        "source": external_url("catalogue.index"),
        "initiatives": [_as_open_data(i) for i in rows],
    }
