"""In a real browser: « S'identifier avec FranceConnect », authenticate at the provider (a real OpenID
Connect provider, tests/oidc), come back verified, give the commune, vote. Pages checked with axe-core."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import Status
from tests.e2e.conftest import assert_accessible
from tests.oidc.fixtures import PASSWORD, OidcProvider

pytestmark = pytest.mark.e2e


@pytest.fixture
def oidc_live(app: Flask, live_server: str, oidc_provider_factory: Callable[..., OidcProvider],
              monkeypatch: pytest.MonkeyPatch) -> Iterator[OidcProvider]:
    provider = oidc_provider_factory([f"{live_server}/franceconnect/retour"], f"{live_server}/")
    for key, value in provider.settings(OIDC_ACR_VALUES="eidas1").items():
        monkeypatch.setitem(app.config, key, value)
    yield provider


def test_verified_with_franceconnect_then_vote(
    page: Page, live_server: str, oidc_live: OidcProvider, make_edition: Callable[..., Edition],
    make_initiative: Callable[..., Initiative],
) -> None:
    edition = make_edition(open_phase=Phase.VOTE, catalogue_published=True)
    on_ballot = [make_initiative(edition, status=Status.LABELLED, title=title, territory="arrageois",
                                 amount_asked=4500)
                 for title in ("Ressourcerie d'Arras", "Jardin partagé d'Achicourt", "Atelier vélo d'Arras")]
    page.goto("/connexion")
    assert_accessible(page)
    page.goto("/vote/identite")  # not signed in: the log-in page again, then the provider's button
    page.get_by_role("link", name="S'identifier avec FranceConnect").click()
    # At the provider: its own log-in page.
    page.get_by_label("Identifiant").fill("camille")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_text("Votre identité est vérifiée. Indiquez maintenant")).to_be_visible()
    expect(page.get_by_text("Camille Marie")).to_be_visible()
    assert page.get_by_label("Prénom").count() == 0  # names come from the provider
    assert_accessible(page)
    page.set_viewport_size({"width": 375, "height": 800})
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_label("Commune de résidence").fill("Arras")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    expect(page.get_by_text("Vous votez en tant que Camille DUFOUR, Arras.")).to_be_visible()
    for initiative in on_ballot[:3]:
        page.get_by_label(initiative.title).check()
    page.get_by_role("button", name="Valider mon vote").click()
    expect(page.get_by_text("Votre vote est enregistré.")).to_be_visible()
    # Logging out also ends the session at the provider (RP-initiated logout).
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(f"{oidc_live.issuer}/session/end**")
    page.get_by_role("button", name="Oui, me déconnecter").click()
    page.wait_for_url(f"{live_server}/?state=*")
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()
