"""The public catalogue of labelled initiatives and its open-data JSON (/initiatives, /api/...)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, render_template, request
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from budgetcitoyen.editions.models import Category, Edition
from budgetcitoyen.editions.services import current_edition
from budgetcitoyen.initiatives.models import Initiative, InitiativeCommune
from budgetcitoyen.initiatives.workflow import STATUS_LABELS, Status, is_public
from budgetcitoyen.labelling import services as labelling_services
from budgetcitoyen.labelling.presenters import radar_response
from budgetcitoyen.labelling.rules import fmt
from budgetcitoyen.reference.lookup import CommuneIndex
from budgetcitoyen.reference.models import Commune, Territory
from budgetcitoyen.web import Access, access, db, external_url, id_param, page_number

bp = Blueprint("catalogue", __name__)
PUBLIC_STATUSES = [s.value for s in Status if is_public(s)]
PAGE_SIZE = 24


def _public(edition: Edition) -> Select[tuple[Initiative]]:
    return select(Initiative).where(Initiative.edition_id == edition.id, Initiative.status.in_(PUBLIC_STATUSES))


def _edition_for(year: int | None) -> Edition | None:
    session = db()
    if year is None:
        return current_edition(session)
    return session.scalar(select(Edition).where(Edition.year == year, Edition.is_published.is_(True)))


@bp.route("/initiatives")
@access(Access.PUBLIC)
def index() -> str:
    """Labelled initiatives, filtered by territory, category, commune and text."""
    session = db()
    edition = _edition_for(id_param(request.args.get("edition")))
    filters = {key: (request.args.get(key) or "").strip()[:100] for key in ("territoire", "categorie", "commune", "q")}
    initiatives: list[Initiative] = []
    total = 0
    page = page_number()
    commune_name = ""
    if edition is not None and edition.catalogue_published:
        stmt = _public(edition)
        if (territory_id := id_param(filters["territoire"])) is not None:
            stmt = stmt.where(Initiative.territory_id == territory_id)
        if (category_id := id_param(filters["categorie"])) is not None:
            stmt = stmt.where(Initiative.category_id == category_id)
        if filters["commune"]:
            codes = CommuneIndex.load(session).candidates(filters["commune"])
            if len(codes) == 1:
                commune = session.get(Commune, next(iter(codes)))
                commune_name = commune.name if commune else ""
            stmt = stmt.where(Initiative.action_communes.any(InitiativeCommune.insee_code.in_(codes))
                              | Initiative.commune_code.in_(codes))
        if filters["q"]:
            # Not the structure name: for individuals and informal collectives it is a person's name.
            stmt = stmt.where(or_(Initiative.title.icontains(filters["q"], autoescape=True),
                                  Initiative.summary.icontains(filters["q"], autoescape=True)))
        total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        initiatives = list(session.scalars(
            stmt.options(selectinload(Initiative.territory), selectinload(Initiative.category))
            .order_by(Initiative.title, Initiative.id).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    territories = session.scalars(select(Territory).order_by(Territory.name)).all()
    categories = session.scalars(select(Category).where(Category.edition_id == edition.id)
                                 .order_by(Category.position)).all() if edition else []
    return render_template("catalogue/index.html", edition=edition, initiatives=initiatives, total=total,
                           filters=filters, territories=territories, categories=categories, labels=STATUS_LABELS,
                           page=page, pages=max(1, -(-total // PAGE_SIZE)), commune_name=commune_name,
                           pager_args={**{k: v for k, v in filters.items() if v},
                                       **({"edition": edition.year} if edition and request.args.get("edition") else {})},
                           communes=[(n, c) for n, c in session.execute(select(Commune.name, Commune.insee_code)
                                                                         .order_by(Commune.name))])


def public_structure_name(initiative: Initiative) -> str | None:
    """The holder structure's name, published only for legal structures: for an individual or an informal
    collective, the "structure name" is in practice a person's name."""
    kind = initiative.structure_type
    if kind is None or not kind.can_receive_grant:
        return None
    return initiative.structure_name or None


def _visible_or_404(initiative_id: int) -> Initiative:
    initiative = db().get(Initiative, initiative_id)
    if (initiative is None or not is_public(initiative.status_enum) or not initiative.edition.is_published
            or not initiative.edition.catalogue_published):
        abort(404)
    return initiative


@bp.route("/initiatives/<int:initiative_id>")
@access(Access.PUBLIC)
def show(initiative_id: int) -> str:
    """One initiative, with a shareable URL and Open Graph tags."""
    initiative = _visible_or_404(initiative_id)
    review = labelling_services.review(db(), initiative)
    return render_template("catalogue/show.html", initiative=initiative, labels=STATUS_LABELS,
                           canonical=external_url("catalogue.show", initiative_id=initiative.id),
                           review=review if review.result.members else None, fmt=fmt,
                           structure_name=public_structure_name(initiative))


@bp.route("/initiatives/<int:initiative_id>/radar.<fmt>")
@access(Access.PUBLIC)
def radar(initiative_id: int, fmt: str) -> Any:
    """The public radar: the committee's aggregate only, never a member's own scores."""
    initiative = _visible_or_404(initiative_id)
    review = labelling_services.review(db(), initiative)
    if not review.result.members:
        abort(404)
    return radar_response(labelling_services.radar_data(review, initiative.title, with_members=False), fmt,
                          public=True)


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


@bp.route("/api/editions/<int:year>/initiatives.json")
@access(Access.PUBLIC)
def open_data(year: int) -> Any:
    """Open data: the labelled initiatives of an edition (no personal data: no contact, no holder)."""
    edition = _edition_for(year)
    if edition is None:
        abort(404)
    rows = []
    if edition.catalogue_published:
        rows = db().scalars(_public(edition).options(
            selectinload(Initiative.territory), selectinload(Initiative.category),
            selectinload(Initiative.structure_type),
            selectinload(Initiative.action_communes).selectinload(InitiativeCommune.commune),
        ).order_by(Initiative.id)).all()
    response = jsonify({
        "edition": edition.year,
        "catalogue_publie": edition.catalogue_published,
        "licence": "Licence Ouverte / Open Licence 2.0",
        "source": external_url("catalogue.index"),
        "initiatives": [_as_open_data(i) for i in rows],
    })
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
