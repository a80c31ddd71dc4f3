"""The home page follows the calendar (call to action of the phase, dates never written in templates,
results published after an early close); the pages the Mission ESS edits are journaled and sanitised."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from budgetcitoyen.accounts.models import Role, User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.dates import windows_from_dates
from budgetcitoyen.editions.models import Edition, EditionPhase
from budgetcitoyen.editions.rules import Phase, calendar_around, next_phase_after, public_phase
from budgetcitoyen.public.models import SitePage
from budgetcitoyen.public.services import PAGES
from budgetcitoyen.results.models import AllocationResult
from tests.helpers import audit_entries, login, post_form, text_of
from tests.public.test_catalogue import XSS_PAYLOADS, _Elements


def test_results_published_early_are_the_phase_shown() -> None:
    now = now_utc()
    windows = windows_from_dates(calendar_around(now.date(), Phase.VOTE))
    vote = next(w for w in windows if w.phase is Phase.VOTE)
    closed_early = [
        w if w.phase is not Phase.VOTE else type(w)(w.phase, w.starts_at, now - timedelta(hours=2))
        for w in windows
    ]
    assert public_phase(windows, now, None) is Phase.VOTE
    assert public_phase(closed_early, now, None) is None
    assert public_phase(closed_early, now, now - timedelta(hours=1)) is Phase.RESULTS
    assert next_phase_after(closed_early, now, Phase.RESULTS).phase is Phase.FOLLOW_UP
    assert next_phase_after(closed_early, now, None).phase is Phase.RESULTS
    assert vote.is_open(now)


@pytest.mark.parametrize(("phase", "label", "target"), [
    (Phase.IDEAS, "Déposer une idée", "/idees/nouvelle"),
    (Phase.DOSSIERS, "Déposer mon dossier", "/mon-espace"),
    (Phase.VOTE, "Voter", "/vote"),
    (Phase.RESULTS, "Les résultats", "/resultats/2026"),
    (Phase.FOLLOW_UP, "Suivre les lauréates", "/resultats/2026"),
])
def test_home_has_one_call_to_action_for_the_open_phase(
    client: FlaskClient, make_edition: Callable[..., Edition], phase: Phase, label: str, target: str
) -> None:
    make_edition(year=2026, open_phase=phase)
    page = text_of(client.get("/"))
    assert f'class="button button-primary-action" href="{target}">{label}</a>' in page
    # The cards are links; no month is written in a template.
    for href in ('href="/idees/nouvelle">Proposer une initiative', 'href="/vote">Voter</a>'):
        assert href in page
    home = client.get("/").get_data(as_text=True)
    assert "en septembre" not in home and "en novembre" not in home and "1er au 30" not in home


MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")


def test_no_template_writes_a_month_the_calendar_should_give() -> None:
    # « voter en septembre » on the sign-up page sat beside a vote open in December.
    from pathlib import Path
    root = Path(__file__).resolve().parents[2] / "templates"
    words = {f" {month}" for month in MONTHS} | {f" {month}." for month in MONTHS}
    found = [f"{path.relative_to(root)}: {line.strip()}"
             for path in root.rglob("*.html") for line in path.read_text(encoding="utf-8").splitlines()
             if any(f"{word} " in f" {line.lower()} " or f"{word}<" in line.lower() for word in words)]
    assert found == []


def test_home_after_an_early_close_and_publication(
    app: Flask, client: FlaskClient, db_session, make_edition: Callable[..., Edition]
) -> None:
    edition = make_edition(year=2026, open_phase=Phase.VOTE)
    now = now_utc()
    vote = db_session.scalar(select(EditionPhase).where(EditionPhase.edition_id == edition.id,
                                                        EditionPhase.phase == Phase.VOTE.value))
    vote.ends_at = now - timedelta(hours=2)
    db_session.add(AllocationResult(edition_id=edition.id, rule="greedy", settings={}, envelope=Decimal(1000),
                                    spent=Decimal(0), remaining=Decimal(1000), voters=0, computed_at=now,
                                    published_at=now - timedelta(hours=1)))
    db_session.commit()
    page = text_of(client.get("/"))
    assert "En ce moment : <strong>résultats</strong>" in page
    assert '>Voir les résultats</a>' in page
    assert "Prochaine étape</dt><dd>Conventions et suivi" in page
    assert "Prochaine étape</dt><dd>Résultats" not in page
    results_row = page.split('<th scope="row">Résultats</th>')[1].split("</tr>")[0]
    assert "En cours" in results_row


def test_site_map_lists_every_public_section(
    client: FlaskClient, make_edition: Callable[..., Edition]
) -> None:
    make_edition(year=2026, open_phase=Phase.VOTE)
    page = text_of(client.get("/plan-du-site"))
    for href in ("/initiatives", "/vote", "/comptoirs", "/resultats/2026", "/vote/recu",
                 "/vote/participation", "/questions-frequentes"):
        assert f'href="{href}"' in page, href


@pytest.mark.parametrize("slug", sorted(PAGES))
def test_editable_pages_show_their_default_text(client: FlaskClient, slug: str) -> None:
    url = {"accueil": "/"}.get(slug) or "/" + slug
    page = text_of(client.get(url))
    from budgetcitoyen.public.services import default_text

    with client.application.app_context():
        filled = default_text(slug, "Département du Pas-de-Calais").splitlines()[0].lstrip("# ")
    assert filled[:40] in page and "{" not in filled
    assert "{collectivite" not in page and "{territoires}" not in page and "{body_" not in page


def test_admin_edits_a_page_with_preview_and_journal(
    client: FlaskClient, db_session, make_user: Callable[..., User]
) -> None:
    admin = make_user(roles=(Role.ADMIN,))
    login(client, admin.email)
    url = "/gestion/pages/mentions-legales"
    preview = post_form(client, url, {"body": "## Hébergeur\n\nOVH, **Roubaix**.", "apercu": "1"})
    assert preview.status_code == 200
    assert "<h2>Hébergeur</h2>" in preview.get_data(as_text=True)
    assert db_session.get(SitePage, "mentions-legales") is None  # a preview saves nothing
    saved = post_form(client, url, {"body": "## Hébergeur\n\nOVH, **Roubaix**.", "enregistrer": "1"})
    assert saved.status_code == 302
    public = client.get("/mentions-legales").get_data(as_text=True)
    assert "<h2>Hébergeur</h2>" in public and "<strong>Roubaix</strong>" in public
    post_form(client, url, {"body": "## Hébergeur\n\nScaleway.", "enregistrer": "1"})
    entries = audit_entries(db_session, "page.updated")
    assert len(entries) == 2
    assert "Éditeur" in entries[0].before["texte"] and "Roubaix" in entries[0].after["texte"]
    assert "Roubaix" in entries[1].before["texte"] and "Scaleway" in entries[1].after["texte"]
    assert entries[0].actor_id == admin.id
    empty = post_form(client, url, {"body": "  ", "enregistrer": "1"})
    assert empty.status_code == 422 and "ne peut pas être vide" in text_of(empty)


def test_only_admins_edit_pages(client: FlaskClient, make_user: Callable[..., User]) -> None:
    login(client, make_user(roles=(Role.AGENT,)).email)
    assert client.get("/gestion/pages").status_code == 403
    assert client.get("/gestion/pages/inconnue").status_code in (403, 404)


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_editable_pages_are_sanitised(
    client: FlaskClient, make_user: Callable[..., User], payload: str
) -> None:
    login(client, make_user(roles=(Role.ADMIN,)).email)
    for slug in PAGES:
        post_form(client, f"/gestion/pages/{slug}", {"body": f"Texte\n\n{payload}", "enregistrer": "1"})
        for url in ({"accueil": "/"}.get(slug) or "/" + slug, f"/gestion/pages/{slug}"):
            html = client.get(url).get_data(as_text=True)
            main = html.split('id="contenu"')[1].split("</main>")[0]
            parser = _Elements()
            parser.feed(main)
            for tag, attrs in parser.elements:
                assert tag not in {"script", "img", "svg", "iframe", "style"}, (slug, payload, tag)
                for name, value in attrs:
                    assert not name.startswith("on") and name != "style", (slug, payload, tag, name)
                    if name == "href" and tag == "a":
                        assert not (value or "").lower().startswith(("javascript", "data", "vbscript")), value
        preview = post_form(client, f"/gestion/pages/{slug}", {"body": payload, "apercu": "1"})
        body = preview.get_data(as_text=True).split('class="page-text preview-body">')[1].split("</div>")[0]
        assert "<script" not in body and "onerror" not in body.replace("onerror=alert(1)&gt;", "")


def test_only_holders_see_their_space_in_the_menu(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    login(client, make_user().email)  # a voter who never proposed anything
    assert ">Mes initiatives</a>" not in client.get("/").get_data(as_text=True)
    holder = FlaskClient(client.application, client.response_wrapper, use_cookies=True)
    login(holder, make_user(roles=(Role.HOLDER,)).email)
    assert ">Mes initiatives</a>" in holder.get("/").get_data(as_text=True)
