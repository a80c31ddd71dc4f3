"""Fixtures of the follow-up tests (the builders themselves are in tests/conventions/helpers.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from budgetcitoyen.initiatives.models import Initiative
from tests.conventions.helpers import winner_maker


@pytest.fixture
def add_winner(make_initiative: Callable[..., Initiative]) -> Callable[..., int]:
    """add_winner(edition, holder, title=..., status=WINNER, amount=8000) -> an initiative's id."""
    return winner_maker(make_initiative)
