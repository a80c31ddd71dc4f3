"""The ambassadors' directory in a browser, at a phone and a desktop width: the directory with its map and
table, a profile, the holder's profile form and the Mission ESS's list have no axe-core violation and no
horizontal overflow at 375 px; the holder publishes the profile through the form."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from budgetcitoyen.accounts.models import Role, User
from budgetcitoyen.editions.models import Edition
from tests.e2e.conftest import assert_accessible, log_in
from tests.structures.helpers import UNLISTED_NAME, make_world

pytestmark = pytest.mark.e2e

WIDTHS = (375, 1280)


def _check(page: Page, heading: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{page.url} overflows by {overflow}px at {width}px"
        assert_accessible(page)


def test_directory_profile_form_and_list(
    page: Page, app: Flask, make_edition: Callable[..., Edition], make_user: Callable[..., User]
) -> None:
    world = make_world(app, make_edition, make_user)
    page.goto("/ambassadeurs")
    section = page.get_by_role("region", name="Les ambassadeurs sur la carte")
    expect(section).to_be_visible()
    image = section.get_by_role("img")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert "tableau" in (image.get_attribute("alt") or "")
    expect(page.locator("#map-table-ambassadeurs tbody tr")).to_have_count(1)
    _check(page, "Les ambassadeurs")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_label("Mot-clé").fill("ressourcerie")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("link", name="Re-Faire").click()
    _check(page, "Re-Faire")
    expect(page.get_by_text("Membre du collectif des ambassadeurs")).to_be_visible()

    # The unlisted structure's holder publishes its profile from their space.
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, world.holders["marais"].email)
    page.goto("/mon-espace")
    page.get_by_role("link", name=f"Gérer le profil de {UNLISTED_NAME}").click()
    _check(page, "Profil d'ambassadeur")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_label("Site web (facultatif)").fill("javascript:alert(1)")
    page.get_by_role("button", name="Enregistrer le profil").click()
    expect(page.get_by_role("alert")).to_contain_text("https://")
    _check(page, "Profil d'ambassadeur")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_label("Site web (facultatif)").fill("https://marais.example.org")
    page.get_by_label("Publier ce profil dans l'annuaire des ambassadeurs").check()
    page.get_by_role("button", name="Enregistrer le profil").click()
    expect(page.get_by_text("Ce profil est publié")).to_be_visible()
    page.get_by_role("link", name="voir la page publique").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(UNLISTED_NAME)

    admin = make_user(email="mission@example.org", roles=(Role.ADMIN,))
    page.context.clear_cookies()
    log_in(page, admin.email)
    page.goto("/gestion/ambassadeurs")
    _check(page, "Ambassadeurs de l'ESS")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name=f"Retirer du collectif : {UNLISTED_NAME}").click()
    expect(page.get_by_text("retirée du collectif")).to_be_visible()
    assert world.listed_id
