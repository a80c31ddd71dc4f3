"""Fixtures of the follow-up tests (the builders themselves are in tests/conventions/helpers.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from budgetcitoyen.accounts.models import Role, User
from budgetcitoyen.clock import now_utc, to_local
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.initiatives.models import Initiative
from tests.conventions.helpers import winner_maker


@pytest.fixture
def add_winner(make_initiative: Callable[..., Initiative]) -> Callable[..., int]:
    """add_winner(edition, holder, title=..., status=WINNER, amount=8000) -> an initiative's id."""
    return winner_maker(make_initiative)


@pytest.fixture
def people(make_user: Callable[..., User], make_edition: Callable[..., Edition]) -> dict[str, Any]:
    edition = make_edition(year=to_local(now_utc()).date().year)
    return {
        "edition": edition,
        "admin": make_user(email="admin@example.org", roles=(Role.ADMIN,)),
        "agent": make_user(email="agent@example.org", roles=(Role.AGENT,)),
        "holder": make_user(email="porteuse@example.org"),
        "other": make_user(email="autre@example.org"),
    }
