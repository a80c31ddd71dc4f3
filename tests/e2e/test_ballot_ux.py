"""A ballot people finish (issue #13, item 4), in a real browser at 375 px and 1280 px, with 32 initiatives
as in the demo: with JavaScript, filters by keyword, territory and category that only hide (a hidden choice
stays ticked and counted) and a live « 2 sur 3 » count; without JavaScript, the same ballot as a plain
list whose submit button stays in view; both through the review step to the receipt's short code. Every
state is checked with axe-core.

Page heights go to test-results/ballot-ux/figures.json with a full-page screenshot of each state."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from budgetcitoyen.accounts.models import User
from budgetcitoyen.editions.models import Category, Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.reference.models import Territory
from budgetcitoyen.voting.models import Ballot
from tests.e2e.conftest import assert_accessible, log_in
from tests.e2e.test_vote_journey import ScriptsOff

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 800}
DESKTOP = {"width": 1280, "height": 900}
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-results" / "ballot-ux"
TERRITORIES = ["arrageois", "artois", "audomarois", "boulonnais", "calaisis", "lens-henin", "montreuillois",
               "ternois"]
CATEGORIES = ["pratique-ess", "innovation-societale", "cooperation", "transformation"]
SHORT_CODE = re.compile(r"[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){3}")
KINDS = ["Ressourcerie", "Jardin partagé", "Café associatif", "Atelier vélo"]
FIGURES: dict[str, Any] = {}


def record(label: str, page: Page, width: int) -> None:
    """The page's full height and width, with a full-page screenshot, kept in the artefacts."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    shot = f"{label}-{width}.png"
    page.screenshot(path=str(ARTEFACTS / shot), full_page=True)
    FIGURES[f"{label} @{width}"] = {**page.evaluate(
        "() => ({height: document.documentElement.scrollHeight,"
        " scrollWidth: document.documentElement.scrollWidth,"
        " viewport: document.documentElement.clientWidth})"), "screenshot": shot}
    (ARTEFACTS / "figures.json").write_text(json.dumps(FIGURES, indent=1, ensure_ascii=False))
    assert FIGURES[f"{label} @{width}"]["scrollWidth"] <= FIGURES[f"{label} @{width}"]["viewport"]


@pytest.fixture
def big_ballot(
    app: Flask,
    make_user: Callable[..., User],
    make_edition: Callable[..., Edition],
    make_initiative: Callable[..., Initiative],
) -> dict[str, tuple[str, str]]:
    """32 labelled initiatives, 4 per territory, 8 per category: title -> (territory's name, category's)."""
    edition = make_edition(year=2026, open_phase=Phase.VOTE, catalogue_published=True)
    with app.extensions["db_sessionmaker"]() as session:
        categories = {c.code: (c.id, c.name) for c in session.scalars(
            select(Category).where(Category.edition_id == edition.id))}
        territories = dict(session.execute(select(Territory.code, Territory.name)).all())
    holder = make_user()
    made: dict[str, tuple[str, str]] = {}
    for n in range(32):
        territory, category = TERRITORIES[n % 8], CATEGORIES[(n // 8) % 4]
        title = f"Initiative {n + 1:02d} — {KINDS[n % 4]}"
        make_initiative(
            edition, status=Status.LABELLED, title=title, territory=territory, holder=holder,
            category_id=categories[category][0], amount_asked=5000 + 250 * n,
            summary="Une initiative de l'économie sociale et solidaire près de chez vous, portée par des "
            "habitants et des associations du territoire, ouverte à toutes et à tous, toute l'année.",
        )
        made[title] = (territories[territory], categories[category][1])
    return made


def become_voter(page: Page, email: str) -> None:
    log_in(page, email)
    page.goto("/vote/identite")
    page.get_by_label("Prénom").fill("Camille")
    page.get_by_label("Nom", exact=True).fill("Martin")
    page.get_by_label("Date de naissance").fill("1990-05-04")
    page.get_by_label("Commune de résidence").fill("Arras")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    expect(page.get_by_role("group", name="Mon bulletin")).to_be_visible()


def in_viewport(page: Page, selector: str) -> bool:
    return bool(page.locator(selector).evaluate(
        "element => { const r = element.getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0; }"))


def confirm_and_read_receipt(page: Page, titles: list[str], label: str, width: int,
                             scripts: ScriptsOff | None) -> str:
    """The review page lists the choices; « Confirmer mon vote » records them; the receipt's code."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez votre vote avant de le confirmer")
    for title in titles:
        expect(page.get_by_role("main").get_by_text(title, exact=True)).to_be_visible()
    record(f"{label}-relecture", page, width)
    (scripts.assert_accessible if scripts else lambda: assert_accessible(page))()
    page.get_by_role("button", name="Confirmer mon vote").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon reçu de vote")
    code = page.locator(".receipt-code code").inner_text().strip()
    assert SHORT_CODE.fullmatch(code), code
    record(f"{label}-recu", page, width)
    (scripts.assert_accessible if scripts else lambda: assert_accessible(page))()
    return code


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375", "1280"])
def test_ballot_with_filters_and_live_count(
    page: Page, big_ballot: dict[str, tuple[str, str]], make_user: Callable[..., User], db_session,
    viewport: dict[str, int],
) -> None:
    page.set_viewport_size(viewport)
    width = viewport["width"]
    become_voter(page, make_user().email)
    items = page.locator("fieldset.ballot .ballot-item")
    expect(items).to_have_count(32)
    count = page.locator("[data-ballot-count]")
    expect(count).to_have_text("Mes choix : 0 sur 3 — encore 3 à choisir")
    expect(page.get_by_text("Enveloppe à répartir")).to_be_visible()
    record("bulletin-js", page, width)
    assert_accessible(page)

    # A first choice, then a territory filter that hides it: it stays ticked and counted.
    first = items.filter(has_not_text="vélo").first
    first_title = first.locator("label").inner_text()
    first.locator("input").check()
    expect(count).to_have_text("Mes choix : 1 sur 3 — encore 2 à choisir")
    other = next(name for name in ("Ternois", "Artois") if name != big_ballot[first_title][0])
    page.get_by_label("Territoire").select_option(other)
    expect(page.locator("fieldset.ballot .ballot-item:visible")).to_have_count(4)
    expect(first).to_be_hidden()
    expect(first.locator("input")).to_be_checked()
    expect(count).to_contain_text("1 sur 3")
    expect(page.locator("[data-filter-status]")).to_have_text(
        "4 initiatives affichées sur 32. Vos choix masqués restent cochés.")
    assert_accessible(page)

    # Category and keyword narrow further; an empty result says so.
    page.get_by_label("Territoire").select_option("")
    page.get_by_label("Catégorie").select_option("Coopération")
    expect(page.locator("fieldset.ballot .ballot-item:visible")).to_have_count(8)
    page.get_by_label("Mot-clé").fill("velo")  # accents and case do not matter
    visible = page.locator("fieldset.ballot .ballot-item:visible")
    expect(visible).to_have_count(2)
    picked = [visible.nth(n).locator("label").inner_text() for n in range(2)]
    for n in range(2):
        visible.nth(n).locator("input").check()
    expect(count).to_have_text("Mes choix : 3 sur 3 — vous pouvez valider")
    titles_line = page.locator("[data-ballot-titles]")
    for title in [first_title, *picked]:
        expect(titles_line).to_contain_text(title)
    record("bulletin-js-filtre", page, width)
    assert_accessible(page)
    page.get_by_label("Mot-clé").fill("introuvable")
    expect(page.get_by_text("Aucune initiative ne correspond à ces filtres.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Mot-clé").fill("")
    page.get_by_label("Catégorie").select_option("")
    expect(page.locator("fieldset.ballot .ballot-item:visible")).to_have_count(32)

    # Halfway down the list, the count and the submit button are still on the screen.
    items.nth(16).scroll_into_view_if_needed()
    assert in_viewport(page, ".ballot-bar .button") and in_viewport(page, "[data-ballot-count]")
    page.get_by_role("button", name="Valider mon vote").click()
    assert db_session.scalar(select(Ballot.id)) is None  # nothing recorded before the confirmation
    confirm_and_read_receipt(page, [first_title, *picked], "js", width, None)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375", "1280"])
def test_the_same_ballot_without_javascript(
    page: Page, big_ballot: dict[str, tuple[str, str]], make_user: Callable[..., User], db_session,
    viewport: dict[str, int],
) -> None:
    page.set_viewport_size(viewport)
    width = viewport["width"]
    user = make_user()
    scripts = ScriptsOff(page)
    become_voter(page, user.email)
    # No filters and no count without the script: the plain list, with what to do next to the button.
    expect(page.locator(".ballot-filters")).to_be_hidden()
    expect(page.locator("[data-ballot-count]")).to_be_hidden()
    expect(page.locator("[data-ballot-static]")).to_have_text(
        "Cochez exactement 3 initiatives, puis validez : vous relirez vos choix avant de confirmer.")
    record("bulletin-sans-js", page, width)
    scripts.assert_accessible()

    items = page.locator("fieldset.ballot .ballot-item")
    chosen = [items.nth(n).locator("label").inner_text() for n in (3, 17, 30)]
    for title in chosen:
        page.get_by_label(title, exact=True).check()
    items.nth(20).scroll_into_view_if_needed()
    assert in_viewport(page, ".ballot-bar .button")  # sticky, without any script
    page.get_by_role("button", name="Valider mon vote").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez votre vote avant de le confirmer")
    assert db_session.scalar(select(Ballot.id)) is None
    scripts.assert_accessible()

    # « Modifier mes choix »: back to the ballot with the three still ticked; one changed.
    page.get_by_role("button", name="Modifier mes choix").click()
    expect(page.get_by_role("group", name="Mon bulletin")).to_be_visible()
    expect(page.locator("fieldset.ballot input:checked")).to_have_count(3)
    for title in chosen:
        expect(page.get_by_label(title, exact=True)).to_be_checked()
    scripts.assert_accessible()
    page.get_by_label(chosen[0], exact=True).uncheck()
    replacement = items.nth(5).locator("label").inner_text()
    page.get_by_label(replacement, exact=True).check()
    page.get_by_role("button", name="Valider mon vote").click()
    code = confirm_and_read_receipt(page, [replacement, *chosen[1:]], "sans-js", width, scripts)

    # The short code, typed as read aloud (lower case, spaces), is verified on the public page.
    page.goto("/vote/recu")
    page.get_by_label("Code de reçu").fill(code.lower().replace("-", " "))
    page.get_by_role("button", name="Vérifier").click()
    expect(page.get_by_role("status")).to_contain_text("(édition 2026) est compté.")
    scripts.assert_accessible()
