"""Error pages, template context and security headers, shared by every blueprint."""

from __future__ import annotations

from typing import Any

import re

from flask import Flask, Response, abort, g, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError
from werkzeug.routing import IntegerConverter

from budgetcitoyen.accounts.permissions import is_admin, is_staff
from budgetcitoyen.errors import DomainError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

ERROR_TEXTS = {
    400: ("Requête incorrecte", "La demande n'a pas pu être comprise. Revenez à la page précédente et réessayez."),
    403: ("Accès refusé", "Vous n'avez pas les droits nécessaires pour afficher cette page."),
    404: ("Page introuvable", "La page demandée n'existe pas ou a été déplacée."),
    405: ("Méthode non autorisée", "Cette adresse ne peut pas être utilisée de cette façon."),
    409: ("Action impossible", "Cette action n'est pas possible dans l'état actuel."),
    413: ("Envoi trop volumineux", "Les données envoyées dépassent la taille autorisée."),
    429: ("Trop de demandes", "Vous avez fait trop de demandes en peu de temps. Patientez quelques minutes."),
    500: ("Erreur interne", "Une erreur inattendue s'est produite. L'équipe a été prévenue ; réessayez plus tard."),
}


def render_error(status: int, message: str | None = None) -> tuple[str, int]:
    """An error page in French with the right status."""
    title, default = ERROR_TEXTS.get(status, ERROR_TEXTS[400 if status < 500 else 500])
    return render_template("errors/error.html", status=status, title=title, message=message or default), status


def _discard_pending_work() -> None:
    # A failed flush leaves the session unusable; the error page itself reads the current user,
    # so roll back first or the French error page would crash in turn.
    session = g.get("db_session")
    if session is not None:
        session.rollback()


def _refuse_control_characters() -> None:
    # NUL and other control characters are never legitimate input; PostgreSQL rejects NUL in text,
    # so they are refused here once rather than failing deep in a query.
    values = [*request.args.values(), *request.form.values(), *(str(v) for v in (request.view_args or {}).values())]
    if any(_CONTROL.search(value) for value in values):
        abort(400)


class BoundedIntConverter(IntegerConverter):
    """Integer URL parts that fit a database integer: larger ones are a 404, not an overflow."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2_147_483_647)
        super().__init__(url_map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Register error handlers, context processors, security headers and the CLI."""
    app.before_request(_refuse_control_characters)

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_error(
            400,
            "Le formulaire a expiré ou n'a pas pu être vérifié (protection contre la falsification de requêtes). "
            "Rechargez la page et envoyez-le à nouveau.",
        )

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError) -> tuple[str, int]:
        _discard_pending_work()
        return render_error(error.status_code, error.message)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Any:
        if error.code is None or error.code < 400:
            return error
        if isinstance(error, SecurityError):
            # An untrusted Host header: no URL can be built for this request, so no templated page.
            return Response("Requête incorrecte : nom d'hôte non autorisé.", status=400, mimetype="text/plain")
        return render_error(error.code)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[str, int]:
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        _discard_pending_work()
        return render_error(500)

    @app.context_processor
    def _context() -> dict[str, Any]:
        roles = current_user.role_set if current_user.is_authenticated else frozenset()
        return {
            "user_on_committee": current_user.is_authenticated and bool(current_user.committee_seats),
            "site_name": app.config["SITE_NAME"],
            "collectivite": app.config["COLLECTIVITE"],
            "demo_mode": app.config["DEMO_MODE"],
            "user_is_admin": is_admin(roles),
            "user_is_staff": is_staff(roles),
        }

    @app.after_request
    def _security_headers(response: Response) -> Response:
        # Every asset is served from static/, so the policy can forbid any other origin.
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.endpoint and request.endpoint != "static" and response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    from budgetcitoyen.cli import register_commands

    register_commands(app)
