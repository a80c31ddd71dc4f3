"""Error pages, template context and security headers, shared by every blueprint."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from budgetcitoyen.accounts.permissions import is_admin, is_staff
from budgetcitoyen.errors import DomainError

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


def init_app(app: Flask) -> None:
    """Register error handlers, context processors, security headers and the CLI."""

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_error(
            400,
            "Le formulaire a expiré ou n'a pas pu être vérifié (protection contre la falsification de requêtes). "
            "Rechargez la page et envoyez-le à nouveau.",
        )

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError) -> tuple[str, int]:
        return render_error(error.status_code, error.message)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Any:
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[str, int]:
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500)

    @app.context_processor
    def _context() -> dict[str, Any]:
        roles = current_user.role_set if current_user.is_authenticated else frozenset()
        return {
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
