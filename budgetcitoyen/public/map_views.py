"""The public maps of the département as SVG (initiatives per commune, voters per territory), and what the
catalogue and participation pages need to show each map with its data table."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, request, url_for

from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.services import current_edition
from budgetcitoyen.public import catalogue, map_data
from budgetcitoyen.reference import maps
from budgetcitoyen.web import Access, access, db, id_param

bp = Blueprint("maps", __name__)

# Participation moves during the vote: a short life, revalidated with the ETag.
CACHE = "public, max-age=300"


def _svg(body: str) -> Any:
    response = Response(body, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = CACHE
    # Opened on its own, the SVG is a document: nothing may load or run in it.
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    response.add_etag()
    return response.make_conditional(request)


@bp.route("/initiatives/carte.svg")
@access(Access.PUBLIC)
def initiatives_map() -> Any:
    """Labelled initiatives per commune; 404 until the edition's catalogue is published."""
    session = db()
    edition = catalogue.edition_for(session, id_param(request.args.get("edition")))
    if not map_data.catalogue_is_public(edition):
        abort(404)
    assert edition is not None
    body = map_data.initiatives_svg(session, edition)
    if body is None:
        abort(404)
    return _svg(body)


@bp.route("/vote/participation/carte.svg")
@access(Access.PUBLIC)
def participation_map() -> Any:
    """Voters per territory of the current edition; 404 before the vote opens."""
    session = db()
    edition = current_edition(session)
    if not map_data.participation_is_public(edition, now_utc()):
        abort(404)
    assert edition is not None
    body = map_data.participation_svg(session, edition)
    if body is None:
        abort(404)
    return _svg(body)


def _initiatives_block(edition: Edition | None) -> dict[str, Any] | None:
    if not map_data.catalogue_is_public(edition):
        return None
    assert edition is not None
    session = db()
    return {"table": map_data.initiatives_by_commune(session, edition),
            "svg_url": url_for("maps.initiatives_map", edition=edition.year)
            if map_data.has_geometry(session) else None,
            "size": map_data.map_size(maps.COMMUNE_LEGEND_ROWS), "credit": map_data.attribution()}


def _participation_block(edition: Edition | None) -> dict[str, Any] | None:
    if not map_data.participation_is_public(edition, now_utc()):
        return None
    assert edition is not None
    session = db()
    return {"rows": map_data.voters_by_territory(session, edition),
            "svg_url": url_for("maps.participation_map") if map_data.has_geometry(session) else None,
            "size": map_data.map_size(maps.TERRITORY_LEGEND_ROWS), "credit": map_data.attribution()}


@bp.app_context_processor
def map_helpers() -> dict[str, Any]:
    """For the partials public/_initiatives_map.html and voting/_participation_map.html, which the pages
    include with one line (the pages' views need not know about the maps)."""
    return {"initiatives_map_block": _initiatives_block, "participation_map_block": _participation_block}
