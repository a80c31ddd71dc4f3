"""Error pages in French: one template for every HTTP error, domain errors and CSRF failures."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

from budgetcitoyen.errors import DomainError

ERROR_TEXTS = {
    400: (
        "Requête incorrecte",
        "La demande n'a pas pu être comprise. Revenez à la page précédente et réessayez.",
    ),
    403: ("Accès refusé", "Vous n'avez pas les droits nécessaires pour afficher cette page."),
    404: ("Page introuvable", "La page demandée n'existe pas ou a été déplacée."),
    405: ("Méthode non autorisée", "Cette adresse ne peut pas être utilisée de cette façon."),
    409: ("Action impossible", "Cette action n'est pas possible dans l'état actuel."),
    413: ("Envoi trop volumineux", "Les données envoyées dépassent la taille autorisée."),
    429: ("Trop de demandes", "Vous avez fait trop de demandes en peu de temps. Patientez quelques minutes."),
    500: (
        "Erreur interne",
        "Une erreur inattendue s'est produite. L'équipe a été prévenue ; réessayez plus tard.",
    ),
}


def render_error(status: int, message: str | None = None) -> tuple[str, int]:
    """An error page in French with the right status."""
    title, default = ERROR_TEXTS.get(status, ERROR_TEXTS[400 if status < 500 else 500])
    return render_template(
        "errors/error.html", status=status, title=title, message=message or default
    ), status


def _discard_pending_work() -> None:
    # A failed flush leaves the session unusable; the error page itself reads the current user,
    # so roll back first or the French error page would crash in turn.
    session = g.get("db_session")
    if session is not None:
        session.rollback()


def init_app(app: Flask) -> None:
    """Register the error handlers."""

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_error(
            400,
            "Le formulaire a expiré ou n'a pas pu être vérifié "
            "(protection contre la falsification de requêtes). "
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
            return Response(
                "Requête incorrecte : nom d'hôte non autorisé.", status=400, mimetype="text/plain"
            )
        return render_error(error.code)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[str, int]:
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        _discard_pending_work()
        return render_error(500)
