"""Public pages: home with the current edition's calendar, how it works, legal pages, health check."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template
from markupsafe import Markup
from sqlalchemy import text

from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.services import current_edition
from budgetcitoyen.markdown import render as render_markdown
from budgetcitoyen.public import presenters, services
from budgetcitoyen.web import Access, access, db, storage

bp = Blueprint("public", __name__)


def page_text(slug: str, top_level: int = 2) -> Markup:
    """An editable page's current text, sanitised (whatever the ESS service typed)."""
    body = services.text_of(db(), slug, current_app.config["COLLECTIVITE"])
    return render_markdown(body, top_level=top_level)


def _campaign() -> dict[str, Any]:
    edition = current_edition(db())
    context: dict[str, Any] = {"edition": edition}
    if edition is not None:
        context.update(presenters.campaign_now(db(), edition, now_utc()))
    return context


@bp.route("/")
@access(Access.PUBLIC)
def home() -> str:
    """The current edition: what to do now, its envelope and calendar, the ways to take part."""
    return render_template("public/home.html", intro=page_text("accueil", top_level=3), **_campaign())


@bp.route("/comment-ca-marche")
@access(Access.PUBLIC)
def how_it_works() -> str:
    """The process step by step, with this edition's dates and settings."""
    return render_template("public/how.html", body=page_text("comment-ca-marche"), **_campaign())


@bp.route("/questions-frequentes")
@access(Access.PUBLIC)
def faq() -> str:
    """Frequently asked questions."""
    return render_template("public/page.html", title="Questions fréquentes",
                           body=page_text("questions-frequentes"))


@bp.route("/mentions-legales")
@access(Access.PUBLIC)
def legal() -> str:
    """Legal notice."""
    return render_template("public/page.html", title="Mentions légales", body=page_text("mentions-legales"))


@bp.route("/donnees-personnelles")
@access(Access.PUBLIC)
def privacy() -> str:
    """Privacy policy (RGPD)."""
    return render_template("public/page.html", title="Données personnelles",
                           body=page_text("donnees-personnelles"))


@bp.route("/accessibilite")
@access(Access.PUBLIC)
def accessibility() -> str:
    """Accessibility statement (required by RGAA)."""
    return render_template("public/page.html", title="Accessibilité", heading="Déclaration d'accessibilité",
                           body=page_text("accessibilite"))


@bp.route("/plan-du-site")
@access(Access.PUBLIC)
def sitemap() -> str:
    """Site map (RGAA asks for two ways to find a page)."""
    edition = current_edition(db())
    return render_template("public/sitemap.html", edition=edition)


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
