"""Budget citoyen: participatory budgeting for a département's social and solidarity economy envelope."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from budgetcitoyen.clock import configure_zone
from budgetcitoyen.config import PROJECT_ROOT, instance_path_from_env, load_settings

# Every module that serves pages, one blueprint each (`bp`, or the one named after a colon), domain by domain.
VIEW_MODULES = (
    "budgetcitoyen.public.views",
    "budgetcitoyen.accounts.views",
    "budgetcitoyen.admin.views",
    "budgetcitoyen.mail.admin_views",
    "budgetcitoyen.initiatives.views",
    "budgetcitoyen.initiatives.admin_views",
    "budgetcitoyen.initiatives.catalogue",
    "budgetcitoyen.labelling.views",
    "budgetcitoyen.labelling.admin_views",
    "budgetcitoyen.conventions.views",
    "budgetcitoyen.conventions.views:admin_bp",
    "budgetcitoyen.voting.views",
    "budgetcitoyen.voting.admin_views",
    "budgetcitoyen.results.views",
    "budgetcitoyen.results.admin_views",
)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Assemble the application (settings, database, log-in, CSRF, blueprints, CLI, errors); nothing else."""
    templates, static = PROJECT_ROOT / "templates", PROJECT_ROOT / "static"
    if not templates.is_dir():
        # Templates live at the repository's top level: install with `pip install -e .`.
        raise RuntimeError(f"templates not found in {templates}: install the project with `pip install -e .`")
    app = Flask(
        __name__,
        instance_path=instance_path_from_env()
        if not (config and "INSTANCE_PATH" in config)
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

    from budgetcitoyen import cli, db, error_pages, extensions, security, templating
    from budgetcitoyen.mail.delivery import install_commit_hook

    security.init_url_converters(app)
    db.init_app(app)
    install_commit_hook()
    extensions.init_app(app)
    templating.init_app(app)
    security.init_app(app)
    error_pages.init_app(app)
    for entry in VIEW_MODULES:
        module_name, _, attribute = entry.partition(":")
        app.register_blueprint(getattr(importlib.import_module(module_name), attribute or "bp"))
    cli.register_commands(app)
    return app
