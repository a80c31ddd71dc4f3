"""Public pages: home with the current edition's calendar, how it works, legal pages, health check."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import Blueprint, Response, jsonify, render_template
from sqlalchemy import text

from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.dates import calendar_rows
from budgetcitoyen.editions.rules import PHASE_LABELS, current_phase, next_phase
from budgetcitoyen.editions.services import current_edition
from budgetcitoyen.web import Access, access, db, storage

bp = Blueprint("public", __name__)


@bp.route("/")
@access(Access.PUBLIC)
def home() -> str:
    """The current edition, its envelope and calendar."""
    edition = current_edition(db())
    context: dict[str, Any] = {"edition": edition}
    if edition is not None:
        now = now_utc()
        phase = current_phase(edition.windows(), now)
        context.update(
            rows=calendar_rows(edition, now),
            phase_label=PHASE_LABELS[phase] if phase else None,
            upcoming=next_phase(edition.windows(), now),
            phase_labels=PHASE_LABELS,
        )
    return render_template("public/home.html", **context)


@bp.route("/comment-ca-marche")
@access(Access.PUBLIC)
def how_it_works() -> str:
    """The process step by step."""
    edition = current_edition(db())
    return render_template("public/how.html", edition=edition)


@bp.route("/mentions-legales")
@access(Access.PUBLIC)
def legal() -> str:
    """Legal notice."""
    return render_template("public/legal.html")


@bp.route("/donnees-personnelles")
@access(Access.PUBLIC)
def privacy() -> str:
    """Privacy policy (RGPD)."""
    return render_template("public/privacy.html")


@bp.route("/accessibilite")
@access(Access.PUBLIC)
def accessibility() -> str:
    """Accessibility statement (required by RGAA)."""
    return render_template("public/accessibility.html")


@bp.route("/plan-du-site")
@access(Access.PUBLIC)
def sitemap() -> str:
    """Site map (RGAA asks for two ways to find a page)."""
    return render_template("public/sitemap.html")


@bp.route("/healthz")
@access(Access.PUBLIC)
def healthz() -> Response:
    """Liveness and database reachability, with no other work."""
    db().execute(text("SELECT 1"))
    return Response("ok", mimetype="text/plain")


@cache
def _code_revision() -> str:
    from alembic.script import ScriptDirectory

    from budgetcitoyen.migrate import alembic_config

    return str(ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head())


@bp.route("/readyz")
@access(Access.PUBLIC)
def readyz() -> Any:
    """Readiness, for the load balancer: the database answers with the schema this code expects (a server
    started before `budgetcitoyen db upgrade`, or left behind after it, takes no traffic) and the file
    storage answers. 503 with the reasons otherwise; nothing else is said."""
    problems = []
    try:
        revision = db().execute(text("SELECT version_num FROM alembic_version")).scalar()
        if revision != _code_revision():
            problems.append("schema")
    except Exception:  # any failure of the database is a "not ready", never a 500
        db().rollback()
        problems.append("database")
    try:
        storage().exists("results/readyz/probe")
    except Exception:
        problems.append("storage")
    return jsonify(ready=not problems, problems=problems), 503 if problems else 200
