"""Fixtures of the results (the data itself is built in tests/results/helpers.py)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from budgetcitoyen.accounts.models import User
from budgetcitoyen.editions.models import Edition
from tests.results.helpers import Scenario, make_scenario, set_vote_window, write_result


@pytest.fixture
def scenario(app: Flask, make_edition: Callable[..., Edition], make_user: Callable[..., User]) -> Scenario:
    """The edition (vote open), its four labelled initiatives and five counted ballots."""
    return make_scenario(app, make_edition, make_user)


@pytest.fixture
def published(app: Flask, scenario: Scenario) -> Scenario:
    """The scenario after the vote, with its result published (written by hand)."""
    set_vote_window(app, scenario.edition.id, open_=False)
    write_result(app, scenario, published=True)
    return scenario


@pytest.fixture(autouse=True)
def _no_results_files_left(app: Flask) -> None:
    # The instance folder is shared by the whole session: files of a previous test must not be served.
    for name in ("results", "results-charts"):
        shutil.rmtree(Path(app.instance_path) / name, ignore_errors=True)
