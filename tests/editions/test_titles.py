"""An edition's title carries its year once (issue #13: « Budget citoyen 2026 (2026) »)."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from budgetcitoyen.accounts.models import Role, User
from budgetcitoyen.editions.models import Edition
from tests.helpers import login, text_of


def test_long_title_names_the_year_once() -> None:
    assert Edition(year=2026, title="Budget citoyen 2026").long_title == "Budget citoyen 2026"
    assert Edition(year=2026, title="Budget citoyen").long_title == "Budget citoyen (2026)"


def test_back_office_headings_do_not_repeat_the_year(
    client: FlaskClient, make_user: Callable[..., User], make_edition: Callable[..., Edition]
) -> None:
    edition = make_edition(year=2026, title="Budget citoyen 2026")
    login(client, make_user(roles=(Role.ADMIN,)).email)
    for url in ("/gestion/vote", f"/gestion/editions/{edition.id}/labellisation",
                "/gestion/editions/2026/repartition"):
        page = text_of(client.get(url))
        assert "Budget citoyen 2026" in page and "(2026)" not in page, url


def test_phase_ends_read_as_the_inclusive_last_day() -> None:
    from datetime import date

    from budgetcitoyen.clock import local_day_bounds
    from budgetcitoyen.templating import last_day

    _, end = local_day_bounds(date(2026, 12, 1), date(2027, 1, 10))
    assert last_day(end) == "10 janvier 2027"  # not « 11/01/2027 00:00 »
