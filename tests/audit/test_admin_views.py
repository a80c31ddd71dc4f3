"""The audit journal page."""

from __future__ import annotations

from collections.abc import Callable

from budgetcitoyen.accounts.models import Role
from tests.editions.helpers import EDITION_FORM
from tests.helpers import post_form, text_of


def test_audit_page_shows_who_and_what(login_as: Callable, make_edition: Callable) -> None:
    admin = login_as(Role.ADMIN, email="admin@example.org")
    edition = make_edition(year=2027)
    post_form(admin, f"/gestion/editions/{edition.id}", {**EDITION_FORM, "envelope": "500000"})
    page = text_of(admin.get("/gestion/journal"))
    assert "admin@example.org" in page and "edition.update" in page and "500000.00" in page
    filtered = text_of(admin.get("/gestion/journal?objet=user"))
    assert "edition.update" not in filtered
