"""Back-office pages of the accounts (/gestion/utilisateurs): search, and the roles of one account."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from budgetcitoyen.accounts import forms, services
from budgetcitoyen.accounts.models import COLLEGE_LABELS, ROLE_LABELS, User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.web import Access, access, current_actor, db, page_number, perform

bp = Blueprint("accounts_admin", __name__, url_prefix="/gestion/utilisateurs")
PAGE_SIZE = 50


@bp.route("")
@access(Access.ADMIN)
def users() -> str:
    """Accounts, searchable by e-mail, filterable by role."""
    query = request.args.get("q", "").strip()[:100]
    role = request.args.get("role", "")
    page = page_number()
    rows, total = services.search_users(db(), query, role, page, PAGE_SIZE)
    return render_template("accounts/admin_users.html", users=rows, q=query, role=role, page=page,
                           total=total, pages=max(1, -(-total // PAGE_SIZE)), role_labels=ROLE_LABELS)


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@access(Access.ADMIN, load={"user_id": User})
def user(user: User) -> Any:
    """One account: its roles and committee seats."""
    form = forms.RolesForm()
    if request.method == "GET":
        form.fill(user.role_set)
    elif form.validate_on_submit():
        outcome = perform(services.set_roles, current_actor(), user, form.chosen(), now_utc(), form=form)
        if outcome.ok:
            if outcome.value:
                flash("Rôles enregistrés.", "success")
            else:
                flash("Aucune modification.", "info")
            return redirect(url_for(".user", user_id=user.id))
    return render_template("accounts/admin_user.html", target=user, form=form, seats=user.committee_seats,
                           college_labels=COLLEGE_LABELS), 422 if form.errors else 200
