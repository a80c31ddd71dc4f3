"""Budget citoyen: participatory budgeting for a département's social and solidarity economy envelope."""

from __future__ import annotations

import sys

# Not `from typing import TYPE_CHECKING`: `budgetcitoyen allocate` starts here and imports neither typing
# nor importlib (see allocation/records.py for why its start is kept lean).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from flask import Flask

# Every module that serves pages, one blueprint each (`bp`, or the one named after a colon), domain by domain.
VIEW_MODULES = (
    "budgetcitoyen.public.views",
    "budgetcitoyen.public.catalogue_views",
    "budgetcitoyen.public.map_views",
    "budgetcitoyen.public.admin_views",
    "budgetcitoyen.dashboards.admin_views",
    "budgetcitoyen.mail.admin_views",
    "budgetcitoyen.audit.admin_views",
    "budgetcitoyen.reference.admin_views",
    "budgetcitoyen.accounts.views",
    "budgetcitoyen.accounts.admin_views",
    "budgetcitoyen.editions.admin_views",
    "budgetcitoyen.initiatives.views",
    "budgetcitoyen.initiatives.admin_views",
    "budgetcitoyen.labelling.views",
    "budgetcitoyen.labelling.admin_views",
    "budgetcitoyen.labelling.questionnaire_views",
    "budgetcitoyen.labelling.decision_views",
    "budgetcitoyen.conventions.views",
    "budgetcitoyen.conventions.admin_views",
    "budgetcitoyen.voting.views",
    "budgetcitoyen.voting.admin_views",
    "budgetcitoyen.voting.franceconnect_views",
    "budgetcitoyen.results.views",
    "budgetcitoyen.results.simulator_views",
    "budgetcitoyen.results.admin_views",
    "budgetcitoyen.structures.views",
    "budgetcitoyen.structures.admin_views",
    "budgetcitoyen.impact.views",
    "budgetcitoyen.impact.admin_views",
    "budgetcitoyen.dashboards.views",
    "budgetcitoyen.metrics.views",
)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Assemble the application (settings, database, log-in, CSRF, blueprints, CLI, errors); nothing else."""
    # Imported here, not at the top: `import budgetcitoyen` stays light for `budgetcitoyen allocate`.
    import importlib

    from flask import Flask
    from werkzeug.middleware.proxy_fix import ProxyFix

    from budgetcitoyen.clock import configure_zone
    from budgetcitoyen.config import PROJECT_ROOT, instance_path_from_env, load_settings

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

    from budgetcitoyen import cli, db, error_pages, extensions, request_log, security, storage, templating
    from budgetcitoyen.mail.delivery import install_commit_hook
    from budgetcitoyen.metrics import collectors as metrics

    # Every domain's models, and with them the listener that links each filed dossier to its structure
    # (structures/linking.py): no view imports it, and without it the web server, the worker and
    # seed-demo would file dossiers that no structure, hence no ambassador, ever knows of.
    importlib.import_module("budgetcitoyen.models")

    security.init_url_converters(app)
    request_log.init_app(app)  # first: its clock starts before the other hooks run
    metrics.init_app(app)
    db.init_app(app)
    storage.init_app(app)
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


def main() -> None:
    """The `budgetcitoyen` command as bin/budgetcitoyen runs it: `console()`, and for `allocate` an exit that
    skips the interpreter's clean-up once the answer is written.

    `allocate` is a process a person starts for one file: tearing down every module and object at exit
    (numpy's thousands of them) cost ~10 ms of a ~120 ms run on Świecie 2023, ~2 ms of a greedy one, and
    it leaves nothing to close (no file written, no connection, no thread). The output streams are flushed
    first. The Flask commands exit normally: they may hold connections and workers that must be closed.
    """
    if sys.argv[1:2] != ["allocate"]:
        console()
        return
    try:
        console()
        status = 0
    except SystemExit as done:
        if done.code is None or isinstance(done.code, int):
            status = done.code or 0
        else:  # as Python itself does with sys.exit("message")
            if sys.stderr is not None:
                sys.stderr.write(f"{done.code}\n")
            status = 1
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # started with that stream closed (`2>&-`): nothing to flush
            continue
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that went away, a closed stream: 1, where Python says 120
            status = status or 1
    import os

    os._exit(status)


def console() -> None:
    """The `budgetcitoyen` command. `allocate` needs neither the application nor Flask: it runs before the
    Flask command group is imported, so that it starts fast; everything else goes to that group (cli.py)."""
    if sys.argv[1:2] == ["allocate"]:
        import gc
        import os

        # One process, one file, then exit: the cyclic garbage collector would only walk the objects
        # numpy's import and the rule create (about forty passes, ~4 ms on Świecie 2023) to find next to
        # no cycles; what little cyclic garbage there is goes when the process ends.
        gc.disable()

        # One process, one rule: OpenBLAS's thread pool (numpy, for equal shares) costs more to start
        # (~50 ms of CPU) than it could ever save here. A value set by the person is kept.
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
        from budgetcitoyen.allocation.run_command import quick_main

        quick_main(sys.argv[2:])  # exits, unless the command line is one for click to read
        from budgetcitoyen.allocation.commands import allocate_command

        allocate_command.main(sys.argv[2:], prog_name="budgetcitoyen allocate")
    else:
        from budgetcitoyen.cli import main

        main()
