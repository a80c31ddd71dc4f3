"""Back-office pages of the reference data (/gestion/territoires): territories and their communes."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for

from budgetcitoyen.clock import now_utc
from budgetcitoyen.reference import forms, services
from budgetcitoyen.reference.models import Territory
from budgetcitoyen.web import Access, access, current_actor, db, or_404, perform

bp = Blueprint("reference_admin", __name__, url_prefix="/gestion/territoires")
NOTHING_CHANGED = ("Aucune modification.", "info")


@bp.route("")
@access(Access.STAFF)
def territories() -> str:
    """The territories with their number of communes."""
    return render_template("reference/admin_territories.html", rows=services.territories_with_counts(db()))


def _territory_page(territory: Territory, form: forms.TerritoryForm) -> Any:
    return render_template("reference/admin_territory.html", territory=territory, communes=territory.communes,
                           form=form), 422 if form.errors else 200


@bp.route("/<code>")
@access(Access.STAFF)
def territory(code: str) -> Any:
    """One territory and its communes; admins can rename it."""
    territory = or_404(services.territory_by_code(db(), code))
    return _territory_page(territory, forms.TerritoryForm(obj=territory))


@bp.route("/<code>", methods=["POST"])
@access(Access.ADMIN)
def territory_rename(code: str) -> Any:
    """Rename a territory (administrators only; the page itself is open to the staff)."""
    territory = or_404(services.territory_by_code(db(), code))
    form = forms.TerritoryForm(obj=territory)
    if form.validate_on_submit():
        outcome = perform(services.rename_territory, current_actor(), territory, form.name.data, now_utc(),
                          form=form)
        if outcome.ok:
            flash(*(("Territoire renommé.", "success") if outcome.value else NOTHING_CHANGED))
            return redirect(url_for(".territory", code=code))
    return _territory_page(territory, form)
