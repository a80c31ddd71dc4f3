"""The public catalogue of labelled initiatives, each one's page and radar, and its open-data JSON."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, jsonify, render_template, request

from budgetcitoyen.clock import now_utc
from budgetcitoyen.initiatives import images, permissions, photos
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import STATUS_LABELS, public_structure_name
from budgetcitoyen.labelling import services as labelling
from budgetcitoyen.labelling.presenters import radar_response
from budgetcitoyen.labelling.rules import fmt as score_format
from budgetcitoyen.public import catalogue
from budgetcitoyen.reference.lookup import commune_datalist
from budgetcitoyen.results.services import results_published
from budgetcitoyen.web import (
    Access,
    access,
    current_actor,
    db,
    external_url,
    id_param,
    or_404,
    page_number,
    send_stored,
)

bp = Blueprint("catalogue", __name__)


@bp.route("/initiatives")
@access(Access.PUBLIC)
def index() -> str:
    """Labelled initiatives, filtered by territory, category, commune and text."""
    session = db()
    edition = catalogue.edition_for(session, id_param(request.args.get("edition")))
    filters = catalogue.catalogue_filters(request.args)
    page = page_number()
    found = catalogue.catalogue_page(session, edition, filters, page)
    pager_args = {k: v for k, v in filters.items() if v}
    if edition and request.args.get("edition"):
        pager_args["edition"] = edition.year
    return render_template("catalogue/index.html", edition=edition, initiatives=found.initiatives,
                           total=found.total, filters=filters, territories=found.territories,
                           categories=found.categories, labels=STATUS_LABELS, page=page, pages=found.pages,
                           commune_name=found.commune_name, pager_args=pager_args,
                           communes=commune_datalist(session),
                           results_year=edition.year if edition and results_published(session, edition.id)
                           else None)


@bp.route("/initiatives/<int:initiative_id>")
@access(Access.PUBLIC)
def show(initiative_id: int) -> str:
    """One initiative, with a shareable URL and Open Graph tags."""
    initiative = or_404(catalogue.visible_initiative(db(), initiative_id))
    review = labelling.review(db(), initiative)
    photo = initiative.photo
    og_image = external_url("catalogue.photo", initiative_id=initiative.id, token=photo.token,
                            width=photo.width_list[-1]) if photo else None
    return render_template("catalogue/show.html", initiative=initiative, labels=STATUS_LABELS,
                           og_image=og_image,
                           canonical=external_url("catalogue.show", initiative_id=initiative.id),
                           review=review if review.result.members else None, fmt=score_format,
                           structure_name=public_structure_name(initiative),
                           vote_open=catalogue.vote_open_for(initiative, now_utc()))


# A published photo may sit a day in browsers and proxies: its URL changes with each replacement, and a
# removed one (someone in it asked) must not linger for long.
PUBLIC_PHOTO_CACHE = "public, max-age=86400"


@bp.route("/initiatives/<int:initiative_id>/photo/<token>-<int:width>.jpg")
@access(Access.PUBLIC)
def photo(initiative_id: int, token: str, width: int) -> Any:
    """One width of an initiative's photo: public once the initiative is, else to its holder and the
    ESS service (the dossier page's preview) and never cached."""
    initiative = or_404(db().get(Initiative, initiative_id))
    stored = initiative.photo
    if stored is None or stored.token != token or width not in stored.width_list:
        abort(404)
    public = catalogue.visible_initiative(db(), initiative_id) is not None
    if not public and not permissions.can_view_dossier(current_actor(), initiative):
        abort(404)
    etag = f"{token}-{width}"
    if public and request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = send_stored(photos.key_of(token, width), mimetype=images.CONTENT_TYPE,
                               download_name=f"initiative-{initiative_id}-{width}{images.EXTENSION}",
                               inline=True)
    response.set_etag(etag)
    response.headers.pop("Expires", None)  # send_file's "expired now" would contradict max-age
    response.headers["Cache-Control"] = PUBLIC_PHOTO_CACHE if public else "private, no-store"
    return response


@bp.route("/initiatives/<int:initiative_id>/radar.<fmt>")
@access(Access.PUBLIC)
def radar(initiative_id: int, fmt: str) -> Any:
    """The public radar: the committee's aggregate only, never a member's own scores."""
    initiative = or_404(catalogue.visible_initiative(db(), initiative_id))
    review = labelling.review(db(), initiative)
    if not review.result.members:
        abort(404)
    return radar_response(labelling.radar_data(review, initiative.title, with_members=False), fmt,
                          public=True)


@bp.route("/api/editions/<int:year>/initiatives.json")
@access(Access.PUBLIC)
def open_data(year: int) -> Any:
    """Open data: the labelled initiatives of an edition (no personal data: no contact, no holder)."""
    edition = or_404(catalogue.edition_for(db(), year))
    response = jsonify(catalogue.open_data(db(), edition))
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
