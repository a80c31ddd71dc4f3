"""A holder's whole submission in a real browser, then the Mission ESS taking the dossier up.

Log in -> idea -> comptoir sign-up -> dossier with its budget table -> draft -> attachment ->
a refused filing (unbalanced budget) that keeps everything typed -> filing -> status mail;
then an administrator, in a browser context of their own, moves the dossier to "En instruction"
and the holder is mailed again. axe-core checks every distinct page, error pages included.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from budgetcitoyen.accounts.models import Role, User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.initiatives.models import Workshop
from budgetcitoyen.reference.models import Territory
from tests.conftest import SmtpServer, body_of
from tests.e2e.conftest import assert_accessible, log_in

pytestmark = pytest.mark.e2e

HOLDER = "porteuse@example.org"
TITLE = "Recyclerie solidaire"
# (account, label, amount, funder, asked of the Département): 12 000 € of charges, 12 000 € of products.
BUDGET = [
    ("60", "Outillage", "5000", "", False),
    ("64", "Animation des ateliers", "7000", "", False),
    ("70", "Ventes d'objets réparés", "1000", "", False),
    ("74", "Budget citoyen", "8000", "Département du Pas-de-Calais", True),
    ("74", "Subvention municipale", "3000", "Ville de Calais", False),
]
# The smallest file a PDF reader opens (the upload check reads the magic bytes).
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"



def make_workshop(app: Flask, edition: Edition) -> None:
    with app.extensions["db_sessionmaker"]() as session:
        territory_id = session.scalar(select(Territory.id).where(Territory.code == "calaisis"))
        start = now_utc() + timedelta(days=3)
        session.add(
            Workshop(
                edition_id=edition.id,
                territory_id=territory_id,
                host_structure="La Fabrique",
                address="12 rue Royale, Calais",
                starts_at=start,
                ends_at=start + timedelta(hours=3),
                capacity=10,
            )
        )
        session.commit()


def fill_budget_line(
    page: Page, number: int, account: str, label: str, amount: str, funder: str, departement: bool
) -> None:
    """One row of the budget table, through the labels a screen reader announces."""
    page.get_by_label(f"Compte de la ligne {number}", exact=True).select_option(account)
    page.get_by_label(f"Libellé de la ligne {number}", exact=True).fill(label)
    page.get_by_label(f"Montant en euros de la ligne {number}", exact=True).fill(amount)
    page.get_by_label(f"Financeur de la ligne {number}", exact=True).fill(funder)
    page.get_by_label(f"Ligne {number} : demande au Département", exact=True).set_checked(departement)


def test_holder_files_a_dossier_and_the_mission_takes_it_up(
    page: Page,
    browser: Browser,
    live_server: str,
    app: Flask,
    smtp: SmtpServer,
    tmp_path: Path,
    make_user: Callable[..., User],
    make_edition: Callable[..., Edition],
) -> None:
    edition = make_edition(open_phase=Phase.DOSSIERS)  # the ideas phase is open too: they overlap
    make_workshop(app, edition)
    make_user(email=HOLDER)
    admin = make_user(email="mission-ess@example.org", roles=(Role.ADMIN,))

    # --- The holder ----------------------------------------------------------------------------
    log_in(page, HOLDER)
    # Not a holder yet: no "Mes initiatives" in the menu; the home page's call to action leads there.
    expect(page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Mes initiatives")
           ).to_have_count(0)
    page.goto("/")
    page.locator(".call-to-action").get_by_role("link", name="Déposer mon dossier").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace porteur")
    expect(page.get_by_text("Vous n'avez pas encore déposé d'idée.")).to_be_visible()
    assert_accessible(page)

    # An idea, with a mistake first: the commune is not in the Pas-de-Calais.
    page.get_by_role("link", name="Déposer une idée").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Déposer une idée")
    assert_accessible(page)
    page.get_by_label("Titre de l'idée").fill(TITLE)
    page.get_by_label("Résumé").fill("Réparer et donner une seconde vie aux objets.")
    page.get_by_label("Territoire").select_option(label="Calaisis")
    page.get_by_label("Commune principale (facultatif)").fill("Atlantis")
    page.get_by_role("button", name="Déposer mon idée").click()
    expect(page.get_by_role("alert")).to_contain_text("Commune inconnue dans le Pas-de-Calais")
    expect(page.get_by_label("Titre de l'idée")).to_have_value(TITLE)
    assert_accessible(page)
    page.get_by_label("Commune principale (facultatif)").fill("Calais")
    page.get_by_role("button", name="Déposer mon idée").click()
    expect(page.get_by_role("status")).to_contain_text("Votre idée est enregistrée.")
    expect(page.get_by_role("row", name=TITLE)).to_contain_text("Idée")
    expect(page.get_by_text("L'inscription à un comptoir est nécessaire")).to_be_visible()
    assert_accessible(page)

    # A seat at the Calaisis comptoir.
    page.get_by_role("link", name="Choisir un comptoir").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Comptoirs à initiatives citoyennes")
    assert_accessible(page)
    page.get_by_role("button", name="S'inscrire au comptoir du Calaisis").click()
    expect(page.get_by_role("status")).to_contain_text("Vous êtes inscrit au comptoir du Calaisis.")
    expect(page.get_by_role("row", name="Calaisis")).to_contain_text("Inscrit")
    expect(page.get_by_role("button", name="Annuler mon inscription")).to_be_visible()
    assert_accessible(page)

    # The dossier, opened from "Mes initiatives".
    page.get_by_role("link", name="Mes initiatives").click()
    expect(page.get_by_text("Vous êtes inscrit au comptoir du Calaisis")).to_be_visible()
    page.get_by_role("link", name=f"Compléter le dossier « {TITLE} »").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Dossier « {TITLE} »")
    dossier_url = page.url
    # What the idea said is already there.
    expect(page.get_by_label("Titre de l'initiative")).to_have_value(TITLE)
    expect(page.get_by_label("Résumé")).to_have_value("Réparer et donner une seconde vie aux objets.")
    assert_accessible(page)

    page.get_by_label("Description de l'initiative").fill("Une **recyclerie** ouverte à tous.")
    page.get_by_label("Problème ou besoin auquel l'initiative répond").fill("Déchets et isolement.")
    page.get_by_label("Public concerné").fill("Habitants du Beau-Marais.")
    page.get_by_label("Pratiques d'économie sociale et solidaire").fill("Gouvernance collégiale.")
    page.get_by_label("Communes d'action").fill("Calais\n62100")
    page.get_by_label("Type de structure").select_option(label="Association loi 1901")
    page.get_by_label("Nom de la structure").fill("Association Re-Faire")
    page.get_by_label("Numéro SIRET").fill("440 672 020 00037")
    page.get_by_label("Adresse de la structure").fill("3 place d'Armes, 62100 Calais")
    page.get_by_label("Nom et prénom du contact").fill("Claire Martin")
    page.get_by_label("E-mail du contact").fill("claire@example.org")
    page.get_by_label("Téléphone du contact").fill("03 21 00 00 00")
    category = page.get_by_label("Catégorie demandée")
    category.select_option(category.locator("option", has_text="Innovation sociétale").get_attribute("value"))
    page.get_by_label("Montant demandé au Département (€)").fill("8000")
    page.get_by_label("Date de début").fill("2027-01-15")
    page.get_by_label("Durée (en mois)").fill("12")
    # The table starts with four empty rows; the fifth comes from "Ajouter des lignes au budget",
    # which saves the draft on the way.
    expect(page.get_by_label("Compte de la ligne 5", exact=True)).to_have_count(0)
    for number, line in enumerate(BUDGET[:4], start=1):
        fill_budget_line(page, number, *line)
    page.get_by_role("button", name="Ajouter des lignes au budget").click()
    expect(page.get_by_role("status")).to_contain_text("Brouillon enregistré.")
    fill_budget_line(page, 5, *BUDGET[4])
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.get_by_role("status")).to_contain_text("Brouillon enregistré.")
    expect(page.get_by_label("Financeur de la ligne 5", exact=True)).to_have_value("Ville de Calais")
    expect(page.get_by_text("Enregistré : charges 12 000,00 €, produits 12 000,00 €.")).to_be_visible()
    # Saved amounts come back in French notation.
    expect(page.get_by_label("Montant en euros de la ligne 1", exact=True)).to_have_value("5000,00")
    expect(page.get_by_label("Montant demandé au Département (€)")).to_have_value("8000,00")
    assert_accessible(page)

    # A real file through the file input.
    statutes = tmp_path / "statuts.pdf"
    statutes.write_bytes(PDF)
    page.get_by_label("Pièce jointe (PDF, PNG ou JPEG, 10 Mo au plus)").set_input_files(statutes)
    page.get_by_role("button", name="Joindre le fichier").click()
    expect(page.get_by_role("status")).to_contain_text("statuts.pdf")
    expect(page.get_by_role("heading", name="Pièces jointes (1 / 5)")).to_be_visible()
    expect(page.get_by_role("link", name="statuts.pdf")).to_be_visible()

    # Filing with an unbalanced budget is refused in French, and nothing typed is lost.
    page.get_by_label("Montant en euros de la ligne 2", exact=True).fill("6999")
    page.get_by_label("Téléphone du contact").fill("03 21 99 99 99")
    page.get_by_role("button", name="Déposer le dossier").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text(
        "Le budget n'est pas équilibré : charges 11 999,00 €, produits 12 000,00 €."
    )
    expect(page.get_by_label("Montant en euros de la ligne 2", exact=True)).to_have_value("6999")
    expect(page.get_by_label("Téléphone du contact")).to_have_value("03 21 99 99 99")
    expect(page.get_by_label("Numéro SIRET")).to_have_value("44067202000037")  # as saved
    expect(page.get_by_label("Financeur de la ligne 5", exact=True)).to_have_value("Ville de Calais")
    expect(page.get_by_label("Ligne 4 : demande au Département", exact=True)).to_be_checked()
    expect(page.get_by_role("link", name="statuts.pdf")).to_be_visible()
    assert_accessible(page)
    # The summary's link leads to the budget.
    summary.get_by_role("link", name="Le budget n'est pas équilibré").click()
    expect(page).to_have_url(f"{dossier_url}#budget")
    assert not any("Déposé" in str(m["Subject"]) for m in smtp.messages)  # nothing filed, nothing mailed

    page.get_by_label("Montant en euros de la ligne 2", exact=True).fill("7000")
    page.get_by_role("button", name="Déposer le dossier").click()
    expect(page.get_by_role("status")).to_contain_text("Votre dossier est déposé.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace porteur")
    expect(page.get_by_role("row", name=TITLE)).to_contain_text("Déposé")
    assert_accessible(page)
    assert "Déposé" in str(smtp.last_to(HOLDER)["Subject"])

    # Filed: the dossier is read-only, the attachment still there.
    page.get_by_role("link", name=f"Voir le dossier « {TITLE} »").click()
    expect(page.get_by_text("Ce dossier ne peut pas être modifié")).to_be_visible()
    expect(page.get_by_role("button", name="Enregistrer le brouillon")).to_have_count(0)
    expect(page.get_by_role("link", name="statuts.pdf")).to_be_visible()
    assert_accessible(page)

    # --- The Mission ESS, in a browser of its own -------------------------------------------------
    context = browser.new_context(
        base_url=live_server, locale="fr-FR", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    try:
        staff = context.new_page()
        log_in(staff, admin.email)
        staff.goto("/gestion/dossiers")
        expect(staff.get_by_role("heading", level=1)).to_have_text("Dossiers")
        expect(staff.get_by_role("table")).to_contain_text("1 dossier")
        assert_accessible(staff)
        staff.get_by_role("link", name=TITLE).click()
        expect(staff.get_by_role("heading", level=1)).to_have_text(TITLE)
        expect(staff.get_by_text("Association Re-Faire")).to_be_visible()
        expect(staff.get_by_role("table")).to_contain_text("Ville de Calais")
        assert_accessible(staff)
        staff.get_by_label("Nouveau statut").select_option(label="En instruction")
        staff.get_by_role("button", name="Changer le statut").click()
        expect(staff.get_by_role("status")).to_contain_text("Statut changé : En instruction.")
        expect(staff.get_by_role("main")).to_contain_text("statut En instruction")
        assert_accessible(staff)
    finally:
        context.close()
    subjects = [str(m["Subject"]) for m in smtp.messages if HOLDER in str(m["To"])]
    # One mail per status change, in order; none for the refused filing.
    assert [s.rsplit(" : ", 1)[1] for s in subjects[-2:]] == ["Déposé", "En instruction"], subjects
    assert sum("Déposé" in s for s in subjects) == 1, subjects
    assert "Déposé → En instruction" in body_of(smtp.last_to(HOLDER))

    page.goto("/mon-espace")
    expect(page.get_by_role("row", name=TITLE)).to_contain_text("En instruction")
