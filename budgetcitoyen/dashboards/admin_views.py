"""The back-office's home page (/gestion/): the current phase and its deadline, what waits for the
ESS service (each a link to where to act), and the editions. The blueprint keeps the name `admin`:
every back-office page links to `admin.dashboard`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from budgetcitoyen.accounts.models import User
from budgetcitoyen.clock import now_utc, to_local
from budgetcitoyen.dashboards.admin_presenters import dashboard as dashboard_page
from budgetcitoyen.editions.services import all_editions, current_edition
from budgetcitoyen.reference.models import Commune, Territory
from budgetcitoyen.web import Access, access, db

bp = Blueprint("admin", __name__, url_prefix="/gestion")


def _count(session: Session, model: Any, *conditions: Any) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


@bp.route("/")
@access(Access.STAFF)
def dashboard() -> str:
    """Entry point of the back-office."""
    session = db()
    counts = {
        "users": _count(session, User, User.deleted_at.is_(None)),
        "communes": _count(session, Commune),
        "territories": _count(session, Territory),
    }
    now = now_utc()
    edition = current_edition(session)
    return render_template("dashboards/admin.html", editions=all_editions(session), counts=counts,
                           edition=edition, **dashboard_page(session, edition, now, to_local(now).date()))
