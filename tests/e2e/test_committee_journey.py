"""A committee member scores a dossier in a real browser; another declares an interest; pages checked
with axe-core."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from budgetcitoyen.accounts.models import College, User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.labelling import services
from budgetcitoyen.reference.models import Territory
from tests.e2e.conftest import assert_accessible, log_in

pytestmark = pytest.mark.e2e



def test_member_scores_a_dossier_and_another_recuses(
    app: Flask,
    page: Page,
    browser: Browser,
    live_server: str,
    make_edition: Callable,
    make_committee_member: Callable,
    make_user: Callable,
) -> None:
    edition = make_edition(open_phase=Phase.LABELLING)
    for i, college in enumerate((College.AMBASSADOR, College.FINANCE, College.QUALIFIED)):
        make_committee_member(edition, college, email=f"membre{i}@example.org")
    holder = make_user()
    now = now_utc()
    with app.extensions["db_sessionmaker"]() as session:
        territory = session.scalar(select(Territory.id).where(Territory.code == "montreuillois"))
        ids = []
        for title in ("Ferme pédagogique", "Conserverie coopérative"):
            initiative = Initiative(
                edition_id=edition.id,
                holder_id=holder.id,
                title=title,
                summary="Résumé.",
                description="Une **belle** initiative.",
                territory_id=territory,
                status=Status.IN_REVIEW.value,
                created_at=now,
                updated_at=now,
            )
            session.add(initiative)
            session.flush()
            ids.append(initiative.id)
        services.auto_assign(session, session.get(User, holder.id), session.get(Edition, edition.id), now)
        # Two colleagues have already submitted on the first dossier.
        axes = services.questionnaire(session, session.get(Edition, edition.id))
        for index in (1, 2):
            member = session.scalar(select(User).where(User.email == f"membre{index}@example.org"))
            services.save_evaluation(
                session,
                member,
                session.get(Initiative, ids[0]),
                {q.id: 1 + index for a in axes for q in a.questions},
                "Avis",
                submit=True,
                now=now,
            )
        session.commit()

    log_in(page, "membre0@example.org")
    page.goto("/comite")
    assert_accessible(page)
    page.get_by_role("link", name="Ferme pédagogique").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ferme pédagogique")
    assert_accessible(page)
    # Score every question 4 by keyboard-accessible radio labels, then submit.
    for radio in page.locator("input[type=radio][value='4']").all():
        radio.check()
    page.get_by_label("Commentaire pour le comité").fill("Très bon ancrage.")
    page.get_by_role("button", name="Soumettre mon évaluation").click()
    expect(page.get_by_text("Évaluation soumise.")).to_be_visible()
    expect(page.get_by_role("heading", name="Le regard du comité")).to_be_visible()
    image = page.get_by_role("img", name="Radar des marqueurs de l'ESS", exact=False)
    expect(image).to_be_visible()
    # Rendered by matplotlib on first request: wait until the browser has decoded it.
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    expect(page.get_by_role("table", name="Données du radar", exact=False)).to_contain_text("3,00")
    assert_accessible(page)

    # Another member declares an interest on the second dossier.
    other = browser.new_context(base_url=live_server, locale="fr-FR")
    second = other.new_page()
    log_in(second, "membre1@example.org")
    second.goto(f"/comite/dossiers/{ids[1]}")
    second.get_by_label("Nature du lien (facultatif)").fill("Je suis salariée de la structure.")
    second.get_by_role("button", name="Je déclare un intérêt pour ce dossier").click()
    expect(
        second.get_by_text("Intérêt enregistré pour « Conserverie coopérative »", exact=False)
    ).to_be_visible()
    assert_accessible(second)
    other.close()
    with app.extensions["db_sessionmaker"]() as session:
        assert services.has_interest(
            session, ids[1], session.scalar(select(User.id).where(User.email == "membre1@example.org"))
        )
