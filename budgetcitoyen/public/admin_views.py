"""Back-office pages of the editable public texts (/gestion/pages): the list, and one page's text with a
preview rendered by the same sanitiser as the public page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from wtforms import TextAreaField

from budgetcitoyen.clock import now_utc
from budgetcitoyen.forms import BaseForm
from budgetcitoyen.markdown import render as render_markdown
from budgetcitoyen.public import services
from budgetcitoyen.public.models import SitePage
from budgetcitoyen.web import Access, access, current_actor, db, perform

bp = Blueprint("pages_admin", __name__, url_prefix="/gestion/pages")


class PageForm(BaseForm):
    body = TextAreaField(
        "Texte de la page (Markdown)",
        description="Titres de section : « ## Titre » ; gras : **texte** ; liste : « - élément » ; "
                    "lien : [texte](https://…). Le HTML n'est pas interprété.",
    )


def _spec(slug: str) -> services.PageSpec:
    spec = services.PAGES.get(slug)
    if spec is None:
        abort(404)
    return spec


@bp.route("")
@access(Access.ADMIN)
def pages() -> str:
    """The editable pages, with when each was last changed."""
    stored = {page.slug: page for page in db().scalars(select(SitePage))}
    return render_template("public/admin_pages.html", pages=services.PAGES.values(), stored=stored)


@bp.route("/<slug>", methods=["GET", "POST"])
@access(Access.ADMIN)
def page(slug: str) -> Any:
    """Edit one page's text: preview it, then save it (each version goes to the journal)."""
    spec = _spec(slug)
    collectivite = current_app.config["COLLECTIVITE"]
    form = PageForm()
    if request.method == "GET":
        form.body.data = services.text_of(db(), slug, collectivite)
    preview = None
    if form.validate_on_submit():
        top_level = 3 if slug == "accueil" else 2
        if "apercu" in request.form:
            preview = render_markdown(form.body.data or "", top_level=top_level)
        else:
            outcome = perform(services.save_page, current_actor(), slug, form.body.data or "", collectivite,
                              now_utc(), form=form)
            if outcome.ok:
                flash("Texte enregistré." if outcome.value else "Aucune modification.",
                      "success" if outcome.value else "info")
                return redirect(url_for(".page", slug=slug))
    return render_template("public/admin_page.html", spec=spec, form=form, preview=preview,
                           stored=services.stored(db(), slug)), (422 if form.errors else 200)
