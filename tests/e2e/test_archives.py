"""The archives in a browser, at a phone and a desktop width (issue #16 item 1): two published editions
side by side, the list with both charts (each followed by the table and described in its text
alternative), each edition's catalogue and results reached from it; no horizontal overflow at 375 px and
no axe-core violation on any of these pages."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from budgetcitoyen.accounts.models import Role, User
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.initiatives.models import Initiative
from tests.e2e.conftest import assert_accessible
from tests.results.test_archives_editions import _published_edition

pytestmark = pytest.mark.e2e

WIDTHS = (375, 1280)


def _no_overflow(page: Page, width: int) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} overflows by {overflow}px at {width}px"


def test_the_archives_of_two_editions_in_a_browser(
    page: Page, app: Flask, make_edition: Callable[..., Edition],
    make_initiative: Callable[..., Initiative], make_user: Callable[..., User],
) -> None:
    admin = make_user(email="archives-admin@example.org", roles=(Role.ADMIN,))
    _published_edition(app, make_edition, make_initiative, admin, 2024, 10000, [4000, 5000, 3000],
                       [[0, 1], [0, 2], [0], [1]])
    _published_edition(app, make_edition, make_initiative, admin, 2025, 20000, [6000, 7000, 9000, 2000],
                       [[3, 1], [2], [2, 0], [1, 3], [3], [3, 2]])
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/resultats")
        expect(page.get_by_role("heading", level=1)).to_have_text("Résultats de toutes les éditions")
        for name in ("Votants par édition", "Montant attribué et enveloppe par édition"):
            image = page.get_by_role("region", name=f"Graphique : {name}").get_by_role("img")
            page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
            assert "tableau" in (image.get_attribute("alt") or "")
        _no_overflow(page, width)
        assert_accessible(page)
        for year in (2024, 2025):
            page.goto("/resultats")
            page.get_by_role("link", name=f"Initiatives {year}").click()
            expect(page.get_by_role("heading", level=1)).to_have_text(f"Les initiatives citoyennes {year}")
            expect(page.get_by_role("link", name=f"Initiative {year} n°0")).to_be_visible()
            expect(page.get_by_role("link", name=f"Initiative {2049 - year} n°0")).to_have_count(0)
            _no_overflow(page, width)
            assert_accessible(page)
            page.get_by_role("link", name=f"Initiative {year} n°0").click()
            expect(page.get_by_role("heading", level=1)).to_have_text(f"Initiative {year} n°0")
            _no_overflow(page, width)
            assert_accessible(page)
            page.get_by_role("link", name=f"Toutes les initiatives {year}").click()
            page.get_by_role("link", name=f"voir les résultats {year}").click()
            expect(page.get_by_role("heading", level=1)).to_have_text(f"Résultats du Budget citoyen {year}")
            _no_overflow(page, width)
            assert_accessible(page)
