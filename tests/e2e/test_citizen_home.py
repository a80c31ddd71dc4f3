"""The citizen's way in, in a real browser at a phone width (375 px) and a desktop width (1280 px):
no public page scrolls sideways on a phone, the home page leads to the ballot in one tap through its
call to action (with JavaScript and without), and the compact menu works without JavaScript.

Page heights and overflow widths are written to test-results/citizen-home/figures.json with one
screenshot per page and width, so a change of layout shows up in the artefacts."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from budgetcitoyen.accounts.models import Role, User
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.initiatives.models import Initiative
from tests.e2e.conftest import log_in
from tests.e2e.test_pages_accessibility import PageChecker
from tests.e2e.test_vote_journey import ScriptsOff, put_on_ballot

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 800}
DESKTOP = {"width": 1280, "height": 900}
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-results" / "citizen-home"
PUBLIC_PAGES = [
    "/",
    "/comment-ca-marche",
    "/mentions-legales",
    "/donnees-personnelles",
    "/accessibilite",
    "/plan-du-site",
    "/initiatives",
    "{initiative}",
    "/comptoirs",
    "/vote",
    "/vote/participation",
    "/vote/recu",
    "/resultats/2026",
    "/inscription",
    "/connexion",
    "/mot-de-passe-oublie",
    "/confirmation/renvoyer",
]


def measure(page: Page) -> dict[str, int]:
    """The document's full height and how far it spreads past the viewport's width."""
    return dict(page.evaluate(
        "() => ({height: document.documentElement.scrollHeight,"
        " scrollWidth: document.documentElement.scrollWidth,"
        " viewport: document.documentElement.clientWidth})"
    ))


def record(figures: dict[str, Any], label: str, page: Page, width: int) -> dict[str, int]:
    """Measure the page, keep a full-page screenshot in the artefacts, remember the figures."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    name = label.strip("/").replace("/", "_") or "accueil"
    shot = f"{name}-{width}.png"
    page.screenshot(path=str(ARTEFACTS / shot), full_page=True)
    figures[f"{label} @{width}"] = {**measure(page), "screenshot": shot}
    return figures[f"{label} @{width}"]


@pytest.fixture
def vote_open(
    app: Flask,
    make_user: Callable[..., User],
    make_edition: Callable[..., Edition],
    make_initiative: Callable[..., Initiative],
) -> dict[str, int]:
    edition = make_edition(year=2026, open_phase=Phase.VOTE, catalogue_published=True)
    return put_on_ballot(app, edition, make_user, make_initiative)


def test_no_public_page_scrolls_sideways_on_a_phone(page: Page, vote_open: dict[str, int]) -> None:
    figures: dict[str, Any] = {}
    too_wide = []
    first = next(iter(vote_open.values()))
    for path in PUBLIC_PAGES:
        path = path.format(initiative=f"/initiatives/{first}")
        for viewport in (PHONE, DESKTOP):
            page.set_viewport_size(viewport)
            response = page.goto(path)
            assert response is not None and response.status == 200, path
            seen = record(figures, path, page, viewport["width"])
            if seen["scrollWidth"] > seen["viewport"]:
                too_wide.append(f"{path} at {viewport['width']} px: {seen['scrollWidth']} px wide")
    (ARTEFACTS / "figures.json").write_text(json.dumps(figures, indent=1, ensure_ascii=False))
    assert too_wide == []


@pytest.mark.parametrize("scripts", ["on", "off"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375", "1280"])
def test_home_to_ballot_in_one_tap(
    page: Page,
    vote_open: dict[str, int],
    make_user: Callable[..., User],
    viewport: dict[str, int],
    scripts: str,
) -> None:
    """From the home page, the call to action opens the ballot; three choices later the vote is counted."""
    page.set_viewport_size(viewport)
    log_in(page, make_user().email)
    off = ScriptsOff(page) if scripts == "off" else None
    page.goto("/")
    action = page.locator(".call-to-action").get_by_role("link", name="Voter")
    # On a phone the call to action is on the first screen, no scrolling needed.
    box = action.bounding_box()
    assert box is not None and box["y"] + box["height"] <= viewport["height"], box
    action.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Voter pour les initiatives citoyennes 2026")
    page.get_by_role("link", name="Indiquer mes informations").click()
    page.get_by_label("Prénom").fill("Camille")
    page.get_by_label("Nom", exact=True).fill("Martin")
    page.get_by_label("Date de naissance").fill("1990-05-04")
    page.get_by_label("Commune de résidence").fill("Arras")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    expect(page.get_by_role("group", name="Mon bulletin")).to_be_visible()
    for title in list(vote_open)[:3]:
        page.get_by_label(title).check()
    page.get_by_role("button", name="Valider mon vote").click()
    page.get_by_role("button", name="Confirmer mon vote").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon reçu de vote")
    if off is not None:
        assert page.evaluate("() => document.scripts.length") == 0


@pytest.mark.parametrize("scripts", ["on", "off"])
def test_phone_menu_folds_and_opens(page: Page, vote_open: dict[str, int], scripts: str) -> None:
    page.set_viewport_size(PHONE)
    off = ScriptsOff(page) if scripts == "off" else None
    page.goto("/")
    menu = page.get_by_role("navigation", name="Menu principal")
    header = page.locator(".site-header").bounding_box()
    assert header is not None and header["height"] < 90, header  # one row, not four
    expect(menu.get_by_role("link", name="Comptoirs")).to_be_hidden()
    menu.locator("summary").click()
    expect(menu.get_by_role("link", name="Comptoirs")).to_be_visible()
    menu.get_by_role("link", name="Initiatives").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("initiatives citoyennes")
    if off is not None:
        off.assert_accessible()
    page.set_viewport_size(DESKTOP)
    page.goto("/")
    wide_menu = page.get_by_role("navigation", name="Menu principal")
    expect(wide_menu.get_by_role("link", name="Comptoirs")).to_be_visible()


def test_new_page_states_are_accessible(
    page: Page,
    app: Flask,
    make_user: Callable[..., User],
    make_edition: Callable[..., Edition],
) -> None:
    """Home in every phase, the phone menu opened, the FAQ, and the back-office of the editable pages
    (list, form, preview, error), each at 1280 and 375 px with axe-core."""
    checker = PageChecker(page)
    for phase in Phase:
        with app.extensions["db_sessionmaker"]() as session:
            for edition in session.query(Edition).all():
                session.delete(edition)
            session.commit()
        make_edition(year=2026, open_phase=phase, catalogue_published=phase is not Phase.IDEAS)
        checker.visit("/", "Budget citoyen")
        checker.visit("/comment-ca-marche", "Comment ça marche")
    page.goto("/")
    page.set_viewport_size(PHONE)
    page.locator("nav summary").click()
    checker.check("Budget citoyen")
    checker.visit("/questions-frequentes", "Questions fréquentes")
    checker.visit("/plan-du-site", "Plan du site")

    log_in(page, make_user(roles=(Role.ADMIN,)).email)
    checker.visit("/gestion/pages", "Pages du site")
    checker.visit("/gestion/pages/comment-ca-marche", "Texte : Comment ça marche")
    page.get_by_label("Texte de la page (Markdown)").fill("## Nouveau\n\nUn **texte** et [un lien](https://example.org).")
    page.get_by_role("button", name="Aperçu").click()
    expect(page.get_by_role("heading", name="Aperçu (non enregistré)")).to_be_visible()
    checker.check("Texte : Comment ça marche")
    page.get_by_label("Texte de la page (Markdown)").fill("   ")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("alert")).to_contain_text("ne peut pas être vide")
    checker.check("Texte : Comment ça marche")
    page.get_by_label("Texte de la page (Markdown)").fill("## Nouveau\n\nUn texte revu.")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Texte enregistré.")).to_be_visible()
    checker.visit("/comment-ca-marche", "Comment ça marche")
    expect(page.get_by_role("heading", name="Nouveau")).to_be_visible()
    checker.finish()
