"""Budget citoyen: participatory budgeting for a département's social and solidarity economy envelope."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from budgetcitoyen.clock import configure_zone
from budgetcitoyen.config import PROJECT_ROOT, instance_path_from_env, load_settings


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Assemble the application: settings, database, log-in, CSRF, blueprints, CLI and error pages. Nothing else."""
    templates, static = PROJECT_ROOT / "templates", PROJECT_ROOT / "static"
    if not templates.is_dir():
        # Templates live at the repository's top level: install with `pip install -e .`.
        raise RuntimeError(f"templates not found in {templates}: install the project with `pip install -e .`")
    app = Flask(
        __name__,
        instance_path=instance_path_from_env() if not (config and "INSTANCE_PATH" in config)
        else str(config["INSTANCE_PATH"]),
        template_folder=str(templates),
        static_folder=str(static),
    )
    load_settings(app, config)
    if app.config["TRUSTED_PROXIES"]:
        # Without this, behind nginx every visitor has the proxy's address and the per-address
        # log-in throttle would lock everyone out together.
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    configure_zone(app.config["TIME_ZONE"])

    from budgetcitoyen import db, extensions, filters, pages, web
    from budgetcitoyen.accounts.views import bp as accounts_bp
    from budgetcitoyen.admin.views import bp as admin_bp
    from budgetcitoyen.conventions.views import admin_bp as conventions_admin_bp
    from budgetcitoyen.conventions.views import bp as conventions_bp
    from budgetcitoyen.initiatives.admin_views import bp as initiatives_admin_bp
    from budgetcitoyen.initiatives.catalogue import bp as catalogue_bp
    from budgetcitoyen.initiatives.views import bp as initiatives_bp
    from budgetcitoyen.labelling.admin_views import bp as labelling_admin_bp
    from budgetcitoyen.labelling.views import bp as labelling_bp
    from budgetcitoyen.public.views import bp as public_bp
    from budgetcitoyen.results.admin_views import bp as results_admin_bp
    from budgetcitoyen.results.views import bp as results_bp
    from budgetcitoyen.voting.admin_views import bp as voting_admin_bp
    from budgetcitoyen.voting.views import bp as voting_bp

    # Replaces the default "int" converter before any route is declared.
    app.url_map.converters["int"] = pages.BoundedIntConverter
    db.init_app(app)
    extensions.init_app(app)
    filters.init_app(app)
    app.before_request(web.enforce_access)
    app.register_blueprint(public_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(initiatives_bp)
    app.register_blueprint(initiatives_admin_bp)
    app.register_blueprint(catalogue_bp)
    app.register_blueprint(labelling_bp)
    app.register_blueprint(labelling_admin_bp)
    app.register_blueprint(conventions_bp)
    app.register_blueprint(conventions_admin_bp)
    app.register_blueprint(voting_bp)
    app.register_blueprint(voting_admin_bp)
    app.register_blueprint(results_bp)
    app.register_blueprint(results_admin_bp)
    pages.init_app(app)
    return app
