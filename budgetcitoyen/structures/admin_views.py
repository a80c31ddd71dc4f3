"""The ESS service's side of the directory: every labelled structure with the contacts of its latest
dossier, filtered, exported as CSV, and the switch that marks the members of the ambassadors' collective
(journaled)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from budgetcitoyen.clock import now_utc
from budgetcitoyen.csv_export import csv_response
from budgetcitoyen.structures import directory, services
from budgetcitoyen.structures.forms import MembershipForm
from budgetcitoyen.structures.models import Structure
from budgetcitoyen.web import Access, access, current_actor, db, page_number, perform

bp = Blueprint("structures_admin", __name__, url_prefix="/gestion")


@bp.route("/ambassadeurs")
@access(Access.STAFF)
def ambassadors() -> str:
    """Every labelled structure, filtered, with contacts; admins mark the collective's members."""
    filters = directory.admin_filters(request.args)
    listing = directory.admin_page(db(), filters, page_number())
    return render_template("structures/admin_list.html", listing=listing, filters=filters,
                           page=min(page_number(), listing.pages), pages=listing.pages, form=MembershipForm(),
                           pager_args={k: v for k, v in filters.items() if v})


@bp.route("/ambassadeurs.csv")
@access(Access.STAFF)
def ambassadors_csv() -> Any:
    """The filtered list as CSV, contacts included (UTF-8 with BOM, semicolons)."""
    return csv_response("ambassadeurs.csv", directory.ADMIN_HEADER,
                        directory.admin_csv_rows(db(), directory.admin_filters(request.args)))


@bp.route("/ambassadeurs/<int:structure_id>/collectif", methods=["POST"])
@access(Access.ADMIN, load={"structure_id": Structure})
def collective(structure: Structure) -> Any:
    """Mark or unmark the structure as a member of the ambassadors' collective."""
    form = MembershipForm()
    if form.validate_on_submit():
        member = form.member.data == "oui"
        if perform(services.set_collective_member, current_actor(), structure, member, now_utc()).ok:
            flash(f"{structure.display_name} : "
                  f"{'membre du collectif' if member else 'retirée du collectif'}.", "success")
    else:
        flash("Le formulaire a expiré. Envoyez-le à nouveau.", "error")
    back = request.form.get("retour", "")
    # Only a path of this list: never an open redirect.
    return redirect(back if back.startswith("/gestion/ambassadeurs") else url_for(".ambassadors"))
