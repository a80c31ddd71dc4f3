"""Browser fixtures: the app served on loopback, Debian's chromium driven by Playwright, axe-core checks."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright
from werkzeug.serving import make_server

from tests.conftest import free_port
from tests.factories import DEFAULT_PASSWORD

AXE_SOURCE = (Path(__file__).parent / "assets" / "axe.min.js").read_text(encoding="utf-8")
# WCAG 2.1 A and AA: what the RGAA 4.1 maps to.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def chromium_path() -> str:
    path = os.environ.get("BUDGETCITOYEN_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail(
            "Debian's chromium is needed for browser tests: apt-get install chromium "
            "(scripts/test does it when run as root)"
        )
    return path


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[str]:
    """The app served by a real HTTP server on loopback, in a thread."""
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    # The flags keep chromium from calling home: this machine's network is closed.
    launched = playwright_instance.chromium.launch(
        executable_path=chromium_path(),
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    )
    yield launched
    launched.close()


@pytest.fixture
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server, locale="fr-FR", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    opened = context.new_page()
    yield opened
    context.close()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core (vendored) on the current page; evaluate() is not subject to the page's CSP."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return list(result["violations"])


def assert_accessible(page: Page) -> None:
    """Fail with a readable list when axe-core finds any WCAG 2.1 A/AA violation."""
    violations = axe_violations(page)
    if violations:
        lines = [f"{page.url}: {len(violations)} axe-core violation(s)"]
        for violation in violations:
            targets = [", ".join(node["target"]) for node in violation["nodes"][:5]]
            lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} -> {targets}")
        pytest.fail("\n".join(lines))


def log_in(page: Page, email: str, password: str = DEFAULT_PASSWORD) -> None:
    """Through the real log-in form, as a person would."""
    page.goto("/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_text("Vous êtes connecté.")).to_be_visible()
