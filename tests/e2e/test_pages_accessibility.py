"""Every GET page of the app, as the role that can see it, checked with axe-core (WCAG 2.1 A/AA).

One browser test per role keeps the run short; within a test every page is checked at a desktop
width and at a phone width (some rules, such as keyboard access to a table that scrolls sideways,
only fail on a narrow screen), and the violations of all pages are reported together, so one run
shows everything left to fix. The route list is checked too: a new GET page fails here until it is
added to a journey below.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from budgetcitoyen.accounts.models import Role, User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.models import Category, Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.initiatives import services
from budgetcitoyen.initiatives.models import (
    Attachment,
    BudgetLineRow,
    Initiative,
    InitiativeCommune,
    StatusChange,
    Workshop,
)
from budgetcitoyen.initiatives.workflow import Status
from budgetcitoyen.reference.models import StructureType, Territory
from tests.conftest import SmtpServer, body_of
from tests.e2e.conftest import assert_accessible
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 900}  # the `page` fixture's viewport
PHONE = {"width": 375, "height": 800}
# Endpoints whose GET answer is not an HTML page: files, CSV exports, JSON.
NOT_PAGES = {"static", "public.healthz", "accounts.download_data", "initiatives.attachment_download",
             "initiatives_admin.registrations_csv", "initiatives_admin.dossiers_csv"}
# Blueprints not yet walked through here (prefixes): the public catalogue of initiatives and the
# committee's labelling pages are being written (test_committee_journey.py checks the latter at desktop
# width only); add journeys for them once they settle, then empty this tuple.
NOT_YET_COVERED_BLUEPRINTS = ("catalogue", "labelling")


class PageChecker:
    """Visits pages and runs axe-core on each, remembering every failure until the end of the test."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.failures: list[str] = []

    def check(self, expected_heading: str | None = None) -> None:
        """axe-core on the page as it is now (after a form submission, for instance)."""
        if expected_heading is not None:
            expect(self.page.get_by_role("heading", level=1)).to_contain_text(expected_heading)
        for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            self.page.set_viewport_size(viewport)
            try:
                assert_accessible(self.page)
            except pytest.fail.Exception as failure:
                self.failures.append(f"[{name} {viewport['width']} px] {failure}")
        self.page.set_viewport_size(DESKTOP)

    def visit(self, path: str, expected_heading: str | None = None, status: int = 200) -> None:
        response = self.page.goto(path)
        assert response is not None, path
        assert response.status == status, f"{path}: HTTP {response.status}, expected {status}"
        self.check(expected_heading)

    def finish(self) -> None:
        if self.failures:
            pytest.fail("\n\n".join(self.failures), pytrace=False)


@pytest.fixture
def checker(page: Page) -> PageChecker:
    return PageChecker(page)


def log_in(page: Page, email: str) -> None:
    """Through the real log-in form, as a person would."""
    page.goto("/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_text("Vous êtes connecté.")).to_be_visible()


# --- Submission phase: comptoirs, ideas, dossiers -----------------------------------------------


def add_workshop(app: Flask, edition: Edition, territory: str = "calaisis", capacity: int = 10) -> int:
    with app.extensions["db_sessionmaker"]() as session:
        territory_id = session.scalar(select(Territory.id).where(Territory.code == territory))
        start = now_utc() + timedelta(days=3)
        workshop = Workshop(edition_id=edition.id, territory_id=territory_id, host_structure="La Fabrique",
                            address="12 rue Royale, 62100 Calais", starts_at=start,
                            ends_at=start + timedelta(hours=3), capacity=capacity)
        session.add(workshop)
        session.commit()
        return workshop.id


def register(app: Flask, workshop_id: int, user: User, attended: bool | None = None) -> None:
    with app.extensions["db_sessionmaker"]() as session:
        registration = services.register_for_workshop(session, session.get(User, user.id),
                                                      session.get(Workshop, workshop_id), now_utc())
        registration.attended = attended
        session.commit()


def add_dossier(app: Flask, edition: Edition, holder: User, status: Status = Status.FILED,
                title: str = "Recyclerie solidaire", territory: str = "calaisis") -> int:
    """A complete dossier (budget, communes, an attachment, its history) as the holder filed it."""
    now = now_utc()
    with app.extensions["db_sessionmaker"]() as session:
        territory_id = session.scalar(select(Territory.id).where(Territory.code == territory))
        category_id = session.scalar(select(Category.id).where(Category.edition_id == edition.id,
                                                               Category.code == "innovation-societale"))
        association = session.scalar(select(StructureType.id).where(StructureType.code == "association"))
        initiative = Initiative(
            edition_id=edition.id, holder_id=holder.id, title=title, status=status.value,
            summary="Réparer et donner une seconde vie aux objets.", territory_id=territory_id,
            structure_type_id=association, structure_name="Association Re-Faire", siret="44067202000037",
            structure_address="3 place d'Armes, 62100 Calais", contact_name="Claire Martin",
            contact_email="claire@example.org", contact_phone="03 21 00 00 00",
            description="Une recyclerie ouverte à tous.\nUn atelier de réparation le samedi.",
            problem_addressed="Déchets et isolement.", public_addressed="Habitants du Beau-Marais.",
            ess_practices="Gouvernance collégiale.", category_id=category_id, amount_asked=Decimal("8000"),
            starts_on=date(2027, 1, 15), duration_months=12, created_at=now, updated_at=now,
            filed_at=now if status is not Status.DRAFT else None)
        initiative.action_communes = [InitiativeCommune(insee_code="62193")]
        initiative.budget_lines = [
            BudgetLineRow(position=i, account=account, label=label, amount=Decimal(amount), funder=funder,
                          is_departement=departement)
            for i, (account, label, amount, funder, departement) in enumerate([
                ("60", "Outillage", "5000", "", False), ("64", "Animation des ateliers", "7000", "", False),
                ("70", "Ventes d'objets réparés", "1000", "", False),
                ("74", "Budget citoyen", "8000", "Département du Pas-de-Calais", True),
                ("74", "Subvention municipale", "3000", "Ville de Calais", False)])]
        initiative.attachments = [Attachment(original_name="statuts.pdf", stored_name=f"e2e-{title}-{status}",
                                             content_type="application/pdf", size=48_000, sha256="0" * 64,
                                             uploaded_at=now)]
        initiative.history = [StatusChange(to_status=Status.IDEA.value, actor_id=holder.id, at=now),
                              StatusChange(from_status=Status.IDEA.value, to_status=Status.DRAFT.value,
                                           actor_id=holder.id, at=now)]
        if status is not Status.DRAFT:
            initiative.history.append(StatusChange(from_status=Status.DRAFT.value, to_status=status.value,
                                                   actor_id=holder.id, at=now))
        session.add(initiative)
        session.commit()
        return initiative.id


def test_public_pages(page: Page, checker: PageChecker, app: Flask, smtp: SmtpServer,
                      make_user: Callable[..., User], make_edition: Callable[..., Edition],
                      monkeypatch: pytest.MonkeyPatch) -> None:
    # Home without any published edition, then every public page.
    checker.visit("/", "Budget citoyen")
    for path, heading in [
        ("/comment-ca-marche", "Comment ça marche"),
        ("/mentions-legales", "Mentions légales"),
        ("/donnees-personnelles", "Données personnelles"),
        ("/accessibilite", "Déclaration d'accessibilité"),
        ("/plan-du-site", "Plan du site"),
        ("/inscription", "Créer un compte"),
        ("/connexion", "Se connecter"),
        ("/mot-de-passe-oublie", "Mot de passe oublié"),
        ("/confirmation/renvoyer", "Renvoyer le lien de confirmation"),
    ]:
        checker.visit(path, heading)
    checker.visit("/cette-page-n-existe-pas", "Page introuvable", status=404)
    checker.visit("/confirmer/abc", "Lien non valide", status=400)
    checker.visit("/mot-de-passe/abc", "Lien non valide", status=400)
    checker.visit("/compte/adresse/abc", "Lien non valide", status=400)

    # Sign-up with every error displayed.
    page.goto("/inscription")
    page.get_by_label("Adresse e-mail").fill("pas-une-adresse")
    page.get_by_label("Mot de passe", exact=True).fill("court")
    page.get_by_label("Confirmation du mot de passe").fill("autre")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("alert")).to_be_visible()
    checker.check("Créer un compte")

    # The reset form reached from a real link.
    user = make_user()
    page.goto("/mot-de-passe-oublie")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_role("button", name="Recevoir le lien").click()
    link = re.search(r"http://\S+", body_of(smtp.last_to(user.email)))
    assert link is not None
    checker.visit(link.group(0), "Choisir un nouveau mot de passe")

    # Home with a published edition in its voting phase, with the demonstration banner.
    make_edition(year=2026, open_phase=Phase.VOTE)
    monkeypatch.setitem(app.config, "DEMO_MODE", True)
    checker.visit("/", "Budget citoyen")
    expect(page.get_by_role("table")).to_contain_text("En cours")
    expect(page.get_by_text("Site de démonstration")).to_be_visible()
    checker.finish()


def test_account_pages(page: Page, checker: PageChecker, make_user: Callable[..., User]) -> None:
    user = make_user()
    log_in(page, user.email)
    checker.check()
    for path, heading in [
        ("/compte", "Mon compte"),
        ("/compte/mot-de-passe", "Changer mon mot de passe"),
        ("/compte/adresse", "Changer mon adresse e-mail"),
        ("/compte/supprimer", "Supprimer mon compte"),
    ]:
        checker.visit(path, heading)
    # A resident sent to the back-office gets the refusal page.
    checker.visit("/gestion/", "Accès refusé", status=403)

    # Errors on a form with a checkbox.
    page.goto("/compte/supprimer")
    page.get_by_role("button", name="Supprimer définitivement mon compte").click()
    expect(page.get_by_role("alert")).to_be_visible()
    checker.check("Supprimer mon compte")
    checker.finish()


def test_back_office_as_agent(page: Page, checker: PageChecker, make_user: Callable[..., User],
                              make_edition: Callable[..., Edition]) -> None:
    """Staff who are not administrators see a reduced back-office (no rename form, no edition links)."""
    make_edition(year=2026)
    agent = make_user(roles=(Role.AGENT,))
    log_in(page, agent.email)
    checker.visit("/gestion/", "Gestion du Budget citoyen")
    checker.visit("/gestion/territoires", "Territoires et communes")
    checker.visit("/gestion/territoires/arrageois", "Arrageois")
    checker.finish()


def test_back_office_as_admin(page: Page, checker: PageChecker, app: Flask,
                              make_user: Callable[..., User], make_edition: Callable[..., Edition],
                              make_committee_member: Callable[..., User],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    admin = make_user(roles=(Role.ADMIN,))
    edition = make_edition(year=2026, open_phase=Phase.DOSSIERS)
    member = make_committee_member(edition)

    # Without SMTP, mails land in the outbox that the back-office lists.
    monkeypatch.setitem(app.config, "MAIL_HOST", None)
    page.goto("/mot-de-passe-oublie")
    page.get_by_label("Adresse e-mail").fill(admin.email)
    page.get_by_role("button", name="Recevoir le lien").click()
    expect(page.get_by_role("status")).to_contain_text("lien de réinitialisation")

    log_in(page, admin.email)
    base = f"/gestion/editions/{edition.id}"
    for path, heading in [
        ("/gestion/", "Gestion du Budget citoyen"),
        ("/gestion/editions", "Éditions"),
        ("/gestion/editions/nouvelle", "Nouvelle édition"),
        (base, "Budget citoyen test"),
        (f"{base}/calendrier", "Calendrier de l'édition 2026"),
        (f"{base}/categories", "Catégories et plafonds"),
        (f"{base}/comite", "Comité de labellisation"),
        ("/gestion/territoires", "Territoires et communes"),
        ("/gestion/territoires/arrageois", "Arrageois"),
        ("/gestion/utilisateurs", "Utilisateurs et rôles"),
        (f"/gestion/utilisateurs/{member.id}", member.email),
    ]:
        checker.visit(path, heading)
    expect(page.get_by_text("Ambassadeur de l'ESS")).to_be_visible()

    checker.visit("/gestion/courriels", "Courriels envoyés")
    page.get_by_role("link", name="Réinitialisation de votre mot de passe").first.click()
    checker.check("Réinitialisation de votre mot de passe")

    # Form errors: a new edition without a title, a missing date in a group of fields,
    # a committee seat for an unknown address.
    page.goto("/gestion/editions/nouvelle")
    page.get_by_label("Titre").fill("")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("alert")).to_contain_text("Indiquez un titre.")
    checker.check("Nouvelle édition")
    page.goto(f"{base}/calendrier")
    page.locator("fieldset", has_text="Vote des habitants").get_by_label("Premier jour").fill("")
    page.get_by_role("button", name="Enregistrer le calendrier").click()
    # The summary names the group of a field that sits in one: "Premier jour" alone would be ambiguous.
    expect(page.get_by_role("alert")).to_contain_text(
        "Vote des habitants — Premier jour : Indiquez le premier jour.")
    checker.check("Calendrier de l'édition 2026")
    page.goto(f"{base}/comite")
    page.get_by_label("Adresse e-mail du compte").fill("personne@example.org")
    page.get_by_role("button", name="Ajouter au comité").click()
    expect(page.get_by_role("alert")).to_contain_text("Aucun compte")
    checker.check("Comité de labellisation")

    # A change through the form, so the journal shows a before/after entry by a person.
    page.goto(base)
    page.get_by_label("Titre").fill("Budget citoyen 2026")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Paramètres enregistrés.")).to_be_visible()
    checker.check("Budget citoyen 2026")
    checker.visit("/gestion/journal", "Journal des modifications")
    expect(page.get_by_role("cell", name=admin.email).first).to_be_visible()
    checker.finish()


def test_holder_pages(page: Page, checker: PageChecker, app: Flask, make_user: Callable[..., User],
                      make_edition: Callable[..., Edition]) -> None:
    """Comptoirs, ideas and dossiers as a project holder sees them, errors included."""
    edition = make_edition(year=2026, open_phase=Phase.DOSSIERS)
    add_workshop(app, edition)
    # Someone else took the only seat in the Boulonnais: that comptoir shows "Complet".
    register(app, add_workshop(app, edition, territory="boulonnais", capacity=1), make_user())
    holder = make_user()
    checker.visit("/comptoirs", "Comptoirs à initiatives citoyennes")  # anonymous: a link to log in
    expect(page.get_by_role("row", name="Calaisis")).to_contain_text("Se connecter pour s'inscrire")
    expect(page.get_by_role("row", name="Boulonnais")).to_contain_text("Complet")

    log_in(page, holder.email)
    checker.visit("/mon-espace", "Mon espace porteur")  # nothing yet, the comptoir still to choose
    checker.visit("/comptoirs", "Comptoirs à initiatives citoyennes")
    page.get_by_role("button", name="S'inscrire au comptoir du Calaisis").click()
    expect(page.get_by_role("button", name="Annuler mon inscription")).to_be_visible()
    checker.check("Comptoirs à initiatives citoyennes")

    page.goto("/idees/nouvelle")
    page.get_by_role("button", name="Déposer mon idée").click()
    expect(page.get_by_role("alert")).to_contain_text("Donnez un titre à votre idée.")
    checker.check("Déposer une idée")

    draft = add_dossier(app, edition, holder, Status.DRAFT, title="Café associatif")
    filed = add_dossier(app, edition, holder, Status.FILED)
    checker.visit("/mon-espace", "Mon espace porteur")
    expect(page.get_by_role("row", name="Recyclerie solidaire")).to_contain_text("Déposé")

    # The editable dossier: a cell the form refuses, then a filing the rules refuse.
    page.goto(f"/dossiers/{draft}")
    page.get_by_label("Montant en euros de la ligne 1", exact=True).fill("beaucoup")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.get_by_role("alert")).to_contain_text("Budget, ligne 1 — Montant (€) : Indiquez un montant")
    checker.check("Dossier « Café associatif »")
    page.get_by_label("Montant en euros de la ligne 1", exact=True).fill("5000")
    page.get_by_label("Montant en euros de la ligne 2", exact=True).fill("6999")
    page.get_by_label("Description de l'initiative").fill("")
    page.get_by_label("Numéro SIRET").fill("44067202000038")
    page.get_by_role("button", name="Déposer le dossier").click()
    expect(page.get_by_role("alert")).to_contain_text("Le budget n'est pas équilibré")
    expect(page.get_by_role("alert")).to_contain_text("Il manque la description.")
    checker.check("Dossier « Café associatif »")

    checker.visit(f"/dossiers/{filed}", "Dossier « Recyclerie solidaire »")  # read-only
    expect(page.get_by_text("Ce dossier ne peut pas être modifié")).to_be_visible()
    checker.finish()


def test_submission_back_office(page: Page, checker: PageChecker, app: Flask, make_user: Callable[..., User],
                                make_edition: Callable[..., Edition]) -> None:
    """Comptoirs and dossiers as the Mission ESS manages them, errors included; then as an agent."""
    edition = make_edition(year=2026, open_phase=Phase.DOSSIERS)
    workshop = add_workshop(app, edition)
    add_workshop(app, edition, territory="boulonnais")
    holder, other = make_user(email="claire@example.org"), make_user(email="paul@example.org")
    register(app, workshop, holder, attended=True)
    register(app, workshop, other)
    filed = add_dossier(app, edition, holder)
    add_dossier(app, edition, other, Status.DRAFT, title="Café associatif", territory="artois")
    admin = make_user(roles=(Role.ADMIN,))
    with app.extensions["db_sessionmaker"]() as session:
        calaisis = str(session.scalar(select(Territory.id).where(Territory.code == "calaisis")))

    log_in(page, admin.email)
    comptoirs = f"/gestion/editions/{edition.id}/comptoirs"
    checker.visit(comptoirs, "Comptoirs à initiatives citoyennes — 2026")
    page.get_by_label("Territoire").select_option(label="Boulonnais")
    page.get_by_label("Structure d'accueil").fill("Le Cap")
    page.get_by_label("Adresse", exact=True).fill("1 quai Gambetta, Boulogne-sur-Mer")
    page.get_by_label("Date", exact=True).fill((date.today() + timedelta(days=5)).isoformat())
    page.get_by_label("Heure de début").fill("18:00")
    page.get_by_label("Heure de fin").fill("17:00")
    page.get_by_role("button", name="Enregistrer le comptoir").click()
    expect(page.get_by_role("alert")).to_contain_text("Indiquez le nombre de places.")
    checker.check("Comptoirs à initiatives citoyennes — 2026")
    checker.visit(f"/gestion/comptoirs/{workshop}", "Comptoir du Calaisis")
    expect(page.get_by_role("table")).to_contain_text("paul@example.org")

    checker.visit("/gestion/dossiers", "Dossiers")
    checker.visit(f"/gestion/dossiers?statut=filed&territoire={calaisis}&q=recyclerie&tri=titre", "Dossiers")
    expect(page.get_by_role("table")).to_contain_text("1 dossier")
    checker.visit(f"/gestion/dossiers/{filed}", "Recyclerie solidaire")
    page.get_by_label("Nouveau statut").select_option(label="Abandonné")
    page.get_by_role("button", name="Changer le statut").click()
    expect(page.get_by_role("alert")).to_contain_text("Indiquez le motif")
    checker.check("Recyclerie solidaire")

    # An agent sees the same pages without the forms that change things.
    page.get_by_role("button", name="Se déconnecter").click()
    log_in(page, make_user(roles=(Role.AGENT,)).email)
    checker.visit(f"/gestion/comptoirs/{workshop}", "Comptoir du Calaisis")
    checker.visit(f"/gestion/dossiers/{filed}", "Recyclerie solidaire")
    expect(page.get_by_role("button", name="Changer le statut")).to_have_count(0)
    checker.finish()


def test_every_get_page_is_covered(app: Flask) -> None:
    """A page added to the app must be added to one of the journeys above."""
    covered = {
        "public.home", "public.how_it_works", "public.legal", "public.privacy", "public.accessibility",
        "public.sitemap", "accounts.signup", "accounts.confirm", "accounts.resend_confirmation",
        "accounts.login", "accounts.forgot_password", "accounts.reset_password", "accounts.account",
        "accounts.change_password", "accounts.change_email", "accounts.apply_email_change",
        "accounts.delete_account", "admin.dashboard", "admin.editions", "admin.edition_new", "admin.edition",
        "admin.edition_calendar", "admin.edition_categories", "admin.edition_committee", "admin.territories",
        "admin.territory", "admin.users", "admin.user", "admin.outbox", "admin.outbox_mail",
        "admin.audit_log", "initiatives.dashboard", "initiatives.workshops", "initiatives.new_idea",
        "initiatives.dossier", "initiatives_admin.workshops", "initiatives_admin.workshop",
        "initiatives_admin.dossiers", "initiatives_admin.dossier",
    }
    pages = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in (rule.methods or set())
             and not rule.endpoint.startswith(NOT_YET_COVERED_BLUEPRINTS)}
    assert pages - NOT_PAGES - covered == set()
