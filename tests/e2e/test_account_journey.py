"""Sign-up -> confirmation mail -> log in -> log out, in a real browser, every page checked with axe-core."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import SmtpServer, body_of
from tests.e2e.conftest import assert_accessible

pytestmark = pytest.mark.e2e
PASSWORD = "Mon-Initiative-2026"


def test_signup_confirm_login_logout(page: Page, smtp: SmtpServer, live_server: str) -> None:
    page.goto("/")
    assert_accessible(page)
    page.get_by_role("link", name="Créer un compte").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Créer un compte")
    assert_accessible(page)

    # A mistake first: the error summary is announced and the page stays accessible.
    page.get_by_label("Adresse e-mail").fill("lea@example.org")
    page.get_by_label("Mot de passe", exact=True).fill("court")
    page.get_by_label("Confirmation du mot de passe").fill("court")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("alert")).to_contain_text("au moins 12 caractères")
    expect(page.get_by_label("Adresse e-mail")).to_have_value("lea@example.org")
    assert_accessible(page)

    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_label("Confirmation du mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon compte")
    expect(page.get_by_text("Non confirmée")).to_be_visible()
    assert_accessible(page)

    link = re.search(r"http://\S+", body_of(smtp.last_to("lea@example.org")))
    assert link is not None
    page.goto(link.group(0))
    expect(page.get_by_text("Votre adresse e-mail est confirmée")).to_be_visible()
    expect(page.get_by_text("Confirmée le")).to_be_visible()

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_text("Vous êtes déconnecté.")).to_be_visible()

    page.get_by_role("link", name="Se connecter").click()
    assert_accessible(page)
    page.get_by_label("Adresse e-mail").fill("lea@example.org")
    page.get_by_label("Mot de passe").fill("Pas-le-bon-123")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_contain_text("Adresse e-mail ou mot de passe incorrect")
    assert_accessible(page)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_text("Vous êtes connecté.")).to_be_visible()
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()
