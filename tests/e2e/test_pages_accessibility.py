"""Every GET page of the app, as the role that can see it, checked with axe-core (WCAG 2.1 A/AA).

One browser test per role keeps the run short; within a test every page is checked at a desktop
width and at a phone width (some rules, such as keyboard access to a table that scrolls sideways,
only fail on a narrow screen), and the violations of all pages are reported together, so one run
shows everything left to fix. The route list is checked too: a new GET page fails here until it is
added to a journey below. The labelling pages (committee, back-office, public catalogue) also check
that each radar image loads, has a French text alternative with the values, and is followed by its
data table.
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

from budgetcitoyen.accounts.models import College, Role, User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.models import Category, Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.initiatives import workshops
from budgetcitoyen.initiatives.models import (
    Attachment,
    BudgetLineRow,
    Initiative,
    InitiativeCommune,
    StatusChange,
    Workshop,
)
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.labelling import services as labelling
from budgetcitoyen.reference.models import StructureType, Territory
from budgetcitoyen.voting.ballots import cast_online
from budgetcitoyen.voting.identity import Identity, save_profile
from tests.conftest import SmtpServer, body_of
from tests.e2e.conftest import assert_accessible, log_in

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 900}  # the `page` fixture's viewport
PHONE = {"width": 375, "height": 800}
# Endpoints whose GET answer is not an HTML page: files, radar images, CSV exports, JSON.
NOT_PAGES = {
    "static",
    "theme_css",  # the configured colours, a stylesheet
    "collectivite_logo",  # an image
    "public.healthz",
    "public.readyz",
    "accounts.download_data",
    "dashboards.dossier_attachment",
    "initiatives_admin.registrations_csv",
    "initiatives_admin.dossiers_csv",
    "catalogue.radar",
    "catalogue.photo",  # an image (tests/e2e/test_initiative_photo.py shows it on its pages)
    "catalogue.open_data",
    "maps.initiatives_map",
    "maps.participation_map",
    "labelling.radar",
    "labelling_decisions.radar_image",
    "labelling_admin.scores_csv",
    "voting_admin.ballots_csv",
    "conventions.report_download",
    "conventions_admin.conventions_csv",
    "results.chart",
    "results.download",
    "results.open_data",
    "results.archives_data",
    "results.archives_csv",
    "results.editions_chart",  # an image, on the archives page (checked there)
    "results.editions_money_chart",  # likewise
    "impact.chart",  # an image, on the impact page (tests/e2e/test_impact.py)
    "results_admin.commission_report_csv",
    "structures.directory_map",  # an image, on the directory (tests/e2e/test_ambassadors.py)
    "structures.open_data",
    "structures_admin.ambassadors_csv",
    "metrics.metrics",  # Prometheus' text, behind a bearer token (tests/app/test_metrics.py)
    # Redirects to and from the identity provider; its pages and the linking page are checked with
    # axe-core by the journey through a real provider (tests/e2e/test_franceconnect_journey.py).
    "franceconnect.start",
    "franceconnect.callback",
    "franceconnect.confirm_link",
}


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



# --- Submission phase: comptoirs, ideas, dossiers -----------------------------------------------


def add_workshop(app: Flask, edition: Edition, territory: str = "calaisis", capacity: int = 10) -> int:
    with app.extensions["db_sessionmaker"]() as session:
        territory_id = session.scalar(select(Territory.id).where(Territory.code == territory))
        start = now_utc() + timedelta(days=3)
        workshop = Workshop(
            edition_id=edition.id,
            territory_id=territory_id,
            host_structure="La Fabrique",
            address="12 rue Royale, 62100 Calais",
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            capacity=capacity,
        )
        session.add(workshop)
        session.commit()
        return workshop.id


def register(app: Flask, workshop_id: int, user: User, attended: bool | None = None) -> None:
    with app.extensions["db_sessionmaker"]() as session:
        registration = workshops.register_for_workshop(
            session, session.get(User, user.id), session.get(Workshop, workshop_id), now_utc()
        )
        registration.attended = attended
        session.commit()


def add_dossier(
    app: Flask,
    edition: Edition,
    holder: User,
    status: Status = Status.FILED,
    title: str = "Recyclerie solidaire",
    territory: str = "calaisis",
) -> int:
    """A complete dossier (budget, communes, an attachment, its history) as the holder filed it."""
    now = now_utc()
    with app.extensions["db_sessionmaker"]() as session:
        territory_id = session.scalar(select(Territory.id).where(Territory.code == territory))
        category_id = session.scalar(
            select(Category.id).where(
                Category.edition_id == edition.id, Category.code == "innovation-societale"
            )
        )
        association = session.scalar(select(StructureType.id).where(StructureType.code == "association"))
        initiative = Initiative(
            edition_id=edition.id,
            holder_id=holder.id,
            title=title,
            status=status.value,
            summary="Réparer et donner une seconde vie aux objets.",
            territory_id=territory_id,
            structure_type_id=association,
            structure_name="Association Re-Faire",
            siret="44067202000037",
            structure_address="3 place d'Armes, 62100 Calais",
            contact_name="Claire Martin",
            contact_email="claire@example.org",
            contact_phone="03 21 00 00 00",
            description="Une recyclerie ouverte à tous.\nUn atelier de réparation le samedi.",
            problem_addressed="Déchets et isolement.",
            public_addressed="Habitants du Beau-Marais.",
            ess_practices="Gouvernance collégiale.",
            category_id=category_id,
            amount_asked=Decimal("8000"),
            starts_on=date(2027, 1, 15),
            duration_months=12,
            created_at=now,
            updated_at=now,
            filed_at=now if status is not Status.DRAFT else None,
        )
        initiative.action_communes = [InitiativeCommune(insee_code="62193")]
        initiative.budget_lines = [
            BudgetLineRow(
                position=i,
                account=account,
                label=label,
                amount=Decimal(amount),
                funder=funder,
                is_departement=departement,
            )
            for i, (account, label, amount, funder, departement) in enumerate(
                [
                    ("60", "Outillage", "5000", "", False),
                    ("64", "Animation des ateliers", "7000", "", False),
                    ("70", "Ventes d'objets réparés", "1000", "", False),
                    ("74", "Budget citoyen", "8000", "Département du Pas-de-Calais", True),
                    ("74", "Subvention municipale", "3000", "Ville de Calais", False),
                ]
            )
        ]
        initiative.attachments = [
            Attachment(
                original_name="statuts.pdf",
                stored_name=f"e2e-{title}-{status}",
                content_type="application/pdf",
                size=48_000,
                sha256="0" * 64,
                uploaded_at=now,
            )
        ]
        initiative.history = [
            StatusChange(to_status=Status.IDEA.value, actor_id=holder.id, at=now),
            StatusChange(
                from_status=Status.IDEA.value, to_status=Status.DRAFT.value, actor_id=holder.id, at=now
            ),
        ]
        if status is not Status.DRAFT:
            initiative.history.append(
                StatusChange(
                    from_status=Status.DRAFT.value, to_status=status.value, actor_id=holder.id, at=now
                )
            )
        session.add(initiative)
        session.commit()
        return initiative.id


def test_public_pages(
    page: Page,
    checker: PageChecker,
    app: Flask,
    smtp: SmtpServer,
    make_user: Callable[..., User],
    make_edition: Callable[..., Edition],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
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


def test_back_office_as_agent(
    page: Page, checker: PageChecker, make_user: Callable[..., User], make_edition: Callable[..., Edition]
) -> None:
    """Staff who are not administrators see a reduced back-office (no rename form, no edition links)."""
    make_edition(year=2026)
    agent = make_user(roles=(Role.AGENT,))
    log_in(page, agent.email)
    checker.visit("/gestion/", "Gestion du Budget citoyen")
    checker.visit("/gestion/territoires", "Territoires et communes")
    checker.visit("/gestion/territoires/arrageois", "Arrageois")
    checker.finish()


def test_back_office_as_admin(
    page: Page,
    checker: PageChecker,
    app: Flask,
    make_user: Callable[..., User],
    make_edition: Callable[..., Edition],
    make_committee_member: Callable[..., User],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
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

    checker.visit("/gestion/courriels", "Courriels")
    checker.visit("/gestion/courriels?etat=queued", "Courriels")
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
        "Vote des habitants — Premier jour : Indiquez le premier jour."
    )
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


def test_holder_pages(
    page: Page,
    checker: PageChecker,
    app: Flask,
    make_user: Callable[..., User],
    make_edition: Callable[..., Edition],
) -> None:
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


def test_submission_back_office(
    page: Page,
    checker: PageChecker,
    app: Flask,
    make_user: Callable[..., User],
    make_edition: Callable[..., Edition],
) -> None:
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


# --- Labelling: the committee, its back-office, the public catalogue -------------------------------

COLLEGES = (College.AMBASSADOR, College.FINANCE, College.QUALIFIED, College.MISSION_ESS)


def committee_of(edition: Edition, make_committee_member: Callable[..., User]) -> list[User]:
    """Four members, one per college."""
    return [
        make_committee_member(edition, college, email=f"membre{i}@example.org")
        for i, college in enumerate(COLLEGES)
    ]


def give(app: Flask, dossier: int, members: list[User]) -> None:
    """Assign the dossier to these members by hand."""
    with app.extensions["db_sessionmaker"]() as session:
        initiative = session.get(Initiative, dossier)
        for member in members:
            labelling.assign_by_hand(
                session, session.get(User, member.id), initiative, session.get(User, member.id), now_utc()
            )
        session.commit()


def score(
    app: Flask, dossier: int, bases: dict[int, int], submit: bool = True, answered: int | None = None
) -> None:
    """Sheets for these members (id -> base score), varied question by question so the radar has a shape;
    `answered` leaves the later questions blank (a draft)."""
    with app.extensions["db_sessionmaker"]() as session:
        initiative = session.get(Initiative, dossier)
        axes = labelling.questionnaire(session, initiative.edition)
        questions = [q.id for axis in axes for q in axis.questions]
        for member_id, base in bases.items():
            member = session.get(User, member_id)
            if not labelling.is_assigned(session, dossier, member_id):
                labelling.assign_by_hand(session, member, initiative, member, now_utc())
            sheet = {q: min(4, max(0, base + (n % 3) - 1)) for n, q in enumerate(questions[:answered])}
            labelling.save_evaluation(
                session,
                member,
                initiative,
                sheet,
                f"Avis du membre {member_id}.",
                submit=submit,
                now=now_utc(),
            )
        session.commit()


def recuse(app: Flask, dossier: int, member: User, by: User) -> None:
    """An interest in the dossier, declared by `by` for `member`."""
    with app.extensions["db_sessionmaker"]() as session:
        labelling.declare_interest(
            session,
            session.get(User, by.id),
            session.get(Initiative, dossier),
            session.get(User, member.id),
            "Salariée de la structure",
            now_utc(),
        )
        session.commit()


def decide(app: Flask, dossier: int, admin: User, labelled: bool) -> None:
    """The committee's decision, as the Mission ESS records it (category « Innovation sociétale »)."""
    with app.extensions["db_sessionmaker"]() as session:
        initiative = session.get(Initiative, dossier)
        category = session.scalar(
            select(Category).where(
                Category.edition_id == initiative.edition_id, Category.code == "innovation-societale"
            )
        )
        labelling.decide(
            session,
            session.get(User, admin.id),
            initiative,
            labelled,
            category,
            "Une réponse solide à un besoin du territoire.",
            now_utc(),
            without_evaluations=True,
        )
        session.commit()


def check_radar(page: Page) -> None:
    """The page's radar has loaded, says its values in French, and its data table comes right after it."""
    figure = page.locator("figure.radar")
    expect(figure).to_have_count(1)
    image = figure.get_by_role("img")
    # Rendered by matplotlib on first request: wait until the browser has decoded it.
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    alt = image.get_attribute("alt") or ""
    assert alt.startswith("Radar des marqueurs de l'ESS : ") and " sur 4 ; " in alt and "tableau" in alt, alt
    caption = figure.evaluate("""figure => {
        const next = figure.nextElementSibling;
        const table = next && (next.matches('table') ? next : next.querySelector('table'));
        return table && table.caption ? table.caption.textContent : null;
    }""")
    assert caption is not None and caption.startswith("Données du radar"), caption


def test_catalogue_pages(
    page: Page,
    checker: PageChecker,
    app: Flask,
    make_user: Callable[..., User],
    make_edition: Callable[..., Edition],
    make_committee_member: Callable[..., User],
) -> None:
    """The public catalogue: results, filters, nothing found, not yet published; an initiative with and
    without the committee's radar."""
    make_edition(year=2025, catalogue_published=False)
    edition = make_edition(year=2026, open_phase=Phase.LABELLING, catalogue_published=True)
    members = committee_of(edition, make_committee_member)
    admin, holder = make_user(roles=(Role.ADMIN,)), make_user()
    with_radar = add_dossier(app, edition, holder, Status.IN_REVIEW)
    score(app, with_radar, {members[0].id: 4, members[1].id: 3, members[2].id: 1})
    without_scores = add_dossier(
        app, edition, holder, Status.IN_REVIEW, title="Café associatif", territory="artois"
    )
    hidden = add_dossier(app, edition, holder, Status.IN_REVIEW, title="Ressourcerie", territory="artois")
    for dossier in (with_radar, without_scores):
        decide(app, dossier, admin, labelled=True)
    decide(app, hidden, admin, labelled=False)

    checker.visit("/initiatives", "Les initiatives citoyennes 2026")
    expect(page.get_by_role("status")).to_have_text("2 initiatives.")
    page.get_by_label("Mot-clé").fill("recyclerie")
    page.get_by_label("Territoire").select_option(label="Calaisis")
    page.get_by_label("Catégorie").select_option(label="Innovation sociétale")
    page.get_by_label("Commune").fill("Calais")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_role("status")).to_have_text("1 initiative à Calais.")
    checker.check("Les initiatives citoyennes 2026")
    checker.visit("/initiatives?q=introuvable", "Les initiatives citoyennes 2026")
    expect(page.get_by_role("status")).to_have_text("0 initiative.")
    checker.visit("/initiatives?edition=2025", "Les initiatives citoyennes 2025")
    expect(page.get_by_text("seront publiées ici")).to_be_visible()

    checker.visit(f"/initiatives/{with_radar}", "Recyclerie solidaire")
    check_radar(page)
    checker.check()
    checker.visit(f"/initiatives/{without_scores}", "Café associatif")
    expect(page.get_by_role("img")).to_have_count(0)
    checker.finish()


def test_committee_member_pages(
    page: Page,
    checker: PageChecker,
    app: Flask,
    make_user: Callable[..., User],
    make_edition: Callable[..., Edition],
    make_committee_member: Callable[..., User],
) -> None:
    """A member's list, the score sheet (blank, then refused when incomplete) and the committee's view
    once submitted."""
    edition = make_edition(year=2026, open_phase=Phase.LABELLING)
    me, *others = committee_of(edition, make_committee_member)
    holder = make_user()
    to_score = add_dossier(app, edition, holder, Status.IN_REVIEW)
    drafted = add_dossier(app, edition, holder, Status.IN_REVIEW, title="Café associatif", territory="artois")
    linked = add_dossier(
        app, edition, holder, Status.IN_REVIEW, title="Jardin partagé", territory="boulonnais"
    )
    give(app, to_score, [me])
    score(app, to_score, {others[0].id: 4, others[1].id: 2})
    score(app, drafted, {me.id: 3}, submit=False, answered=4)
    recuse(app, linked, me, me)

    log_in(page, me.email)
    checker.visit("/comite", "Comité de labellisation")
    expect(page.get_by_role("row", name="Café associatif")).to_contain_text("Brouillon")
    page.get_by_role("link", name="Recyclerie solidaire").click()
    page.get_by_text("Lire le dossier complet").click()  # the dossier itself, folded by default
    expect(page.get_by_role("table", name="Budget prévisionnel")).to_be_visible()
    checker.check("Recyclerie solidaire")

    # An incomplete sheet cannot be submitted.
    groups = page.locator("fieldset.question").all()
    for group in groups[:3]:
        group.get_by_role("radio").last.check()
    page.get_by_role("button", name="Soumettre mon évaluation").click()
    expect(page.get_by_role("alert")).to_contain_text("Notez toutes les questions")
    # Each question left blank says so; the scores given are kept.
    expect(page.get_by_text("Question sans note")).to_have_count(len(groups) - 3)
    expect(page.locator("input[type=radio]:checked")).to_have_count(3)
    checker.check("Recyclerie solidaire")

    for n, group in enumerate(page.locator("fieldset.question").all()):
        group.get_by_role("radio").nth(n % 5).check()
    page.get_by_label("Commentaire pour le comité").fill("Très bon ancrage local.")
    page.get_by_role("button", name="Soumettre mon évaluation").click()
    expect(page.get_by_text("Évaluation soumise.")).to_be_visible()
    check_radar(page)
    checker.check("Recyclerie solidaire")
    checker.finish()


def test_labelling_back_office(
    page: Page,
    checker: PageChecker,
    app: Flask,
    make_user: Callable[..., User],
    make_edition: Callable[..., Edition],
    make_committee_member: Callable[..., User],
) -> None:
    """Progress, the questionnaire (editable, frozen), the review with its decision form, the printable
    fiche."""
    edition = make_edition(year=2026, open_phase=Phase.LABELLING)
    open_edition = make_edition(year=2027, open_phase=Phase.DOSSIERS)
    members = committee_of(edition, make_committee_member)
    admin, holder = make_user(roles=(Role.ADMIN,)), make_user()
    reviewed = add_dossier(app, edition, holder, Status.IN_REVIEW)
    pending = add_dossier(app, edition, holder, Status.IN_REVIEW, title="Café associatif", territory="artois")
    add_dossier(app, edition, holder, Status.FILED, title="Jardin partagé", territory="boulonnais")
    decided = add_dossier(app, edition, holder, Status.IN_REVIEW, title="Ressourcerie", territory="ternois")
    # Four sheets on the first dossier; the fourth member then turns out to be linked to it.
    score(app, reviewed, {members[0].id: 4, members[1].id: 3, members[2].id: 1, members[3].id: 0})
    recuse(app, reviewed, members[3], admin)
    give(app, pending, members[:3])
    score(app, pending, {members[0].id: 2})
    score(app, pending, {members[1].id: 3}, submit=False, answered=2)
    decide(app, decided, admin, labelled=False)
    unscored = add_dossier(app, edition, holder, Status.IN_REVIEW, title="Atelier vélo", territory="calaisis")

    log_in(page, admin.email)
    checker.visit(f"/gestion/editions/{edition.id}/labellisation", "Labellisation")
    expect(page.get_by_role("row", name="Café associatif")).to_contain_text("1 / 3")
    checker.visit(
        f"/gestion/editions/{edition.id}/questionnaire", "Questionnaire des marqueurs de l'ESS — 2026"
    )
    expect(page.get_by_text("Questionnaire figé.")).to_be_visible()
    checker.visit(
        f"/gestion/editions/{open_edition.id}/questionnaire", "Questionnaire des marqueurs de l'ESS — 2027"
    )
    expect(page.get_by_role("heading", name="Axes et questions")).to_be_visible()

    checker.visit(f"/gestion/dossiers/{reviewed}/decision", "Recyclerie solidaire")
    check_radar(page)
    # The long description (each axis with its range across members) is read with the image, not twice.
    expect(page.locator("figure.radar img")).to_have_accessible_description(
        re.compile(r"^Utilité sociale : \d,\d\d sur 4 \(de \d,\d\d à \d,\d\d selon les membres\) ;")
    )
    expect(page.get_by_text("membre3@example.org (Service de la collectivité) a déclaré un intérêt")
           ).to_be_visible()
    checker.check()
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.get_by_role("alert")).to_contain_text("Indiquez si l'initiative est labellisée ou non.")
    expect(page.get_by_role("alert")).to_contain_text("Indiquez la motivation de la décision.")
    checker.check("Recyclerie solidaire")
    page.get_by_role("radio", name="Labellisée", exact=True).check()
    # A category whose ceiling (10 000 €) covers the 8 000 € asked.
    category = page.get_by_label("Catégorie de labellisation")
    category.select_option(label=category.locator("option", has_text="Innovation sociétale").inner_text())
    page.get_by_label("Motivation de la décision").fill("Une réponse solide à un besoin du territoire.")
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.get_by_text("Décision enregistrée")).to_be_visible()
    checker.check("Recyclerie solidaire")

    # No sheet submitted: the decision asks for an explicit confirmation.
    checker.visit(f"/gestion/dossiers/{unscored}/decision", "Atelier vélo")
    page.get_by_role("radio", name="Non labellisée", exact=True).check()
    page.get_by_label("Motivation de la décision").fill("Hors du champ de l'ESS.")
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.get_by_role("alert")).to_contain_text("cochez la case pour confirmer")
    checker.check("Atelier vélo")
    page.get_by_label("Je confirme cette décision sans évaluation soumise par le comité").check()
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.get_by_text("Décision enregistrée")).to_be_visible()

    checker.visit(f"/gestion/dossiers/{reviewed}/fiche", "Fiche d'instruction")
    check_radar(page)
    expect(page.get_by_text("n'a pris part ni au débat ni au vote")).to_be_visible()
    checker.finish()


# --- The vote's back-office: participation, paper ballots, duplicates -----------------------------


def add_ballot(app: Flask, edition: Edition, titles: list[str], holder: User) -> list[int]:
    """Labelled initiatives of the Arrageois, on the ballot."""
    now = now_utc()
    with app.extensions["db_sessionmaker"]() as session:
        territory_id = session.scalar(select(Territory.id).where(Territory.code == "arrageois"))
        rows = [
            Initiative(
                edition_id=edition.id,
                holder_id=holder.id,
                title=title,
                summary="Résumé.",
                territory_id=territory_id,
                status=Status.LABELLED.value,
                created_at=now,
                updated_at=now,
                amount_asked=Decimal(4500),
            )
            for title in titles
        ]
        session.add_all(rows)
        session.commit()
        return [row.id for row in rows]


def add_vote(app: Flask, edition: Edition, user: User, first: str, last: str, choices: list[int]) -> None:
    """The voter declares who they are (living in Arras) and votes online."""
    secret = app.config["SECRET_KEY"]
    with app.extensions["db_sessionmaker"]() as session:
        voter = session.get(User, user.id)
        identity = Identity(first, last, date(1975, 2, 14), "62041")
        save_profile(session, voter, identity, secret, None, now_utc())
        cast_online(
            session, session.get(Edition, edition.id), voter, [str(c) for c in choices], secret, now_utc()
        )
        session.commit()


def test_vote_back_office(
    page: Page,
    checker: PageChecker,
    app: Flask,
    make_user: Callable[..., User],
    make_edition: Callable[..., Edition],
) -> None:
    """The vote's dashboard (no edition yet, then with the live tally), paper ballots with their errors and
    the attendance list, the duplicates report with a void refused for want of a reason; then as an agent."""
    admin, agent = make_user(roles=(Role.ADMIN,)), make_user(roles=(Role.AGENT,))
    log_in(page, admin.email)
    checker.visit("/gestion/vote", "Vote")
    expect(page.get_by_text("Aucune édition n'existe encore.")).to_be_visible()

    edition = make_edition(year=2026, open_phase=Phase.VOTE, catalogue_published=True)
    make_edition(year=2025)
    ids = add_ballot(
        app,
        edition,
        ["Ressourcerie d'Arras", "Jardin partagé d'Achicourt", "Café associatif", "Atelier vélo"],
        make_user(),
    )
    add_vote(app, edition, make_user(email="lucie@example.org"), "Lucie", "Lefèvre-Dupont", ids[:3])
    add_vote(app, edition, make_user(email="l.lefevre@example.org"), "LUCIE", "LEFEVRE dupont", ids[1:])

    base = f"/gestion/vote/{edition.id}"
    checker.visit("/gestion/vote", "Vote — Budget citoyen test (2026)")
    page.get_by_role("button", name="Afficher les résultats provisoires au public").click()
    expect(page.get_by_role("table", name=re.compile("Voix par initiative"))).to_be_visible()
    checker.check("Vote — Budget citoyen test (2026)")

    checker.visit(f"{base}/papier", "Bulletins papier — 2026")
    page.get_by_role("button", name="Enregistrer le bulletin papier").click()
    expect(page.get_by_role("alert")).to_contain_text("Indiquez votre prénom.")
    checker.check("Bulletins papier — 2026")
    page.get_by_label("Prénom").fill("Gaspard")
    page.get_by_label("Nom", exact=True).fill("Vandewalle")
    page.get_by_label("Date de naissance").fill("1950-12-24")
    page.get_by_label("Commune de résidence").fill("Arras")
    page.get_by_label("Lieu de vote").fill("Mairie d'Arras")
    for initiative in ids[:3]:
        page.get_by_label(re.compile(rf"^n° {initiative} — ")).check()
    page.get_by_role("button", name="Enregistrer le bulletin papier").click()
    expect(page.get_by_role("status")).to_contain_text("Bulletin papier enregistré et compté.")
    expect(page.get_by_role("table", name=re.compile("ligne d'émargement"))).to_contain_text(
        "Vandewalle Gaspard"
    )
    checker.check("Bulletins papier — 2026")

    checker.visit(f"{base}/doublons", "Doublons probables — vote 2026")
    page.get_by_role("button", name="Annuler ce bulletin").first.click()
    expect(page.get_by_role("alert")).to_contain_text("Indiquez le motif de l'annulation.")
    checker.check("Doublons probables — vote 2026")

    page.get_by_role("button", name="Se déconnecter").click()
    log_in(page, agent.email)
    checker.visit("/gestion/vote", "Vote — Budget citoyen test (2026)")
    expect(page.get_by_role("link", name=re.compile("Doublons"))).to_have_count(0)
    checker.visit(f"{base}/papier", "Bulletins papier — 2026")
    checker.finish()


def test_voter_pages(
    page: Page,
    checker: PageChecker,
    app: Flask,
    make_user: Callable[..., User],
    make_edition: Callable[..., Edition],
) -> None:
    """The voter's pages in each state that shows something different: no edition, anonymous, no identity
    yet, the identity form with its errors, the ballot (blank, refused, already voted), the receipt, the
    receipt check (counted, invalid) and the participation with the live tally shown."""
    checker.visit("/vote", "Voter pour les initiatives citoyennes")
    expect(page.get_by_text("Aucune édition du Budget citoyen n'est en cours.")).to_be_visible()

    edition = make_edition(year=2026, open_phase=Phase.VOTE, catalogue_published=True)
    with app.extensions["db_sessionmaker"]() as session:
        session.get(Edition, edition.id).live_results = True  # the Mission ESS shows the running tally
        session.commit()
    ids = add_ballot(
        app,
        edition,
        ["Ressourcerie d'Arras", "Jardin partagé d'Achicourt", "Café associatif", "Atelier vélo"],
        make_user(),
    )
    add_vote(app, edition, make_user(), "Lucie", "Lefèvre", ids[1:])
    checker.visit("/vote", "Voter pour les initiatives citoyennes 2026")
    expect(page.get_by_role("link", name="Se connecter pour voter")).to_be_visible()
    checker.visit("/vote/participation", "Participation au vote 2026")
    tally = page.get_by_role("table", name="Voix par initiative (provisoire)")
    expect(tally).to_contain_text("Atelier vélo")
    checker.visit("/vote/recu", "Vérifier un reçu de vote")
    checker.visit("/vote/recu?code=abc.def", "Vérifier un reçu de vote", status=400)
    expect(page.get_by_role("alert")).to_contain_text("Ce code de reçu n'est pas valide.")

    log_in(page, make_user().email)
    checker.visit("/vote", "Voter pour les initiatives citoyennes 2026")
    expect(page.get_by_role("link", name="Indiquer mes informations")).to_be_visible()
    checker.visit("/vote/merci", "Mon reçu de vote")
    expect(page.get_by_text("Vous n'avez pas voté")).to_be_visible()
    checker.visit("/vote/identite", "Mes informations de votant")
    page.get_by_label("Date de naissance").fill("2030-01-01")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    expect(page.get_by_role("alert")).to_contain_text("Prénom : Indiquez votre prénom.")
    expect(page.get_by_role("alert")).to_contain_text("Commune de résidence : Indiquez votre commune")
    checker.check("Mes informations de votant")
    page.get_by_label("Prénom").fill("Camille")
    page.get_by_label("Nom", exact=True).fill("Martin")
    page.get_by_label("Date de naissance").fill("1990-05-04")
    page.get_by_label("Commune de résidence").fill("Arras")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    expect(page.get_by_role("group", name="Mon bulletin")).to_be_visible()
    checker.check("Voter pour les initiatives citoyennes 2026")

    page.get_by_label("Atelier vélo").check()
    page.get_by_role("button", name="Valider mon vote").click()
    expect(page.get_by_role("alert")).to_contain_text("exactement 3 initiatives (vous en avez choisi 1)")
    checker.check("Voter pour les initiatives citoyennes 2026")
    page.get_by_label("Ressourcerie d'Arras").check()
    page.get_by_label("Café associatif").check()
    page.get_by_role("button", name="Valider mon vote").click()
    checker.check("Vérifiez votre vote avant de le confirmer")
    page.get_by_role("button", name="Confirmer mon vote").click()
    checker.check("Mon reçu de vote")
    code = page.locator(".receipt-code code").inner_text().strip()
    checker.visit("/vote", "Voter pour les initiatives citoyennes 2026")
    expect(page.get_by_text("Vous avez voté le")).to_be_visible()
    expect(page.locator("input[name=choix]:checked")).to_have_count(3)
    checker.visit(f"/vote/recu?code={code}", "Vérifier un reçu de vote")
    expect(page.get_by_role("status")).to_contain_text("est compté")
    checker.finish()


def test_convention_pages(
    page: Page,
    checker: PageChecker,
    app: Flask,
    make_user: Callable[..., User],
    make_edition: Callable[..., Edition],
    make_initiative: Callable[..., Initiative],
) -> None:
    """The follow-up of the winners: the list with a late report, a convention at each step with its
    forms (errors included), and the holder's card with the final report's upload."""
    from budgetcitoyen.clock import to_local
    from tests.conventions.helpers import PDF, make_convention, winner_maker

    add_winner = winner_maker(make_initiative)
    today = to_local(now_utc()).date()
    old = make_edition(year=today.year - 3)
    edition = make_edition(year=today.year)
    admin, holder = make_user(roles=(Role.ADMIN,)), make_user()
    make_convention(
        app,
        add_winner(old, holder, title="Ressourcerie en retard"),
        admin,
        signed_on=date(old.year, 1, 15),
        paid=True,
    )
    to_sign = make_convention(app, add_winner(edition, holder, title="Café associatif"), admin)
    paid = make_convention(
        app, add_winner(edition, holder, title="Recyclerie solidaire"), admin, signed_on=today, paid=True
    )
    add_winner(edition, holder, title="Jardin partagé")  # a winner still without convention

    log_in(page, admin.email)
    checker.visit(f"/gestion/conventions?edition={old.id}", f"Conventions — {old.year}")
    expect(page.get_by_role("table", name=re.compile("Bilans finaux en retard"))).to_contain_text(
        "Ressourcerie en retard"
    )
    checker.visit("/gestion/conventions", f"Conventions — {today.year}")
    expect(page.get_by_label("Initiative lauréate")).to_contain_text("Jardin partagé")
    page.get_by_role("button", name="Créer la convention").click()
    expect(page.get_by_role("alert")).to_contain_text("Indiquez le montant accordé.")
    checker.check(f"Conventions — {today.year}")

    checker.visit(f"/gestion/conventions/{to_sign}", "Convention : Café associatif")
    page.get_by_label("Durée (mois)").fill("40")
    page.get_by_role("button", name="Enregistrer la signature").click()
    expect(page.get_by_role("alert")).to_contain_text("La durée doit être comprise entre 1 et 36 mois.")
    checker.check("Convention : Café associatif")

    checker.visit(f"/gestion/conventions/{paid}", "Convention : Recyclerie solidaire")
    page.get_by_label("Motif de la résiliation").fill("Abandon du projet.")
    page.get_by_label("Montant à reverser (€)").fill("9000")
    page.get_by_role("button", name="Résilier la convention").click()
    expect(page.get_by_role("alert")).to_contain_text("ne peut pas dépasser le montant versé")
    checker.check("Convention : Recyclerie solidaire")

    # The holder's dashboard: the card, its link to the final report's form (file and impact
    # indicators, tests/e2e/test_impact.py checks its errors), then the report sent.
    page.get_by_role("button", name="Se déconnecter").click()
    log_in(page, holder.email)
    checker.visit("/mon-espace", "Mon espace porteur")
    card = page.locator(f"#convention-{paid}")
    expect(card).to_contain_text("Bilan final à envoyer")
    card.get_by_role("link", name=re.compile("Envoyer le bilan final")).click()
    page.get_by_label(re.compile("Bilan final d'exécution")).set_input_files(
        files=[{"name": "bilan.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("group", name="L'initiative est-elle toujours active ?").get_by_label("Oui").check()
    for label in ("Bénévoles au début du projet", "Bénévoles aujourd'hui", "Salariés au début du projet",
                  "Salariés aujourd'hui"):
        page.get_by_label(label).fill("1")
    page.get_by_role("group", name="D'autres financements ont-ils été obtenus").get_by_label("Non").check()
    page.get_by_role("button", name="Envoyer le bilan final").click()
    expect(page.get_by_text("Votre bilan final est envoyé.")).to_be_visible()
    checker.check("Mon espace porteur")

    # Back to the Mission ESS: the report is in, the convention can be closed.
    page.get_by_role("button", name="Se déconnecter").click()
    log_in(page, admin.email)
    checker.visit(f"/gestion/conventions/{paid}", "Convention : Recyclerie solidaire")
    expect(page.get_by_role("heading", name="Solder la convention")).to_be_visible()
    page.get_by_role("button", name="Solder la convention").click()
    expect(page.get_by_text("Convention soldée.")).to_be_visible()
    checker.check("Convention : Recyclerie solidaire")
    checker.finish()


def test_results_pages(
    page: Page,
    checker: PageChecker,
    app: Flask,
    make_user: Callable[..., User],
    make_edition: Callable[..., Edition],
) -> None:
    """The results before publication; the allocation page through the close of the vote (a reason refused
    then given), the computation, the publication (refused without the confirmation); the Commission
    permanente report before and after; the published results with their charts."""
    from tests.results.helpers import YEAR, make_scenario

    make_scenario(app, make_edition, make_user)
    admin = make_user(roles=(Role.ADMIN,))
    checker.visit("/resultats", "Résultats de toutes les éditions")
    expect(page.get_by_role("status")).to_contain_text("Aucune édition n'a encore publié ses résultats.")
    checker.visit(f"/resultats/{YEAR}", f"Résultats du Budget citoyen {YEAR}")
    expect(page.get_by_role("status")).to_contain_text("Les résultats ne sont pas encore publiés.")

    log_in(page, admin.email)
    base = f"/gestion/editions/{YEAR}"
    checker.visit(
        f"{base}/commission-permanente", f"Rapport à la Commission permanente — Budget citoyen {YEAR}"
    )
    checker.visit(f"{base}/repartition", "Répartition de l'enveloppe")
    page.get_by_role("button", name="Clore le vote maintenant").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Indiquez pourquoi le vote est clos avant la date prévue."
    )
    checker.check("Répartition de l'enveloppe")
    page.get_by_label("Motif de la clôture anticipée").fill("Démonstration devant la CDESS.")
    page.get_by_role("button", name="Clore le vote maintenant").click()
    expect(page.get_by_role("status")).to_contain_text("Le vote est clos.")
    checker.check("Répartition de l'enveloppe")
    # The rule simulator on the closed vote's ballots, then the rule kept with a reason.
    page.get_by_role("link", name="Simulateur de règles").click()
    checker.check("Simulateur de règles")
    page.get_by_role("button", name="Comparer les règles", exact=True).click()
    expect(page.get_by_role("table", name="Synthèse par règle")).to_be_visible()
    checker.check("Simulateur de règles")
    page.get_by_role("button", name="Retenir cette règle").click()
    expect(page.get_by_role("alert")).to_contain_text("Indiquez pourquoi cette règle est retenue.")
    checker.check("Simulateur de règles")
    page.get_by_label("Motif du choix").fill("Règle des éditions précédentes.")
    page.get_by_role("button", name="Retenir cette règle").click()
    expect(page.get_by_role("status")).to_contain_text("Cette règle était déjà celle de l'édition.")
    checker.check("Simulateur de règles")
    checker.visit(f"{base}/repartition", "Répartition de l'enveloppe")
    page.get_by_role("button", name="Calculer la répartition").click()
    expect(page.get_by_role("status")).to_contain_text("Répartition calculée : 3 lauréates")
    expect(page.get_by_role("table", name=re.compile("proposés \\(aperçu\\)"))).to_contain_text(
        "Ressourcerie d'Arras"
    )
    checker.check("Répartition de l'enveloppe")
    page.get_by_role("button", name="Publier les résultats").click()
    expect(page.get_by_role("alert")).to_contain_text("Cochez la case pour confirmer la publication.")
    checker.check("Répartition de l'enveloppe")
    page.get_by_label("Je confirme la publication").check()
    page.get_by_role("button", name="Publier les résultats").click()
    expect(page.get_by_role("status")).to_contain_text("Résultats publiés : 3 lauréates")
    checker.check("Répartition de l'enveloppe")
    checker.visit(
        f"{base}/commission-permanente", f"Rapport à la Commission permanente — Budget citoyen {YEAR}"
    )
    expect(
        page.get_by_role("table", name=re.compile("Imputation budgétaire")).locator("tbody tr")
    ).to_have_count(3)

    checker.visit("/resultats", "Résultats de toutes les éditions")
    expect(page.get_by_role("table", name=re.compile("résultats sont publiés"))).to_contain_text(str(YEAR))
    page.get_by_role("link", name=re.compile(f"^{YEAR} — ")).click()
    checker.visit(f"/resultats/{YEAR}", f"Résultats du Budget citoyen {YEAR}")
    for image in page.locator("figure.chart img").all():
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    checker.check()
    checker.finish()


def test_every_get_page_is_covered(app: Flask) -> None:
    """A page added to the app must be added to one of the journeys above."""
    covered = {
        "public.home",
        "public.how_it_works",
        "public.legal",
        "public.privacy",
        "public.accessibility",
        "public.sitemap",
        # The FAQ and the editable pages' back-office: tests/e2e/test_citizen_home.py.
        "public.faq",
        "pages_admin.pages",
        "pages_admin.page",
        "accounts.signup",
        "accounts.confirm",
        "accounts.resend_confirmation",
        "accounts.login",
        "accounts.forgot_password",
        "accounts.reset_password",
        "accounts.account",
        "accounts.change_password",
        "accounts.change_email",
        "accounts.apply_email_change",
        "accounts.delete_account",
        "admin.dashboard",
        "editions_admin.editions",
        "editions_admin.edition_new",
        "editions_admin.edition",
        "editions_admin.edition_calendar",
        "editions_admin.edition_categories",
        "editions_admin.edition_committee",
        "reference_admin.territories",
        "reference_admin.territory",
        "accounts_admin.users",
        "accounts_admin.user",
        "mail_admin.outbox",
        "mail_admin.outbox_mail",
        "audit_admin.audit_log",
        "dashboards.holder",
        "initiatives.workshops",
        "initiatives.new_idea",
        "initiatives.dossier",
        "initiatives_admin.workshops",
        "initiatives_admin.workshop",
        "initiatives_admin.dossiers",
        "initiatives_admin.dossier",
        "catalogue.index",
        "catalogue.show",
        "labelling.index",
        "labelling.dossier",
        "labelling_admin.progress",
        "labelling_questionnaire.questionnaire",
        "labelling_decisions.decision",
        "labelling_decisions.fiche",
        "voting_admin.dashboard",
        "voting_admin.paper",
        "voting_admin.duplicates",
        "voting.ballot",
        "voting.identity",
        "voting.thanks",
        "voting.receipt",
        "voting.participation",
        "conventions_admin.conventions",
        "conventions_admin.convention",
        # The impact follow-up and the final report's form: tests/e2e/test_impact.py.
        "conventions.report_form",
        "impact.page",
        "impact.survey",
        "impact.thanks",
        "impact_admin.overview",
        "results.show",
        "results.archives",
        "results_admin.allocation",
        "results_simulator.simulator",
        "results_admin.commission_report",
        # The ambassadors' directory, a profile, the holder's form and the Mission ESS's list:
        # tests/e2e/test_ambassadors.py.
        "structures.directory",
        "structures.profile",
        "structures.edit_profile",
        "structures_admin.ambassadors",
    }
    pages = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in (rule.methods or set())}
    assert pages - NOT_PAGES - covered == set()
