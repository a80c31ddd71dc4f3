"""A newcomer votes in September, in a real browser with JavaScript turned off: sign-up, confirmation mail,
identity, a ballot ticked with the keyboard alone, a refused ballot, a change of vote, both receipts checked.
Every state of the voter's pages met on the way is checked with axe-core."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import func, select

from budgetcitoyen.accounts.models import User
from budgetcitoyen.editions.models import Category, Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.voting.models import Ballot, BallotChoice
from tests.conftest import SmtpServer, body_of
from tests.e2e.conftest import assert_accessible

pytestmark = pytest.mark.e2e
PASSWORD = "Mon-Vote-Septembre-62"
EMAIL = "nadia@example.org"
# Six labelled initiatives: three for the first ballot, three others for the changed one.
ON_BALLOT = [
    ("Ressourcerie d'Arras", "arrageois"),
    ("Jardin partagé d'Achicourt", "arrageois"),
    ("Café associatif de Lens", "lens-henin"),
    ("Épicerie solidaire de Liévin", "lens-henin"),
    ("Atelier vélo de Calais", "calaisis"),
    ("Repair café de Boulogne", "boulonnais"),
]


def put_on_ballot(
    app: Flask, edition: Edition, make_user: Callable[..., User], make_initiative: Callable[..., Initiative]
) -> dict[str, int]:
    """The labelled initiatives of the vote (one holder, one category), by title."""
    holder = make_user()
    with app.extensions["db_sessionmaker"]() as session:
        category_id = session.scalar(
            select(Category.id).where(
                Category.edition_id == edition.id, Category.code == "innovation-societale"
            )
        )
    return {
        title: make_initiative(
            edition, status=Status.LABELLED, title=title, territory=territory, holder=holder,
            summary="Une initiative de l'économie sociale et solidaire près de chez vous.",
            category_id=category_id, amount_asked=6000,
        ).id
        for title, territory in ON_BALLOT
    }


class ScriptsOff:
    """JavaScript turned off in the page (Chromium's own switch, kept across navigations): the vote must
    work without it. axe-core is a script, so it is switched back on only while axe runs."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.cdp = page.context.new_cdp_session(page)
        self.switch(off=True)

    def switch(self, off: bool) -> None:
        self.cdp.send("Emulation.setScriptExecutionDisabled", {"value": off})

    def assert_accessible(self) -> None:
        # The voter's pages need no script; the only ones they may load are the app's own enhancements
        # (static/js/), which are not run here, so the page tested is the no-JavaScript one.
        sources = self.page.evaluate("() => Array.from(document.scripts, s => s.getAttribute('src') || '')")
        assert all(src.startswith("/static/js/") for src in sources), sources
        self.switch(off=False)
        try:
            assert_accessible(self.page)
        finally:
            self.switch(off=True)


def tab_to(page: Page, target: Locator, limit: int = 80) -> None:
    """Press Tab (as a keyboard user does) until `target` has the focus, which must then be visible."""
    for _ in range(limit):
        if target.evaluate("element => element === document.activeElement"):
            break
        page.keyboard.press("Tab")
    else:
        pytest.fail(f"{target} not reached with {limit} presses of Tab")
    outline = target.evaluate("element => getComputedStyle(element).outlineStyle")
    assert outline != "none", f"{target} has the focus but shows no focus indicator"


def tick_with_keyboard(page: Page, boxes: list[Locator]) -> None:
    """Tab to each checkbox in turn and press Space: the ballot is usable with a keyboard alone."""
    for box in boxes:
        tab_to(page, box)
        page.keyboard.press("Space")


def submit_with_keyboard(page: Page, name: str = "Valider mon vote") -> None:
    tab_to(page, page.get_by_role("button", name=name))
    page.keyboard.press("Enter")
    page.wait_for_load_state()


def confirm_with_keyboard(page: Page, scripts: ScriptsOff) -> None:
    """The review step: the choices shown back, nothing recorded yet; « Confirmer mon vote »."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez votre vote avant de le confirmer")
    scripts.assert_accessible()
    submit_with_keyboard(page, "Confirmer mon vote")


def ballot_boxes(page: Page) -> list[Locator]:
    """The ballot's checkboxes in the order shown (drawn at random for each voter)."""
    return page.locator("fieldset.ballot input[type=checkbox]").all()


def receipt_code(page: Page) -> str:
    code = page.locator(".receipt-code code").inner_text().strip()
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){3}", code), code
    return code


def mail_containing(smtp: SmtpServer, text: str, timeout: float = 30.0) -> str:
    """The body of the voter's mail that holds `text`: receipts go out after the response, each from its
    own server thread, so they may land a moment after the page, and not always in sending order."""
    deadline = time.monotonic() + timeout
    while True:
        bodies = [body_of(m) for m in smtp.messages if EMAIL in str(m["To"]) and text in body_of(m)]
        if bodies:
            return bodies[-1]
        if time.monotonic() > deadline:
            pytest.fail(f"no mail to {EMAIL} containing {text!r} within {timeout} s")
        time.sleep(0.05)


def check_receipt(page: Page, code: str) -> None:
    """Type a code in the public receipt form, as a voter copying it from the mail would."""
    page.goto("/vote/recu")
    page.get_by_label("Code de reçu").fill("")
    page.get_by_label("Code de reçu").press_sequentially(code)
    page.get_by_role("button", name="Vérifier").click()


def test_newcomer_votes_then_changes_the_vote(
    page: Page,
    app: Flask,
    smtp: SmtpServer,
    db_session,
    make_user: Callable[..., User],
    make_edition: Callable[..., Edition],
    make_initiative: Callable[..., Initiative],
) -> None:
    edition = make_edition(year=2026, open_phase=Phase.VOTE, catalogue_published=True)
    ids = put_on_ballot(app, edition, make_user, make_initiative)
    scripts = ScriptsOff(page)
    titles = {initiative_id: title for title, initiative_id in ids.items()}

    # Anonymous: invited to sign up.
    page.goto("/vote")
    expect(page.get_by_role("heading", level=1)).to_have_text("Voter pour les initiatives citoyennes 2026")
    expect(page.get_by_text("Le vote est ouvert jusqu'au")).to_be_visible()
    scripts.assert_accessible()
    page.get_by_role("main").get_by_role("link", name="Créer un compte").click()
    page.get_by_label("Adresse e-mail").fill(EMAIL)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_label("Confirmation du mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon compte")

    # Not confirmed yet: the ballot says what to do first.
    page.goto("/vote")
    expect(page.get_by_text("confirmez d'abord votre adresse électronique")).to_be_visible()
    expect(page.locator("fieldset.ballot")).to_have_count(0)
    scripts.assert_accessible()
    link = re.search(r"http://\S+", body_of(smtp.last_to(EMAIL)))
    assert link is not None
    page.goto(link.group(0))
    expect(page.get_by_text("Votre adresse e-mail est confirmée")).to_be_visible()

    # Confirmed, no identity yet.
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Voter").click()
    expect(page.get_by_text("Avant votre premier vote")).to_be_visible()
    scripts.assert_accessible()
    page.get_by_role("link", name="Indiquer mes informations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes informations de votant")
    scripts.assert_accessible()

    # A commune outside the département first: refused, what was typed is kept.
    page.get_by_label("Prénom").fill("Nadia")
    page.get_by_label("Nom", exact=True).fill("Benali")
    # What a date picker sends; the browser shows it in the visitor's own format.
    page.get_by_label("Date de naissance").fill("1988-03-12")
    page.get_by_label("Commune de résidence").press_sequentially("Lille")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Commune de résidence : Commune inconnue dans le Pas-de-Calais"
    )
    expect(page).to_have_title(re.compile(r"^Erreur"))
    expect(page.get_by_label("Prénom")).to_have_value("Nadia")
    expect(page.get_by_label("Date de naissance")).to_have_value("1988-03-12")
    expect(page.get_by_label("Commune de résidence")).to_have_attribute("aria-invalid", "true")
    scripts.assert_accessible()
    page.get_by_label("Commune de résidence").fill("")
    page.get_by_label("Commune de résidence").press_sequentially("Liévin")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    expect(page.get_by_text("Vos informations sont enregistrées.")).to_be_visible()
    expect(page.get_by_text("Vous votez en tant que Nadia Benali, Liévin.")).to_be_visible()
    scripts.assert_accessible()

    # Two ticks only, with the keyboard: refused, the summary says why, the ticks are kept.
    boxes = ballot_boxes(page)
    assert len(boxes) == len(ON_BALLOT)
    ticked = [box.get_attribute("id") for box in boxes[:2]]
    tick_with_keyboard(page, boxes[:2])
    submit_with_keyboard(page)
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Choisissez exactement 3 initiatives (vous en avez choisi 2).")
    expect(page).to_have_title(re.compile(r"^Erreur"))
    # The summary has the focus (autofocus, no script): it is read first.
    expect(summary).to_be_focused()
    expect(page.locator("fieldset.ballot input:checked")).to_have_count(2)
    for box_id in ticked:
        expect(page.locator(f"#{box_id}")).to_be_checked()
    # The group itself says it is in error, for those who reach it without the summary.
    expect(page.get_by_role("group", name="Mon bulletin")).to_have_accessible_description(
        re.compile("Choisissez exactement 3 initiatives")
    )
    scripts.assert_accessible()
    # The summary's link leads into the ballot.
    tab_to(page, summary.get_by_role("link"))
    page.keyboard.press("Enter")
    expect(page.locator("fieldset.ballot input[type=checkbox]").first).to_be_focused()
    boxes = ballot_boxes(page)
    tick_with_keyboard(page, [boxes[2]])
    first_choice = {int(box.get_attribute("value") or 0) for box in boxes[:3]}
    submit_with_keyboard(page)
    assert db_session.scalar(select(func.count()).select_from(Ballot)) == 0
    confirm_with_keyboard(page, scripts)

    expect(page.get_by_role("heading", level=1)).to_have_text("Mon reçu de vote")
    expect(page.get_by_role("status")).to_contain_text("Votre vote est enregistré.")
    for initiative_id in first_choice:
        expect(page.get_by_role("listitem").filter(has_text=titles[initiative_id])).to_have_count(1)
    old_code = receipt_code(page)
    assert "/vote/recu?code=" in mail_containing(smtp, old_code)
    scripts.assert_accessible()

    # Changing the vote: the three others instead.
    page.get_by_role("link", name="modifier mon vote").click()
    expect(page.get_by_text("Vous avez voté le")).to_be_visible()
    boxes = ballot_boxes(page)
    checked = [box for box in boxes if box.is_checked()]
    assert {int(box.get_attribute("value") or 0) for box in checked} == first_choice
    scripts.assert_accessible()
    unchecked = [box for box in boxes if not box.is_checked()]
    second_choice = {int(box.get_attribute("value") or 0) for box in unchecked}
    # In page order, since Tab only goes forwards.
    tick_with_keyboard(page, boxes)  # every box toggled: the three ticked are cleared, the others ticked
    expect(page.locator("fieldset.ballot input:checked")).to_have_count(3)
    for box in unchecked:
        expect(box).to_be_checked()
    submit_with_keyboard(page, "Modifier mon vote")
    confirm_with_keyboard(page, scripts)
    expect(page.get_by_role("status")).to_contain_text("Votre vote est modifié")
    new_code = receipt_code(page)
    assert new_code != old_code
    assert "modifié" in mail_containing(smtp, new_code)
    assert second_choice.isdisjoint(first_choice) and len(second_choice) == 3
    for initiative_id in second_choice:
        expect(page.get_by_role("main").get_by_text(titles[initiative_id])).to_be_visible()
    scripts.assert_accessible()

    # One ballot, holding the new choices.
    assert db_session.scalar(select(func.count()).select_from(Ballot)) == 1
    assert set(db_session.scalars(select(BallotChoice.initiative_id))) == second_choice

    check_receipt(page, new_code)
    expect(page.get_by_role("status")).to_contain_text("(édition 2026) est compté.")
    scripts.assert_accessible()
    check_receipt(page, old_code)
    expect(page.get_by_role("status")).to_contain_text("version antérieure de votre bulletin")
    scripts.assert_accessible()
    check_receipt(page, old_code[:-3])  # a code copied incompletely
    expect(page.get_by_role("alert")).to_contain_text("Ce code de reçu n'est pas valide.")
    expect(page.get_by_label("Code de reçu")).to_have_attribute("aria-invalid", "true")
    scripts.assert_accessible()
