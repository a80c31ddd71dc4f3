"""The impact follow-up in a browser, at a phone and a desktop width: the survey a past winner answers
through its link (errors, then thanks), the public impact page with its chart and tables, the Mission ESS's
impact page and the holder's final report form — no horizontal overflow at 375 px, no axe-core violation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from budgetcitoyen.initiatives.rules import Status
from tests.conventions.helpers import make_convention
from tests.e2e.conftest import assert_accessible, log_in
from tests.impact.helpers import answer, make_past_winners, send, token_for

pytestmark = pytest.mark.e2e

WIDTHS = (375, 1280)


def check(page: Page) -> None:
    """At each width: nothing wider than the screen, and axe-core finds nothing."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{page.url} overflows by {overflow}px at {width}px"
        assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_survey_and_impact_pages(page: Page, app: Flask, make_edition: Callable[..., Any],
                                 make_initiative: Callable[..., Any], make_user: Callable[..., Any]) -> None:
    winners = make_past_winners(app, make_edition, make_initiative, make_user)
    send(app, winners.year)
    for title in ("Initiative A0", "Initiative A2", "Initiative A3"):
        answer(app, winners.surveyed[title], story=f"Récit de {title}.", story_public=True)

    # The survey, through its link, without an account.
    page.goto(f"/impact/questionnaire/{token_for(app, winners.surveyed['Initiative A1'])}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Que devient « Initiative A1 » ?")
    check(page)
    page.get_by_role("button", name="Envoyer mes réponses").click()
    expect(page.get_by_role("heading", name="Le formulaire contient 6 erreurs")).to_be_visible()
    check(page)
    page.get_by_role("group", name="L'initiative est-elle toujours active ?").get_by_label("Oui").check()
    page.get_by_label("Bénévoles au début du projet").fill("2")
    page.get_by_label("Bénévoles aujourd'hui").fill("6")
    page.get_by_label("Salariés au début du projet").fill("0")
    page.get_by_label("Salariés aujourd'hui").fill("1")
    page.get_by_role("group", name="D'autres financements ont-ils été obtenus").get_by_label("Non").check()
    page.get_by_label("Racontez ce que l'initiative est devenue").fill("Un café ouvert tous les jours.")
    page.get_by_label("J'accepte que ce récit soit publié").check()
    page.get_by_role("button", name="Envoyer mes réponses").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Merci pour vos réponses")
    check(page)

    # The public page: chart loaded with its text alternative, tables, the stories.
    page.goto("/impact")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ce que deviennent les initiatives")
    image = page.locator("figure.chart img")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert "tableaux" in (image.get_attribute("alt") or "")
    expect(page.get_by_role("table", name="Par territoire")).to_be_visible()
    expect(page.get_by_text("Un café ouvert tous les jours.")).to_be_visible()
    check(page)
    # On a phone the chart keeps a legible size and scrolls inside its own frame, not the page.
    page.set_viewport_size({"width": 375, "height": 900})
    box = page.locator("figure.chart .chart-frame").bounding_box()
    assert box is not None and box["x"] + box["width"] <= 375
    page.set_viewport_size({"width": 1280, "height": 900})

    # The Mission ESS's page.
    log_in(page, "admin@example.org")
    page.goto("/gestion/impact")
    expect(page.get_by_role("heading", level=1)).to_have_text("Impact des initiatives")
    check(page)


def test_final_report_form(page: Page, app: Flask, make_edition: Callable[..., Any],
                           make_initiative: Callable[..., Any], make_user: Callable[..., Any]) -> None:
    from budgetcitoyen.accounts.models import Role

    year = date.today().year
    edition = make_edition(year=year)
    admin = make_user(email="admin@example.org", roles=(Role.ADMIN,))
    holder = make_user(email="porteuse@example.org")
    initiative = make_initiative(edition, Status.WINNER, "Recyclerie solidaire", holder=holder,
                                 amount_asked=5000, structure_name="Asso", contact_email="c@example.org")
    make_convention(app, initiative.id, admin, signed_on=date(year, 1, 2), paid=True)
    log_in(page, "porteuse@example.org")
    page.goto("/mon-espace")
    page.get_by_role("link", name="Envoyer le bilan final").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bilan final : Recyclerie solidaire")
    check(page)
    page.get_by_role("button", name="Envoyer le bilan final").click()
    expect(page.get_by_role("heading", name="Le formulaire contient 7 erreurs")).to_be_visible()
    check(page)
