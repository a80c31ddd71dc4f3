"""The ambassadors' directory (public: search, filters, map, profiles, open data) and the holder's profile
form in their space. A profile is public only when its holder publishes it and the structure has an
initiative labelled in a published catalogue; otherwise its URL answers 404 like an unknown one."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select

from budgetcitoyen.accounts import services as accounts_services
from budgetcitoyen.accounts.models import User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.forms import select_choices
from budgetcitoyen.public import map_data
from budgetcitoyen.reference import maps
from budgetcitoyen.reference.lookup import commune_datalist
from budgetcitoyen.reference.models import Territory
from budgetcitoyen.structures import directory, permissions, services
from budgetcitoyen.structures.forms import ProfileForm
from budgetcitoyen.structures.models import Structure
from budgetcitoyen.textsearch import alphabetically
from budgetcitoyen.web import Access, access, current_actor, db, or_404, page_number, perform

bp = Blueprint("structures", __name__)
# A deleted account withdraws the profiles it alone published; its data export lists them.
accounts_services.PERSONAL_DATA_ERASERS.append(services.withdraw_profiles_of)
accounts_services.PERSONAL_DATA_EXPORTERS.append(services.export_profiles_of)
CACHE = "public, max-age=300"


@bp.route("/ambassadeurs", endpoint="directory")
@access(Access.PUBLIC)
def directory_page() -> str:
    """The listed ambassadors, searchable, with their map and its table."""
    session = db()
    filters = directory.directory_filters(request.args)
    listing = directory.directory_page(session, filters, page_number())
    block = {"table": directory.by_commune(session),
             "svg_url": url_for(".directory_map") if map_data.has_geometry(session) else None,
             "size": map_data.map_size(maps.COMMUNE_LEGEND_ROWS), "credit": map_data.attribution()}
    return render_template("structures/directory.html", listing=listing, filters=filters,
                           page=min(page_number(), listing.pages), pages=listing.pages, map_block=block,
                           pager_args={k: v for k, v in filters.items() if v})


@bp.route("/ambassadeurs/carte.svg")
@access(Access.PUBLIC)
def directory_map() -> Any:
    """The listed ambassadors per commune, as proportional circles."""
    body = or_404(directory.directory_svg(db()))
    response = Response(body, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = CACHE
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    response.add_etag()
    return response.make_conditional(request)


@bp.route("/ambassadeurs/<int:structure_id>")
@access(Access.PUBLIC)
def profile(structure_id: int) -> str:
    """One ambassador's profile with its initiatives and labels by year; 404 unless listed."""
    session = db()
    structure = or_404(directory.listed_profile(session, structure_id))
    labels = directory.public_labels(session, [structure.id])[structure.id]
    return render_template("structures/profile.html", structure=structure, years=directory.by_year(labels))


@bp.route("/api/ambassadeurs.json")
@access(Access.PUBLIC)
def open_data() -> Any:
    """The listed ambassadors as open data."""
    response = jsonify(directory.open_data(db()))
    response.headers["Cache-Control"] = CACHE
    return response


def may_edit_profile(actor: User | None, structure: Structure) -> bool:
    """A holder of one of its initiatives (the pure predicate decides on the holders' ids)."""
    return permissions.can_edit_profile(actor, directory.holder_ids(db(), structure))


@bp.route("/mon-espace/structures/<int:structure_id>/profil", methods=["GET", "POST"])
@access(Access.AUTHENTICATED, load={"structure_id": Structure}, check=may_edit_profile)
def edit_profile(structure: Structure) -> Any:
    """The holder publishes, edits or withdraws the structure's public profile."""
    session = db()
    eligible = directory.is_ambassador(session, structure)
    form = ProfileForm(obj=None if request.method == "POST" else _defaults(structure))
    form.territory_id.choices = select_choices(
        (t.id, t.name) for t in session.scalars(select(Territory).order_by(*alphabetically(Territory.name))))
    if form.validate_on_submit() and perform(services.save_profile, current_actor(), structure,
                                             form.to_input(), now_utc(), form=form).ok:
        flash("Profil publié dans l'annuaire des ambassadeurs." if structure.profile_published
              else "Profil enregistré ; il n'est pas publié.", "success")
        return redirect(url_for(".edit_profile", structure_id=structure.id))
    listed = directory.listed_profile(session, structure.id) is not None
    return render_template("structures/edit_profile.html", structure=structure, form=form, eligible=eligible,
                           listed=listed, communes=commune_datalist(session)), 200 if not form.errors else 422


class _Defaults:
    """The form's first values: the saved profile, else what the latest dossier says."""

    def __init__(self, structure: Structure, latest: Any) -> None:
        self.published = structure.profile_published
        self.name = structure.profile_name or structure.name
        self.territory_id = structure.profile_territory_id or (latest.territory_id if latest else None)
        commune = structure.profile_commune or (latest.commune if latest else None)
        self.commune = commune.name if commune is not None else ""
        self.description = structure.profile_description
        self.website = structure.profile_website


def _defaults(structure: Structure) -> _Defaults:
    latest = max((link.initiative for link in structure.links), key=lambda i: (i.edition.year, i.id),
                 default=None)
    return _Defaults(structure, latest)


def _holder_block() -> list[dict[str, Any]]:
    actor = current_actor()
    if actor is None:
        return []
    session = db()
    return [{"structure": s, "eligible": directory.is_ambassador(session, s),
             "listed": directory.listed_profile(session, s.id) is not None}
            for s in services.structures_of(session, actor)]


@bp.app_context_processor
def structure_helpers() -> dict[str, Any]:
    """For structures/_holder_section.html, included with one line by the holder's space."""
    return {"holder_structures_block": _holder_block}
