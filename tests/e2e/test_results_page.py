"""The results page in a browser: a visitor downloads the published ballots, checks their SHA-256 against
the page, and recomputes the outcome with the command the page gives; the charts load and say what they show;
the Commission permanente report prints without the menus."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from playwright.sync_api import Page, expect

from budgetcitoyen.accounts.models import Role, User
from budgetcitoyen.allocation.commands import allocate_command
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.results import services
from tests.e2e.conftest import assert_accessible
from tests.e2e.test_pages_accessibility import log_in
from tests.results.helpers import YEAR, Scenario, make_scenario, set_vote_window

pytestmark = pytest.mark.e2e


def publish_for_real(app: Flask, scenario: Scenario, admin: User) -> None:
    """The vote closed, the allocation computed and published by the services, files written."""
    set_vote_window(app, scenario.edition.id, open_=False)
    with app.extensions["db_sessionmaker"]() as session:
        edition = session.get(Edition, scenario.edition.id)
        actor = session.get(User, admin.id)
        services.compute(session, edition, actor, now_utc())
        services.publish(session, edition, actor, app.extensions["storage"], now_utc())
        session.commit()


def test_a_visitor_checks_and_recomputes_the_published_results(
    page: Page,
    app: Flask,
    make_edition: Callable[..., Edition],
    make_user: Callable[..., User],
    tmp_path: Path,
) -> None:
    scenario = make_scenario(app, make_edition, make_user)
    publish_for_real(app, scenario, make_user(roles=(Role.ADMIN,)))

    page.goto("/")
    # The home page's call to action once the results are published (issue #13, item 1).
    to_results = re.compile(f"Voir les résultats|Résultats {YEAR}")
    page.get_by_role("main").get_by_role("link", name=to_results).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Résultats du Budget citoyen {YEAR}")
    ranking = page.get_by_role("table", name=re.compile("Classement des initiatives"))
    expect(ranking.get_by_role("row", name=re.compile("Ressourcerie d'Arras"))).to_contain_text("Lauréate")
    expect(ranking.get_by_role("row", name=re.compile("Jardin partagé de Calais"))).to_contain_text(
        "Non retenue"
    )

    # Every chart has loaded, says what it shows, and its data table comes right after it.
    figures = page.locator("figure.chart")
    expect(figures).to_have_count(4)
    for index in range(4):
        image = figures.nth(index).get_by_role("img")
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
        assert "Détail dans le tableau qui suit." in (image.get_attribute("alt") or "")
        follower = figures.nth(index).evaluate("""figure => {
            const next = figure.nextElementSibling;
            return next && (next.matches('table') || next.querySelector('table') !== null);
        }""")
        assert follower, f"chart {index} is not followed by its table"

    # Download both files through their links; each SHA-256 shown is the file's.
    downloaded: dict[str, Path] = {}
    for link_name in ("Bulletins au format Pabulib", "Bulletins en tableau"):
        with page.expect_download() as info:
            page.get_by_role("link", name=re.compile(link_name)).click()
        download = info.value
        target = tmp_path / download.suggested_filename
        download.save_as(target)
        shown = page.locator(f'code.sha256[data-file="{download.suggested_filename}"]').inner_text()
        assert hashlib.sha256(target.read_bytes()).hexdigest() == shown
        downloaded[target.suffix] = target
    assert set(downloaded) == {".pb", ".csv"}
    assert downloaded[".csv"].read_text(encoding="utf-8").splitlines()[0] == "bulletin;canal;initiatives"

    # The command shown, run on the downloaded file, gives back the published winners and total.
    command = page.locator("pre.command").inner_text().split()
    assert command[:2] == ["budgetcitoyen", "allocate"]
    arguments = command[2:]
    arguments[arguments.index("--pb") + 1] = str(downloaded[".pb"])
    outcome = CliRunner().invoke(allocate_command, arguments)
    assert outcome.exit_code == 0, outcome.output
    result = json.loads(outcome.output)
    assert result["selected"] == [str(scenario.ids[key]) for key in "ABD"]
    assert result["spent"] == 21500
    # The page names the same winners, by the numbers the ranking shows, in the same order.
    listed = page.locator("ol.verify-list > li")
    expect(listed).to_have_count(3)
    for index, key in enumerate("ABD"):
        expect(listed.nth(index)).to_contain_text(f"n°\u00a0{scenario.ids[key]}\u00a0:")
        expect(ranking).to_contain_text(f"(n°\u00a0{scenario.ids[key]})")
    expect(page.get_by_text(re.compile(r"de 21\s500,00\s€ sur 22\s000,00\s€"))).to_be_visible()


PHONE = {"width": 375, "height": 800}
DESKTOP = {"width": 1280, "height": 900}
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-results" / "results-ux"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375", "1280"])
def test_the_results_are_readable_on_a_phone_and_a_desktop(
    page: Page,
    app: Flask,
    make_edition: Callable[..., Edition],
    make_user: Callable[..., User],
    viewport: dict[str, int],
) -> None:
    """No sideways scrolling of the page, the ranking within its container (cards on a phone), charts at
    their drawn size (legible labels, scrolled inside their frame), the winners' key in words, the software
    and its version named; 0 axe-core violations."""
    scenario = make_scenario(app, make_edition, make_user)
    publish_for_real(app, scenario, make_user(roles=(Role.ADMIN,)))
    page.set_viewport_size(viewport)
    page.goto(f"/resultats/{YEAR}")
    for image in page.locator("figure.chart img").all():
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    seen = page.evaluate("""() => {
        const table = document.querySelector('.table-ranking');
        const images = Array.from(document.querySelectorAll('figure.chart img'));
        return {
            height: document.documentElement.scrollHeight,
            scrollWidth: document.documentElement.scrollWidth,
            viewport: document.documentElement.clientWidth,
            table: table.scrollWidth, container: table.parentElement.clientWidth,
            rowWidth: table.querySelector('tbody tr').getBoundingClientRect().width,
            scale: Math.min(...images.map(i => i.getBoundingClientRect().width / i.naturalWidth)),
        };
    }""")
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    shot = f"resultats-{viewport['width']}.png"
    page.screenshot(path=str(ARTEFACTS / shot), full_page=True)
    figures = ARTEFACTS / "figures.json"
    known = json.loads(figures.read_text()) if figures.exists() else {}
    known[f"/resultats/{YEAR} @{viewport['width']}"] = {**seen, "screenshot": shot}
    figures.write_text(json.dumps(known, indent=1))
    assert seen["scrollWidth"] <= seen["viewport"], seen
    assert seen["table"] <= seen["container"], seen
    # Drawn at its own size, a chart's 9 pt labels are 12 px high; scaled down to a phone they were 5 px.
    assert seen["scale"] >= 0.99, seen
    if viewport is PHONE:
        # A card per initiative, each cell named.
        first = page.locator(".table-ranking tbody tr").first
        assert first.evaluate("row => getComputedStyle(row).display") == "block"
        assert seen["rowWidth"] <= seen["viewport"]
    ranking = page.get_by_role("table", name=re.compile("Classement des initiatives"))
    expect(ranking.get_by_role("row", name=re.compile("Ressourcerie d'Arras"))).to_contain_text("Lauréate")
    expect(page.locator(".winners-key")).to_contain_text("un trait vert à gauche de son nom")
    version = importlib.metadata.version("budgetcitoyen")
    expect(page.locator("#verifier ~ p").filter(has_text="budgetcitoyen allocate").first).to_contain_text(
        f"version {version}")
    assert_accessible(page)
    # The chart's frame scrolls sideways with the keyboard, not the page.
    frame = page.locator(".chart-frame").first
    frame.focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate("() => window.scrollX") == 0


def test_the_commission_permanente_report_prints_without_menus(
    page: Page, app: Flask, make_edition: Callable[..., Edition], make_user: Callable[..., User]
) -> None:
    scenario = make_scenario(app, make_edition, make_user)
    admin = make_user(roles=(Role.ADMIN,))
    publish_for_real(app, scenario, admin)
    agent = make_user(roles=(Role.AGENT,))
    log_in(page, agent.email)
    page.goto(f"/gestion/editions/{YEAR}/commission-permanente")
    table = page.get_by_role("table", name=re.compile("Imputation budgétaire"))
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(table.locator("tbody tr").first).to_contain_text("120\u202f285,00\u00a0€")
    menus = [
        page.get_by_role("navigation", name="Menu principal"),
        page.get_by_role("navigation", name="Menu de la gestion"),
    ]
    for menu in menus:
        expect(menu).to_be_visible()
    page.emulate_media(media="print")
    for menu in menus:
        expect(menu).to_be_hidden()
    expect(table).to_be_visible()
    expect(page.get_by_role("table", name=re.compile("Initiatives lauréates"))).to_be_visible()
