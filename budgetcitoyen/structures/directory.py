"""What the ambassadors' directory shows, read from the database: the listed structures (profile published
by its holder AND an initiative labelled in a published catalogue), one profile with its labels by year,
their communes for the map, the open data; and the ESS service's full list with the dossiers' contacts.
Read only: nothing here writes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from budgetcitoyen.editions.models import Category, Edition
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import STATUS_LABELS, Status
from budgetcitoyen.public import map_data
from budgetcitoyen.public.catalogue import LICENCE, PUBLIC_STATUSES
from budgetcitoyen.reference import maps
from budgetcitoyen.reference.models import Commune, Territory
from budgetcitoyen.structures.models import Structure, StructureInitiative
from budgetcitoyen.textsearch import alphabetical, alphabetically, folded_contains
from budgetcitoyen.web import external_url, id_param

PAGE_SIZE = 24
ADMIN_PAGE_SIZE = 50
FILTERS = ("q", "territoire", "categorie")
ADMIN_FILTERS = ("q", "territoire", "categorie", "edition", "profil", "collectif")


# --- Which structures and initiatives the public sees ------------------------------------------------


def _labelled() -> ColumnElement[bool]:
    """A labelled initiative (labelled, on the ballot, winner…), public or not yet."""
    return Initiative.status.in_(PUBLIC_STATUSES)


def _public() -> ColumnElement[bool]:
    """A labelled initiative of a published catalogue: exactly what the catalogue shows."""
    return and_(_labelled(), Edition.is_published.is_(True), Edition.catalogue_published.is_(True))


def _has_initiative(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists(select(StructureInitiative.initiative_id)
                  .join(Initiative, Initiative.id == StructureInitiative.initiative_id)
                  .join(Edition, Edition.id == Initiative.edition_id)
                  .where(StructureInitiative.structure_id == Structure.id, *conditions))


def listed() -> ColumnElement[bool]:
    """The opt-in: published by its holder, and labelled in a published catalogue."""
    return and_(Structure.profile_published.is_(True), _has_initiative(_public()))


def is_ambassador(session: Session, structure: Structure) -> bool:
    """At least one of its initiatives was labelled (whether or not its catalogue is published yet)."""
    return bool(session.scalar(select(_has_initiative(_labelled())).where(Structure.id == structure.id)))


def holder_ids(session: Session, structure: Structure) -> set[int]:
    """The accounts that hold one of its initiatives, of any edition."""
    return set(session.scalars(select(Initiative.holder_id).join(
        StructureInitiative, StructureInitiative.initiative_id == Initiative.id)
        .where(StructureInitiative.structure_id == structure.id)))


def structures_of_holder(session: Session, user_id: int) -> list[Structure]:
    """The structures of a holder's dossiers, by name."""
    return list(session.scalars(
        select(Structure).where(Structure.id.in_(
            select(StructureInitiative.structure_id).join(
                Initiative, Initiative.id == StructureInitiative.initiative_id)
            .where(Initiative.holder_id == user_id)))
        .order_by(*alphabetically(Structure.name), Structure.id)))


@dataclass(frozen=True)
class Label:
    """One public labelled initiative of a structure."""

    year: int
    initiative_id: int
    title: str
    category: str | None
    category_code: str | None
    status: str


def public_labels(session: Session, structure_ids: Iterable[int]) -> dict[int, list[Label]]:
    """Each structure's public labelled initiatives, newest edition first."""
    ids = list(structure_ids)
    found: dict[int, list[Label]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = session.execute(
        select(StructureInitiative.structure_id, Edition.year, Initiative.id, Initiative.title, Category.name,
               Category.code, Initiative.status)
        .join(Initiative, Initiative.id == StructureInitiative.initiative_id)
        .join(Edition, Edition.id == Initiative.edition_id)
        .outerjoin(Category, Category.id == Initiative.category_id)
        .where(StructureInitiative.structure_id.in_(ids), _public())
        .order_by(Edition.year.desc(), *alphabetically(Initiative.title), Initiative.id))
    for structure_id, year, initiative_id, title, category, code, status in rows:
        found[structure_id].append(Label(year, initiative_id, title, category, code,
                                         STATUS_LABELS[Status(status)]))
    return found


def by_year(labels: list[Label]) -> list[tuple[int, list[Label]]]:
    """Labels grouped by edition, newest first."""
    years: dict[int, list[Label]] = {}
    for label in labels:
        years.setdefault(label.year, []).append(label)
    return sorted(years.items(), reverse=True)


def category_choices(session: Session) -> list[tuple[str, str]]:
    """(code, name) of the categories of published editions; a code keeps its latest name."""
    names: dict[str, str] = {}
    for code, name in session.execute(select(Category.code, Category.name).join(Edition)
                                      .where(Edition.is_published.is_(True))
                                      .order_by(Edition.year.desc(), Category.position)):
        names.setdefault(code, name)
    return sorted(names.items(), key=lambda item: alphabetical(item[1]))


# --- The public directory -----------------------------------------------------------------------------


def directory_filters(args: Mapping[str, str]) -> dict[str, str]:
    return {key: (args.get(key) or "").strip()[:100] for key in FILTERS}


def _search(stmt: Select[Any], text: str, *columns: Any) -> Select[Any]:
    return stmt.where(or_(*(folded_contains(column, text) for column in columns)))


@dataclass
class DirectoryPage:
    structures: list[Structure] = field(default_factory=list)
    labels: dict[int, list[Label]] = field(default_factory=dict)
    total: int = 0
    territories: list[Territory] = field(default_factory=list)
    categories: list[tuple[str, str]] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def directory_page(session: Session, filters: Mapping[str, str], page: int) -> DirectoryPage:
    """One page of the listed ambassadors, filtered by text, territory and category."""
    result = DirectoryPage(territories=list(session.scalars(
                               select(Territory).order_by(*alphabetically(Territory.name)))),
                           categories=category_choices(session))
    stmt = select(Structure).where(listed())
    if (territory_id := id_param(filters["territoire"])) is not None:
        stmt = stmt.where(Structure.profile_territory_id == territory_id)
    if filters["categorie"]:
        stmt = stmt.where(_has_initiative(_public(), Initiative.category_id.in_(
            select(Category.id).where(Category.code == filters["categorie"]))))
    if filters["q"]:
        stmt = _search(stmt.outerjoin(Commune, Commune.insee_code == Structure.profile_commune_code),
                       filters["q"], Structure.profile_name, Structure.profile_description, Commune.name)
    result.total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    result.structures = list(session.scalars(
        stmt.options(selectinload(Structure.profile_territory), selectinload(Structure.profile_commune))
        .order_by(*alphabetically(Structure.profile_name), Structure.id)
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    result.labels = public_labels(session, (s.id for s in result.structures))
    return result


def listed_profile(session: Session, structure_id: int) -> Structure | None:
    """The structure if its profile is public, else None (the same 404 whatever the reason)."""
    return session.scalar(select(Structure).where(Structure.id == structure_id, listed()))


def by_commune(session: Session) -> map_data.InitiativesByCommune:
    """Listed ambassadors counted by their profile's commune (the map's data table)."""
    rows = session.execute(
        select(Structure.profile_commune_code, Commune.name, Territory.name, func.count(Structure.id))
        .select_from(Structure)
        .outerjoin(Commune, Commune.insee_code == Structure.profile_commune_code)
        .outerjoin(Territory, Territory.id == Commune.territory_id)
        .where(listed())
        .group_by(Structure.profile_commune_code, Commune.name, Territory.name)).all()
    found = [map_data.CommuneRow(code, name, territory, count)
             for code, name, territory, count in rows if code]
    found.sort(key=lambda r: (-r.count, alphabetical(r.name)))
    return map_data.InitiativesByCommune(found, sum(count for code, _, _, count in rows if not code))


def directory_svg(session: Session) -> str | None:
    """The ambassadors per commune as proportional circles (None without shipped boundaries)."""
    boundaries = maps.load_boundaries()
    if boundaries is None:
        return None
    found = by_commune(session)
    return maps.commune_map(
        boundaries, map_data.territory_areas(session), {r.insee_code: (r.name, r.count) for r in found.rows},
        "Ambassadeurs de l'ESS par commune",
        "Cercles proportionnels au nombre d'ambassadeurs de chaque commune ; les nombres sont dans le "
        "tableau « Ambassadeurs par ville ou village » de la page.", "structure")


def _as_open_data(structure: Structure, labels: list[Label]) -> dict[str, Any]:
    return {
        "id": structure.id,
        "nom": structure.display_name,
        "territoire": structure.profile_territory.name if structure.profile_territory else None,
        "commune": ({"code_insee": structure.profile_commune_code, "nom": structure.profile_commune.name}
                    if structure.profile_commune else None),
        "presentation": structure.profile_description,
        "site": structure.profile_website or None,
        "membre_du_collectif": structure.collective_member,
        "labels": [{"edition": label.year, "initiative": label.title, "categorie": label.category,
                    "url": external_url("catalogue.show", initiative_id=label.initiative_id)}
                   for label in labels],
        "url": external_url("structures.profile", structure_id=structure.id),
    }


def open_data(session: Session) -> dict[str, Any]:
    """Every listed ambassador as open data (what the profiles show; no contact, no SIRET, no holder)."""
    structures = list(session.scalars(select(Structure).where(listed()).options(
        selectinload(Structure.profile_territory), selectinload(Structure.profile_commune))
        .order_by(Structure.id)))
    labels = public_labels(session, (s.id for s in structures))
    return {"licence": LICENCE, "source": external_url("structures.directory"),
            "ambassadeurs": [_as_open_data(s, labels[s.id]) for s in structures]}


# --- The ESS service's list ---------------------------------------------------------------------------


def admin_filters(args: Mapping[str, str]) -> dict[str, str]:
    return {key: (args.get(key) or "").strip()[:100] for key in ADMIN_FILTERS}


@dataclass(frozen=True)
class AdminRow:
    """A structure as the ESS service lists it, with the contact of its latest dossier."""

    structure: Structure
    years: list[int]
    categories: list[str]
    labelled: int
    territory: str
    contact_name: str
    contact_email: str
    contact_phone: str

    @property
    def listed(self) -> bool:
        return self.structure.profile_published and self.labelled > 0


def _admin_statement(filters: Mapping[str, str]) -> Select[tuple[Structure]]:
    stmt = select(Structure).where(_has_initiative(_labelled()))
    if (territory_id := id_param(filters["territoire"])) is not None:
        stmt = stmt.where(_has_initiative(_labelled(), Initiative.territory_id == territory_id))
    if filters["categorie"]:
        stmt = stmt.where(_has_initiative(_labelled(), Initiative.category_id.in_(
            select(Category.id).where(Category.code == filters["categorie"]))))
    if (year := id_param(filters["edition"])) is not None:
        stmt = stmt.where(_has_initiative(_labelled(), Edition.year == year))
    if filters["profil"] in ("publie", "non-publie"):
        stmt = stmt.where(Structure.profile_published.is_(filters["profil"] == "publie"))
    if filters["collectif"] in ("oui", "non"):
        stmt = stmt.where(Structure.collective_member.is_(filters["collectif"] == "oui"))
    if filters["q"]:
        stmt = _search(stmt, filters["q"], Structure.name, Structure.profile_name, Structure.siret)
    return stmt.order_by(*alphabetically(Structure.name), Structure.id)


def _admin_rows(session: Session, structures: list[Structure]) -> list[AdminRow]:
    ids = [s.id for s in structures]
    per: dict[int, list[Initiative]] = {i: [] for i in ids}
    if ids:
        rows = session.execute(
            select(StructureInitiative.structure_id, Initiative)
            .join(Initiative, Initiative.id == StructureInitiative.initiative_id)
            .join(Edition, Edition.id == Initiative.edition_id)
            .where(StructureInitiative.structure_id.in_(ids))
            .options(selectinload(Initiative.edition), selectinload(Initiative.category),
                     selectinload(Initiative.territory))
            .order_by(Edition.year.desc(), Initiative.filed_at.desc(), Initiative.id.desc()))
        for structure_id, initiative in rows:
            per[structure_id].append(initiative)
    result = []
    for structure in structures:
        initiatives = per[structure.id]
        labelled = [i for i in initiatives if i.status in PUBLIC_STATUSES]
        latest = initiatives[0] if initiatives else None
        result.append(AdminRow(
            structure, sorted({i.edition.year for i in labelled}),
            sorted({i.category.name for i in labelled if i.category}, key=alphabetical), len(labelled),
            latest.territory.name if latest else "",
            latest.contact_name if latest else "", latest.contact_email if latest else "",
            latest.contact_phone if latest else ""))
    return result


@dataclass
class AdminPage:
    rows: list[AdminRow]
    total: int
    territories: list[Territory]
    categories: list[tuple[str, str]]
    years: list[int]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // ADMIN_PAGE_SIZE))


def admin_page(session: Session, filters: Mapping[str, str], page: int) -> AdminPage:
    """One page of every labelled structure, filtered, with contacts."""
    stmt = _admin_statement(filters)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    structures = list(session.scalars(stmt.offset((page - 1) * ADMIN_PAGE_SIZE).limit(ADMIN_PAGE_SIZE)))
    return AdminPage(_admin_rows(session, structures), total,
                     list(session.scalars(select(Territory).order_by(*alphabetically(Territory.name)))),
                     category_choices(session),
                     list(session.scalars(select(Edition.year).order_by(Edition.year.desc()))))


ADMIN_HEADER = ("N°", "Structure", "SIRET", "Territoire", "Éditions labellisées", "Catégories",
                "Initiatives labellisées", "Contact", "E-mail", "Téléphone", "Profil public",
                "Nom public", "Commune", "Site", "Membre du collectif")


def admin_csv_rows(session: Session, filters: Mapping[str, str]) -> list[list[object]]:
    """Every filtered structure as a CSV row (the contacts are the latest dossier's)."""
    structures = list(session.scalars(_admin_statement(filters).options(
        selectinload(Structure.profile_commune))))
    rows = []
    for row in _admin_rows(session, structures):
        s = row.structure
        rows.append([s.id, s.name, s.siret or "", row.territory, " ".join(str(y) for y in row.years),
                     ", ".join(row.categories), row.labelled, row.contact_name, row.contact_email,
                     row.contact_phone, "publié" if row.listed else ("en attente" if s.profile_published
                                                                     else "non"),
                     s.profile_name, s.profile_commune.name if s.profile_commune else "", s.profile_website,
                     "oui" if s.collective_member else "non"])
    return rows
