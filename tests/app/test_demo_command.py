"""`seed-demo --phase X` on a database that already holds the demo says it changes nothing (it used to
exit 0 with the usual banner), and `--reset` rebuilds it, in demo mode only (issue #13)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.rules import Phase, current_phase
from tests.conftest import is_sqlite


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


def test_reset_rebuilds_the_demo_at_the_phase_asked(
    app: Flask, make_edition: Callable[..., Edition], monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    if not is_sqlite(database_url):
        pytest.skip("rebuilding drops the whole schema: checked on the SQLite test database only")
    make_edition(year=2026, open_phase=Phase.VOTE)
    monkeypatch.setitem(app.config, "DEMO_MODE", True)
    result = app.test_cli_runner().invoke(
        args=["seed-demo", "--year", "2026", "--phase", "labelling", "--reset"]
    )
    assert result.exit_code == 0, result.output
    with app.extensions["db_sessionmaker"]() as session:
        edition = session.query(Edition).filter_by(year=2026).one()
        assert current_phase(edition.windows(), now_utc()) is Phase.LABELLING


def test_readme_names_the_venv_module_among_the_prerequisites() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    start = readme.split("## Démarrer", 1)[1].split("\n## ", 1)[0]
    assert "python3-venv" in start
