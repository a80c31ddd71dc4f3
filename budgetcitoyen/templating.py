"""Templates: the Jinja filters (French formatting, safe linking) and what every page knows (site, roles)."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Any

from flask import Flask, Response, abort, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape

from budgetcitoyen.accounts.models import Role
from budgetcitoyen.accounts.permissions import is_admin, is_staff
from budgetcitoyen.clock import to_local
from budgetcitoyen.colours import THEME, theme_css
from budgetcitoyen.config import naming
from budgetcitoyen.editions.dates import INSTANT
from budgetcitoyen.french import date_time, euros, file_size, long_date, number, percent, short_date
from budgetcitoyen.markdown import render as render_markdown
from budgetcitoyen.textsearch import alphabetical
from budgetcitoyen.web import Access, access

URL = re.compile(r"https?://[^\s<>\"]+")


def linkify(text: str) -> Markup:
    """Escape plain text, then turn its URLs into links (used to show demo mails)."""
    escaped = str(escape(text))
    return Markup(URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped))


class _OnCommittee:
    """Whether the signed-in account sits on a committee, looked up when a template tests it."""

    def __bool__(self) -> bool:
        return bool(current_user.is_authenticated and current_user.committee_seats)


def last_day(end: datetime | None) -> str:
    """The last day of a phase, inclusive, from its end (exclusive, at midnight after that day): people
    read « jusqu'au 10 janvier 2027 inclus », never « au 11/01/2027 00:00 »."""
    if end is None:
        return "—"
    return long_date((to_local(end) - INSTANT).date())


def _logo_url(app: Flask) -> str | None:
    logo = app.config["COLLECTIVITE_LOGO"]
    if not logo:
        return None
    if logo.startswith("static:"):
        return url_for("static", filename=logo.removeprefix("static:"))
    return url_for("collectivite_logo")


def _register_theme(app: Flask) -> None:
    """/theme.css (the configured colours) and /logo (a logo kept in the shared storage)."""
    css = theme_css({key: app.config[key] for key in THEME})
    etag = hashlib.sha256(css.encode()).hexdigest()[:16]  # the same on every server

    @access(Access.PUBLIC)
    def theme() -> Response:
        response = Response(css, mimetype="text/css")
        response.set_etag(etag)
        response.cache_control.public = True
        response.cache_control.max_age = 3600
        return response.make_conditional(request)

    @access(Access.PUBLIC)
    def logo() -> Response:
        configured = app.config["COLLECTIVITE_LOGO"] or ""
        if not configured.startswith("storage:"):
            abort(404)
        key = configured.removeprefix("storage:")
        storage = app.extensions["storage"]
        if not storage.exists(key):
            abort(404)
        mimetype = {"svg": "image/svg+xml", "png": "image/png", "jpg": "image/jpeg",
                    "jpeg": "image/jpeg", "webp": "image/webp"}.get(key.rsplit(".", 1)[-1].lower())
        if mimetype is None:
            abort(404)
        response = Response(storage.read(key), mimetype=mimetype)
        response.cache_control.public = True
        response.cache_control.max_age = 3600
        # An SVG opened on its own must not run scripts in the site's origin.
        response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
        return response

    app.add_url_rule("/theme.css", "theme_css", theme)
    app.add_url_rule("/logo", "collectivite_logo", logo)


def init_app(app: Flask) -> None:
    """Register the filters and the context every page gets."""
    app.jinja_env.filters.update(
        euros=euros,
        long_date=long_date,
        short_date=short_date,
        date_time=date_time,
        number=number,
        percent=percent,
        file_size=file_size,
        linkify=linkify,
        markdown=render_markdown,
        last_day=last_day,
        # Names in the order readers expect (« Économie » among the E): Jinja's `sort` orders bytes.
        alphabetical=lambda names: sorted(names, key=alphabetical),
    )

    _register_theme(app)

    org = naming(app.config)

    @app.context_processor
    def _context() -> dict[str, Any]:
        roles = current_user.role_set if current_user.is_authenticated else frozenset()
        return {
            # Asked only by a page that shows the menu: a mail rendered on the way to a redirect (a
            # ballot's receipt) does not look up committee seats.
            "user_on_committee": _OnCommittee(),
            "site_name": app.config["SITE_NAME"],
            "collectivite": app.config["COLLECTIVITE"],
            "collectivite_short": app.config["COLLECTIVITE_SHORT"],
            "collectivite_of": app.config["COLLECTIVITE_OF"],
            "collectivite_in": app.config["COLLECTIVITE_IN"],
            "collectivite_logo": _logo_url(app),
            # « le Département », « au Département », « la direction de l'ESS »: org.le, org.au,
            # org.service.le (budgetcitoyen.french.Naming)
            "org": org,
            "demo_mode": app.config["DEMO_MODE"],
            "user_is_admin": is_admin(roles),
            "user_is_staff": is_staff(roles),
            # A holder's space means nothing to a voter who never proposed anything.
            "user_is_holder": Role.HOLDER in roles,
        }
