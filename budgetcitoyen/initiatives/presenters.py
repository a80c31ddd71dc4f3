"""What the submission pages show, read from the database: form choices, the holder's initiatives, the
comptoirs and their sign-ups, the back-office list of dossiers with its filters and CSV rows. Read only:
nothing here changes a row."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload
from wtforms import SelectChoice

from budgetcitoyen.accounts.models import User
from budgetcitoyen.editions.models import Category, Edition
from budgetcitoyen.forms import select_choices
from budgetcitoyen.french import date_time, euros
from budgetcitoyen.initiatives.models import Initiative, Workshop, WorkshopRegistration
from budgetcitoyen.initiatives.rules import STATUS_LABELS, Status, budget_of, budget_totals
from budgetcitoyen.reference.models import StructureType, Territory
from budgetcitoyen.textsearch import alphabetically, folded_contains
from budgetcitoyen.web import id_param

PAGE_SIZE = 50
SORTS = {
    "recent": Initiative.updated_at.desc(),
    "titre": Initiative.title,
    "montant": Initiative.amount_asked.desc(),
    "depot": Initiative.filed_at.desc(),
}
FILTERS = ("edition", "statut", "territoire", "categorie", "q", "tri")


# --- Form choices ----------------------------------------------------------------------------


def territory_choices(session: Session) -> list[SelectChoice]:
    """The territories, by name."""
    return select_choices(session.execute(
        select(Territory.id, Territory.name).order_by(*alphabetically(Territory.name))))


def structure_type_choices(session: Session) -> list[SelectChoice]:
    """The kinds of holder structure, in their reference order."""
    return select_choices(session.execute(select(StructureType.id, StructureType.name)
                                          .order_by(StructureType.position)))


def category_choices(session: Session, edition: Edition) -> list[SelectChoice]:
    """The edition's categories, each with its ceiling."""
    return select_choices((c.id, f"{c.name} (plafond {euros(c.ceiling)})")
                          for c in session.scalars(select(Category).where(Category.edition_id == edition.id)
                                                   .order_by(Category.position)))


# --- The holder and the comptoirs ------------------------------------------------------------


def holder_initiatives(session: Session, user: User) -> list[Initiative]:
    """A holder's initiatives, the newest first."""
    return list(session.scalars(select(Initiative).where(Initiative.holder_id == user.id)
                                .order_by(Initiative.created_at.desc())))


def workshops_of(session: Session, edition: Edition | None) -> list[Workshop]:
    """An edition's comptoirs in date order (none without an edition)."""
    if edition is None:
        return []
    return list(session.scalars(select(Workshop).where(Workshop.edition_id == edition.id)
                                .order_by(Workshop.starts_at)))


def registrations_at(session: Session, workshop: Workshop) -> list[WorkshopRegistration]:
    """The sign-ups of one comptoir, in sign-up order, with their people."""
    return list(session.scalars(
        select(WorkshopRegistration).where(WorkshopRegistration.workshop_id == workshop.id)
        .options(selectinload(WorkshopRegistration.user)).order_by(WorkshopRegistration.created_at)))


REGISTRATIONS_HEADER = ["Territoire", "Date du comptoir", "Structure d'accueil", "E-mail", "Inscrit le",
                        "Présence"]
_PRESENCE = {True: "présent", False: "absent", None: ""}


def registration_rows(session: Session, edition: Edition) -> Iterator[list[Any]]:
    """All comptoir sign-ups of an edition, as CSV rows under REGISTRATIONS_HEADER."""
    rows = session.execute(
        select(Territory.name, Workshop.starts_at, Workshop.host_structure, User.email,
               WorkshopRegistration.created_at, WorkshopRegistration.attended)
        .join(Workshop, WorkshopRegistration.workshop_id == Workshop.id)
        .join(Territory, Workshop.territory_id == Territory.id)
        .join(User, WorkshopRegistration.user_id == User.id)
        .where(WorkshopRegistration.edition_id == edition.id)
        .order_by(Workshop.starts_at, WorkshopRegistration.created_at))
    for territory, starts_at, host, email, created_at, attended in rows:
        yield [territory, date_time(starts_at), host, email, date_time(created_at), _PRESENCE[attended]]


# --- The back-office list of dossiers --------------------------------------------------------


def dossier_filters(args: Mapping[str, str]) -> dict[str, str]:
    """The list's filters from the query string, trimmed."""
    return {key: (args.get(key) or "").strip()[:100] for key in FILTERS}


def filtered_dossiers(filters: Mapping[str, str]) -> Select[tuple[Initiative]]:
    """The dossiers the filters select, sorted as asked (the list and its CSV export)."""
    stmt = select(Initiative)
    if (edition_id := id_param(filters["edition"])) is not None:
        stmt = stmt.where(Initiative.edition_id == edition_id)
    if filters["statut"] in {s.value for s in Status}:
        stmt = stmt.where(Initiative.status == filters["statut"])
    if (territory_id := id_param(filters["territoire"])) is not None:
        stmt = stmt.where(Initiative.territory_id == territory_id)
    if (category_id := id_param(filters["categorie"])) is not None:
        stmt = stmt.where(Initiative.category_id == category_id)
    if filters["q"]:
        stmt = stmt.where(or_(folded_contains(Initiative.title, filters["q"]),
                              folded_contains(Initiative.structure_name, filters["q"])))
    return stmt.order_by(SORTS.get(filters["tri"], SORTS["recent"]), Initiative.id)


@dataclass(frozen=True)
class DossierList:
    """One page of the back-office list, and what its filter form offers."""

    initiatives: list[Initiative]
    total: int
    page: int
    pages: int
    editions: list[Edition]
    categories: list[Category]
    territories: list[Territory]


def dossier_list(session: Session, filters: Mapping[str, str], page: int) -> DossierList:
    """The page `page` of the filtered dossiers, with the editions, categories and territories to filter
    by."""
    stmt = filtered_dossiers(filters)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.scalars(stmt.options(selectinload(Initiative.territory), selectinload(Initiative.category))
                           .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return DossierList(
        initiatives=list(rows), total=total, page=page, pages=max(1, -(-total // PAGE_SIZE)),
        editions=list(session.scalars(select(Edition).order_by(Edition.year.desc()))),
        categories=list(session.scalars(select(Category).order_by(Category.edition_id.desc(),
                                                                  Category.position))),
        territories=list(session.scalars(select(Territory).order_by(*alphabetically(Territory.name)))),
    )


DOSSIERS_HEADER = [
    "N°", "Édition", "Titre", "Statut", "Territoire", "Catégorie", "Montant demandé (€)", "Type de structure",
    "Structure", "SIRET", "Contact", "E-mail", "Téléphone", "Total des charges (€)", "Total des produits (€)",
    "Déposé le", "Résumé"]


def dossier_rows(session: Session, filters: Mapping[str, str]) -> Iterator[list[Any]]:
    """The filtered dossiers as CSV rows under DOSSIERS_HEADER."""
    rows = session.scalars(filtered_dossiers(filters).options(
        selectinload(Initiative.territory), selectinload(Initiative.category),
        selectinload(Initiative.structure_type), selectinload(Initiative.budget_lines),
        selectinload(Initiative.edition)))
    for i in rows:
        totals = budget_totals(budget_of(i.budget_lines))
        yield [i.id, i.edition.year, i.title, STATUS_LABELS[i.status_enum], i.territory.name,
               i.category.name if i.category else "", i.amount_asked if i.amount_asked is not None else "",
               i.structure_type.name if i.structure_type else "", i.structure_name, i.siret, i.contact_name,
               i.contact_email, i.contact_phone, totals.total_charges, totals.total_products,
               date_time(i.filed_at) if i.filed_at else "", i.summary]
