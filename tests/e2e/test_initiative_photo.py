"""An initiative's photo in a real browser (375 and 1280 px, axe-core on every state): the holder's photo
form refuses a disguised file with its reason, then takes a PNG and previews it; the public page shows the
photo at the width the screen needs (srcset), with its place reserved (width/height), then what the
initiative does, for whom, where and who carries it, and leads to the ballot while the vote is open."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from budgetcitoyen.accounts.models import User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.initiatives import images, photos
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import Status
from tests.e2e.conftest import log_in
from tests.e2e.test_pages_accessibility import DESKTOP, PHONE, PageChecker
from tests.initiatives.test_images import encode, picture

pytestmark = pytest.mark.e2e

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-results" / "initiative-photo"
ALT = "Trois bénévoles réparent un vélo devant l'atelier"
IMG_STATE = """(img) => ({loaded: img.complete && img.naturalWidth > 0, src: img.currentSrc,
                          width: img.getBoundingClientRect().width,
                          height: img.getBoundingClientRect().height})"""


def test_the_holder_adds_a_photo_and_a_disguised_file_is_refused(
    page: Page, make_user: Callable[..., User], make_edition: Callable[..., Edition],
    make_initiative: Callable[..., Initiative]
) -> None:
    holder = make_user()
    initiative = make_initiative(make_edition(open_phase=Phase.DOSSIERS), status=Status.DRAFT, holder=holder,
                                 title="Atelier vélo participatif")
    log_in(page, holder.email)
    checker = PageChecker(page)
    checker.visit(f"/dossiers/{initiative.id}", "Atelier vélo participatif")

    page.get_by_label("Photo (JPEG ou PNG, 10 Mo au plus)").set_input_files(
        {"name": "photo.jpg", "mimeType": "image/jpeg",
         "buffer": b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"})
    page.get_by_label("Description de la photo (texte alternatif)").fill(ALT)
    page.get_by_role("button", name="Ajouter la photo").click()
    expect(page.get_by_role("alert")).to_contain_text("pas une photo JPEG ou PNG lisible")
    expect(page.get_by_label("Photo (JPEG ou PNG, 10 Mo au plus)")).to_have_attribute("aria-invalid", "true")
    checker.check()

    page.get_by_label("Photo (JPEG ou PNG, 10 Mo au plus)").set_input_files(
        {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": encode(picture(1200, 800), "PNG")})
    page.get_by_label("Description de la photo (texte alternatif)").fill(ALT)
    page.get_by_role("button", name="Ajouter la photo").click()
    expect(page.get_by_text("Photo enregistrée.")).to_be_visible()
    preview = page.get_by_role("img", name=ALT)
    expect(preview).to_be_visible()
    assert preview.evaluate(IMG_STATE)["loaded"]
    expect(page.get_by_role("button", name="Remplacer la photo")).to_be_visible()
    checker.check()
    checker.finish()


def _public_initiative_with_photo(app: Flask, make_edition: Callable[..., Edition],
                                  make_initiative: Callable[..., Initiative]) -> Initiative:
    edition = make_edition(open_phase=Phase.VOTE, catalogue_published=True)
    initiative = make_initiative(
        edition, status=Status.ON_BALLOT, title="Atelier vélo participatif à Arras", amount_asked=6000,
        summary="Un atelier où l'on apprend à réparer son vélo.",
        description="Des **ateliers** chaque samedi.",
        public_addressed="Les jeunes et les salariés sans voiture.")
    with app.extensions["db_sessionmaker"]() as session:
        photos.store_photo(session, session.get(Initiative, initiative.id),
                           images.prepare(encode(picture(1600, 1200), "JPEG", quality=92)), ALT,
                           app.extensions["storage"], now_utc())
        session.commit()
    return initiative


def test_the_public_page_shows_the_photo_first_and_leads_to_the_ballot(
    app: Flask, page: Page, browser: Browser, live_server: str, make_edition: Callable[..., Edition],
    make_initiative: Callable[..., Initiative]
) -> None:
    initiative = _public_initiative_with_photo(app, make_edition, make_initiative)
    checker = PageChecker(page)
    checker.visit("/initiatives", "Les initiatives citoyennes")
    checker.visit(f"/initiatives/{initiative.id}", "Atelier vélo participatif à Arras")
    for viewport, chosen in ((PHONE, "-480.jpg"), (DESKTOP, "-960.jpg")):
        # A browser of its own for each width: one that already holds the wider file may show it.
        context = browser.new_context(base_url=live_server, locale="fr-FR", viewport=viewport)
        fresh = context.new_page()
        fresh.goto(f"/initiatives/{initiative.id}")
        state = fresh.get_by_role("img", name=ALT).evaluate(IMG_STATE)
        # The screen's width picks the file; the place kept is the photo's own ratio (960 × 720).
        assert state["loaded"] and state["src"].endswith(chosen), (viewport, state)
        assert abs(state["height"] - state["width"] * 720 / 960) < 2, state
        assert fresh.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        fresh.screenshot(path=str(ARTEFACTS / f"initiative-{viewport['width']}.png"), full_page=True)
        fresh.goto("/initiatives")
        fresh.screenshot(path=str(ARTEFACTS / f"catalogue-{viewport['width']}.png"), full_page=True)
        context.close()
    headings = page.get_by_role("heading", level=2).all_inner_texts()
    assert headings[:5] == ["L'initiative", "Pour qui", "Où", "Qui la porte", "La demande"]
    page.get_by_role("link", name="Voter pour cette initiative").first.click()
    expect(page).to_have_url(f"{live_server}/vote?choix={initiative.id}#choix-{initiative.id}")
    checker.finish()
