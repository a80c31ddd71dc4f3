"""The conventions page before any result: no claim that « every winner has its convention »; the
initiative is « lauréate » everywhere (issue #13)."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from budgetcitoyen.accounts.models import Role, User
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.initiatives.rules import STATUS_LABELS, Status
from tests.helpers import login, text_of


def test_no_winner_yet_is_said_so(
    client: FlaskClient, make_user: Callable[..., User], make_edition: Callable[..., Edition]
) -> None:
    make_edition(year=2026, open_phase=Phase.VOTE)
    login(client, make_user(roles=(Role.ADMIN,)).email)
    page = text_of(client.get("/gestion/conventions"))
    assert "a sa convention" not in page
    assert "Aucune initiative lauréate pour l'instant" in page


def test_winner_label_is_feminine() -> None:
    assert STATUS_LABELS[Status.WINNER] == "Lauréate"
