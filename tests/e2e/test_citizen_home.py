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
from playwright.sync_api import Page

from budgetcitoyen.accounts.models import User
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.initiatives.models import Initiative
from tests.e2e.test_vote_journey import put_on_ballot

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
