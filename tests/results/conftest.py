"""Fixtures of the results (the data itself is built in tests/results/helpers.py)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask

from budgetcitoyen.accounts.models import Role, User
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.rules import Phase
from tests.results.helpers import Scenario, make_scenario, set_vote_window, write_result


@pytest.fixture
def scenario(app: Flask, make_edition: Callable[..., Edition], make_user: Callable[..., User]) -> Scenario:
    """The edition (vote open), its four labelled initiatives and five counted ballots."""
    return make_scenario(app, make_edition, make_user)


@pytest.fixture
def closed_vote(make_edition: Callable[..., Edition]) -> Edition:
    """An edition whose results phase is open: the vote closed a week ago."""
    return make_edition(open_phase=Phase.RESULTS, catalogue_published=True, envelope=Decimal("10000"))


@pytest.fixture
def admin_user(make_user: Callable[..., User]) -> User:
    return make_user(email="admin@example.org", roles=(Role.ADMIN,))


@pytest.fixture
def published(app: Flask, scenario: Scenario) -> Scenario:
    """The scenario after the vote, with its result published (written by hand)."""
    set_vote_window(app, scenario.edition.id, open_=False)
    write_result(app, scenario, published=True)
    return scenario


@pytest.fixture(autouse=True)
def _no_results_files_left(app: Flask) -> None:
    # The instance folder is shared by the whole session: files of a previous test must not be served.
    shutil.rmtree(Path(app.instance_path) / "results", ignore_errors=True)
