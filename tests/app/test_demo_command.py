"""`seed-demo --phase X` on a database that already holds the demo says it changes nothing (it used to
exit 0 with the usual banner), and `--reset` rebuilds it, in demo mode only (issue #13)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.rules import Phase


def test_another_phase_on_an_existing_demo_is_refused_with_the_way_out(
    app: Flask, make_edition: Callable[..., Edition]
) -> None:
    make_edition(year=2026, open_phase=Phase.VOTE)
    result = app.test_cli_runner().invoke(args=["seed-demo", "--year", "2026", "--phase", "labelling"])
    assert result.exit_code != 0
    assert "existe déjà" in result.output and "Vote des habitants" in result.output
    assert "--reset" in result.output


def test_reset_is_refused_outside_demo_mode(app: Flask, make_edition: Callable[..., Edition]) -> None:
    make_edition(year=2026, open_phase=Phase.VOTE)
    result = app.test_cli_runner().invoke(args=["seed-demo", "--year", "2026", "--phase", "ideas", "--reset"])
    assert result.exit_code != 0 and "mode démonstration" in result.output


def test_reset_rebuilds_the_demo_at_the_phase_asked(tmp_path: Path) -> None:
    """As scripts/demo runs it, in a process and on a database of its own (the rebuild removes the
    database file: never the shared test database): the demo at the vote, another phase refused, then
    rebuilt with --reset; asked again, the rebuilt demo is already at that phase."""
    command = Path(sys.executable).parent / "budgetcitoyen"
    env = {**os.environ, "BUDGETCITOYEN_DATABASE_URL": f"sqlite:///{tmp_path}/demo.sqlite3",
           "BUDGETCITOYEN_INSTANCE_PATH": str(tmp_path), "BUDGETCITOYEN_DEMO_MODE": "true",
           "BUDGETCITOYEN_SECRET_KEY": "test-secret-key-not-for-production"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(command), *args], env=env, capture_output=True, text=True, timeout=300,
                              check=False)

    assert run("db", "upgrade").returncode == 0
    assert run("seed-demo", "--year", "2026").returncode == 0
    refused = run("seed-demo", "--year", "2026", "--phase", "labelling")
    assert refused.returncode != 0 and "--reset" in refused.stderr
    rebuilt = run("seed-demo", "--year", "2026", "--phase", "labelling", "--reset")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "reconstruite" in rebuilt.stdout
    again = run("seed-demo", "--year", "2026", "--phase", "labelling")
    assert again.returncode == 0 and "existe déjà" not in again.stdout + again.stderr


def test_readme_names_the_venv_module_among_the_prerequisites() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    start = readme.split("## Démarrer", 1)[1].split("\n## ", 1)[0]
    assert "python3-venv" in start
