"""A second collectivité from configuration alone (issue #16 item 5): the Gironde's demo, built by
`seed-demo --collectivite gironde` and served by an app configured with its profile, walked by a citizen
from the home page to an initiative and the vote page, at 375 and 1280 px, with axe-core on every page.
Its name, territories and colours are the Gironde's; the Pas-de-Calais appears nowhere."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import delete
from werkzeug.serving import make_server

from budgetcitoyen import create_app
from budgetcitoyen.reference.models import Commune, Territory
from tests.conftest import free_port
from tests.e2e.conftest import log_in
from tests.e2e.test_pages_accessibility import PageChecker

pytestmark = pytest.mark.e2e


@pytest.fixture
def gironde_site(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The test database emptied of reference data, the Gironde demo seeded into it by an app configured
    with the Gironde's profile, that app served on loopback (the test's reset restores the database)."""
    monkeypatch.delenv("BUDGETCITOYEN_COLLECTIVITE_PROFILE", raising=False)
    with app.extensions["db_sessionmaker"]() as session:
        session.execute(delete(Commune))
        session.execute(delete(Territory))
        session.commit()
    gironde = create_app({
        "INSTANCE_PATH": str(tmp_path), "TESTING": True, "REQUEST_LOG": False,
        "DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "test-secret-key-not-for-production",
        "SESSION_COOKIE_SECURE": False, "COLLECTIVITE_PROFILE": "gironde",
    })
    seeded = gironde.test_cli_runner().invoke(args=["seed-demo", "--year", "2026", "--phase", "vote"])
    assert seeded.exit_code == 0, seeded.output
    server = make_server("127.0.0.1", free_port(), gironde, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    gironde.extensions["db_engine"].dispose()


@pytest.fixture
def gironde_page(browser: Browser, gironde_site: str) -> Iterator[Page]:
    context = browser.new_context(base_url=gironde_site, locale="fr-FR",
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    opened = context.new_page()
    yield opened
    context.close()


def assert_gironde(page: Page) -> None:
    expect(page.locator(".brand-owner")).to_have_text("Département de la Gironde")
    assert "Pas-de-Calais" not in page.content()
    # The header's colour is the profile's (#7a1f3d), through /theme.css.
    background = page.evaluate(
        "() => getComputedStyle(document.querySelector('.site-header')).backgroundColor")
    assert background == "rgb(122, 31, 61)"


def test_the_second_collectivite_journey_is_accessible(gironde_page: Page) -> None:
    page = gironde_page
    checker = PageChecker(page)
    checker.visit("/", "Budget citoyen")
    assert_gironde(page)
    expect(page.locator("#pied-de-page")).to_contain_text("de la Gironde")

    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Initiatives").click()
    checker.check("Les initiatives citoyennes 2026")
    assert_gironde(page)
    cards = page.locator(".card-title a")
    assert cards.count() >= 20
    title = cards.first.inner_text()
    cards.first.click()
    checker.check(title)
    assert_gironde(page)
    # A commune of the Gironde (INSEE code 33…) in a territory of the Gironde's.
    territories = ("Bassin d'Arcachon", "Blayais", "Bordeaux et sa métropole", "Sud-Gironde", "Médoc",
                   "Libournais")
    assert any(name in page.content() for name in territories)

    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Voter").click()
    checker.check("Voter pour les initiatives citoyennes 2026")
    assert_gironde(page)
    expect(page.get_by_text("Les habitantes et habitants de la Gironde")).to_be_visible()

    checker.visit("/comptoirs")
    expect(page.get_by_text("33120 Arcachon").first).to_be_visible()
    checker.visit("/comment-ca-marche")
    expect(page.get_by_text("habitants de la Gironde").first).to_be_visible()
    expect(page.get_by_text("Bassin d'Arcachon, Blayais").first).to_be_visible()
    checker.finish()


def test_a_voter_of_the_second_collectivite_declares_a_commune_of_its_own(gironde_page: Page) -> None:
    """Eligibility follows the second collectivité's communes: a commune of the Pas-de-Calais is
    unknown « en Gironde », Arcachon is accepted."""
    page = gironde_page
    checker = PageChecker(page)
    log_in(page, "habitant@example.org", "Vote-Septembre-62")
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Voter").click()
    page.get_by_role("link", name="Indiquer mes informations").click()
    checker.check("Mes informations de votant")
    expect(page.get_by_text("habitants de la Gironde")).to_be_visible()
    page.get_by_label("Prénom").fill("Inès")
    page.get_by_label("Nom", exact=True).fill("Darrigade")
    page.get_by_label("Date de naissance").fill("1990-06-21")
    page.get_by_label("Commune de résidence").fill("Arras")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    expect(page.get_by_role("alert")).to_contain_text("Commune de résidence : Commune inconnue en Gironde")
    checker.check()
    page.get_by_label("Commune de résidence").fill("33120 Arcachon")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    expect(page.get_by_text("Vous votez en tant que Inès Darrigade, Arcachon.")).to_be_visible()
    checker.check()
    checker.finish()
