"""Every route x every role -> the expected status. A route missing from the table fails the suite."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from budgetcitoyen import extensions
from budgetcitoyen.accounts.models import College, CommitteeMembership, Role
from budgetcitoyen.clock import now_utc
from budgetcitoyen.conventions.models import Convention
from budgetcitoyen.initiatives.models import Attachment, Initiative, Workshop
from budgetcitoyen.mail.outbox import RenderedMail, store
from budgetcitoyen.reference.models import Territory
from budgetcitoyen.security import enforce_access
from budgetcitoyen.structures.models import Structure, StructureInitiative
from budgetcitoyen.web import access_rule_of
from tests.helpers import login, post_form

ROLES = ("anonymous", "resident", "holder", "committee", "agent", "admin")

# What each access level answers to each role. Written out by hand on purpose: the test
# must not derive its expectations from the decorators it checks.
EXPECTED = {
    "public": dict.fromkeys(ROLES, 200),
    "anonymous_only": {"anonymous": 200, **dict.fromkeys(ROLES[1:], 302)},
    "token": dict.fromkeys(ROLES, 400),  # the URLs below carry an invalid token
    "authenticated": {"anonymous": 302, **dict.fromkeys(ROLES[1:], 200)},
    "staff": {"anonymous": 302, "resident": 403, "holder": 403, "committee": 403, "agent": 200, "admin": 200},
    "admin": {"anonymous": 302, "resident": 403, "holder": 403, "committee": 403, "agent": 403, "admin": 200},
    # Someone else's dossier: only its holder (not among these roles) may open it.
    "holder_of_it": {"anonymous": 302, **dict.fromkeys(ROLES[1:], 403)},
    # Not public (an idea, or a catalogue not yet published): the same 404 for everyone.
    "hidden": dict.fromkeys(ROLES, 404),
    # Staff only, and nothing to show yet (a radar before any submitted sheet): 404 for the staff.
    "staff_empty": {
        "anonymous": 302,
        "resident": 403,
        "holder": 403,
        "committee": 403,
        "agent": 404,
        "admin": 404,
    },
    "committee": {
        "anonymous": 302,
        "resident": 403,
        "holder": 403,
        "committee": 200,
        "agent": 403,
        "admin": 403,
    },
    # A dossier not assigned to anyone of these roles: committee pages refuse everyone.
    "assigned_member": {"anonymous": 302, **dict.fromkeys(ROLES[1:], 403)},
}

# endpoint -> (URL to GET, access level). {edition}, {user} and {mail} are filled in by the fixture.
GET_ROUTES = {
    "public.home": ("/", "public"),
    "theme_css": ("/theme.css", "public"),
    # No logo in the shared storage in these tests: the same 404 for everyone.
    "collectivite_logo": ("/logo", "hidden"),
    "public.how_it_works": ("/comment-ca-marche", "public"),
    "public.legal": ("/mentions-legales", "public"),
    "public.faq": ("/questions-frequentes", "public"),
    "pages_admin.pages": ("/gestion/pages", "admin"),
    "pages_admin.page": ("/gestion/pages/mentions-legales", "admin"),
    "public.privacy": ("/donnees-personnelles", "public"),
    "public.accessibility": ("/accessibilite", "public"),
    "public.sitemap": ("/plan-du-site", "public"),
    "public.healthz": ("/healthz", "public"),
    "public.readyz": ("/readyz", "public"),
    # The operators' bearer token, not a role, opens it (tests/app/test_metrics.py): 404 to every account.
    "metrics.metrics": ("/metrics", "hidden"),
    "voting.ballot": ("/vote", "public"),
    "voting.thanks": ("/vote/merci", "authenticated"),
    "voting.identity": ("/vote/identite", "authenticated"),
    "voting.receipt": ("/vote/recu", "public"),
    "voting.participation": ("/vote/participation", "public"),
    # Without BUDGETCITOYEN_OIDC_* (tests/voting/test_franceconnect.py sets them) these pages are absent.
    "franceconnect.start": ("/franceconnect/connexion", "hidden"),
    "franceconnect.callback": ("/franceconnect/retour", "hidden"),
    "franceconnect.confirm_link": ("/franceconnect/rattacher", "hidden"),
    "voting_admin.dashboard": ("/gestion/vote/{edition}", "staff"),
    "voting_admin.paper": ("/gestion/vote/{edition}/papier", "staff"),
    "voting_admin.duplicates": ("/gestion/vote/{edition}/doublons", "admin"),
    "voting_admin.ballots_csv": ("/gestion/vote/{edition}/bulletins.csv", "admin"),
    "accounts.signup": ("/inscription", "anonymous_only"),
    "accounts.login": ("/connexion", "anonymous_only"),
    "accounts.confirm": ("/confirmer/jeton-invalide", "token"),
    "accounts.resend_confirmation": ("/confirmation/renvoyer", "public"),
    "accounts.forgot_password": ("/mot-de-passe-oublie", "public"),
    "accounts.reset_password": ("/mot-de-passe/jeton-invalide", "token"),
    "accounts.apply_email_change": ("/compte/adresse/jeton-invalide", "token"),
    "accounts.account": ("/compte", "authenticated"),
    "accounts.change_password": ("/compte/mot-de-passe", "authenticated"),
    "accounts.change_email": ("/compte/adresse", "authenticated"),
    "accounts.download_data": ("/compte/mes-donnees.json", "authenticated"),
    "accounts.delete_account": ("/compte/supprimer", "authenticated"),
    "admin.dashboard": ("/gestion/", "staff"),
    "reference_admin.territories": ("/gestion/territoires", "staff"),
    "reference_admin.territory": ("/gestion/territoires/arrageois", "staff"),
    "editions_admin.editions": ("/gestion/editions", "admin"),
    "editions_admin.edition_new": ("/gestion/editions/nouvelle", "admin"),
    "editions_admin.edition": ("/gestion/editions/{edition}", "admin"),
    "editions_admin.edition_calendar": ("/gestion/editions/{edition}/calendrier", "admin"),
    "editions_admin.edition_categories": ("/gestion/editions/{edition}/categories", "admin"),
    "editions_admin.edition_committee": ("/gestion/editions/{edition}/comite", "admin"),
    "accounts_admin.users": ("/gestion/utilisateurs", "admin"),
    "accounts_admin.user": ("/gestion/utilisateurs/{user}", "admin"),
    "mail_admin.outbox": ("/gestion/courriels", "admin"),
    "mail_admin.outbox_mail": ("/gestion/courriels/{mail}", "admin"),
    "audit_admin.audit_log": ("/gestion/journal", "admin"),
    "dashboards.holder": ("/mon-espace", "authenticated"),
    "initiatives.workshops": ("/comptoirs", "public"),
    "initiatives.new_idea": ("/idees/nouvelle", "authenticated"),
    "initiatives.dossier": ("/dossiers/{initiative}", "holder_of_it"),
    "dashboards.dossier_attachment": ("/dossiers/{initiative}/pieces/{attachment}", "staff"),
    "initiatives_admin.workshops": ("/gestion/editions/{edition}/comptoirs", "staff"),
    "initiatives_admin.workshop": ("/gestion/comptoirs/{workshop}", "staff"),
    "initiatives_admin.registrations_csv": (
        "/gestion/editions/{edition}/inscriptions-comptoirs.csv",
        "staff",
    ),
    "initiatives_admin.dossiers": ("/gestion/dossiers", "staff"),
    "initiatives_admin.dossiers_csv": ("/gestion/dossiers.csv", "staff"),
    "initiatives_admin.dossier": ("/gestion/dossiers/{initiative}", "staff"),
    "conventions.report_download": ("/dossiers/{initiative}/convention/bilan", "staff"),
    "conventions.report_form": ("/dossiers/{initiative}/convention/bilan/envoyer", "holder_of_it"),
    "impact.page": ("/impact", "public"),
    # No survey campaign in these tests: no chart, the same 404 for everyone.
    "impact.chart": ("/impact/2026/graphique.svg", "hidden"),
    "impact.survey": ("/impact/questionnaire/jeton-invalide", "token"),
    "impact.thanks": ("/impact/merci", "public"),
    "impact_admin.overview": ("/gestion/impact", "staff"),
    "conventions_admin.conventions": ("/gestion/conventions", "staff"),
    "conventions_admin.conventions_csv": ("/gestion/conventions.csv", "staff"),
    "conventions_admin.convention": ("/gestion/conventions/{convention}", "staff"),
    "labelling_admin.progress": ("/gestion/editions/{edition}/labellisation", "staff"),
    "labelling_questionnaire.questionnaire": ("/gestion/editions/{edition}/questionnaire", "staff"),
    "labelling_admin.scores_csv": ("/gestion/editions/{edition}/notes.csv", "staff"),
    "labelling_decisions.decision": ("/gestion/dossiers/{initiative}/decision", "staff"),
    "labelling_decisions.fiche": ("/gestion/dossiers/{initiative}/fiche", "staff"),
    "labelling_decisions.radar_image": ("/gestion/dossiers/{initiative}/radar.png", "staff_empty"),
    "catalogue.index": ("/initiatives", "public"),
    "catalogue.show": ("/initiatives/{initiative}", "hidden"),
    "catalogue.radar": ("/initiatives/{initiative}/radar.png", "hidden"),
    # A photo the idea does not have: the same 404 for everyone.
    "catalogue.photo": ("/initiatives/{initiative}/photo/" + "0" * 32 + "-480.jpg", "hidden"),
    "catalogue.open_data": ("/api/editions/2026/initiatives.json", "public"),
    # The matrix's catalogue is unpublished (404 for everyone); its default calendar has the vote opened.
    "maps.initiatives_map": ("/initiatives/carte.svg?edition=2026", "hidden"),
    "maps.participation_map": ("/vote/participation/carte.svg", "public"),
    "labelling.index": ("/comite", "committee"),
    "labelling.dossier": ("/comite/dossiers/{initiative}", "assigned_member"),
    "labelling.radar": ("/comite/dossiers/{initiative}/radar.png", "assigned_member"),
    # Results of the 2026 edition: published edition, allocation not published (nor computed).
    "results.archives": ("/resultats", "public"),
    "results.archives_data": ("/api/editions.json", "public"),
    "results.archives_csv": ("/api/editions.csv", "public"),
    "results.editions_chart": ("/resultats/graphiques/editions.svg", "public"),
    "results.editions_money_chart": ("/resultats/graphiques/editions-montants.svg", "public"),
    "results.show": ("/resultats/2026", "public"),
    "results.chart": ("/resultats/2026/graphiques/voix.svg", "hidden"),
    "results.download": ("/resultats/2026/budget-citoyen-2026-bulletins.pb", "hidden"),
    "results.open_data": ("/api/editions/2026/results.json", "hidden"),
    "results_admin.allocation": ("/gestion/editions/2026/repartition", "admin"),
    "results_simulator.simulator": ("/gestion/editions/2026/simulateur", "admin"),
    "results_admin.commission_report": ("/gestion/editions/2026/commission-permanente", "staff"),
    "results_admin.commission_report_csv": (
        "/gestion/editions/2026/commission-permanente.csv",
        "staff_empty",
    ),
    # The ambassadors' directory; the matrix's structure has no published profile: its page is hidden.
    "structures.directory": ("/ambassadeurs", "public"),
    "structures.directory_map": ("/ambassadeurs/carte.svg", "public"),
    "structures.open_data": ("/api/ambassadeurs.json", "public"),
    "structures.profile": ("/ambassadeurs/{structure}", "hidden"),
    "structures.edit_profile": ("/mon-espace/structures/{structure}/profil", "holder_of_it"),
    "structures_admin.ambassadors": ("/gestion/ambassadeurs", "staff"),
    "structures_admin.ambassadors_csv": ("/gestion/ambassadeurs.csv", "staff"),
}

# Endpoints reached only by POST, with the level of the POST.
POST_ONLY_ROUTES = {
    "labelling_questionnaire.update": "admin",
    "labelling_questionnaire.axis_add": "admin",
    "labelling_questionnaire.question_add": "admin",
    "labelling_questionnaire.axis_remove": "admin",
    "labelling_questionnaire.question_remove": "admin",
    "labelling_decisions.decide": "admin",
    "accounts.logout": "authenticated",
    "voting.cast": "authenticated",
    "franceconnect.logout": "authenticated",
    "voting_admin.live_results": "admin",
    "voting_admin.void_account_ballot": "admin",
    "editions_admin.edition_committee_remove": "admin",
    "reference_admin.territory_rename": "admin",
    "initiatives.workshop_register": "authenticated",
    "initiatives.workshop_cancel": "authenticated",
    "initiatives.attachment_add": "holder_of_it",
    "initiatives.attachment_remove": "holder_of_it",
    "initiatives.photo_save": "holder_of_it",
    "initiatives.photo_remove": "holder_of_it",
    "initiatives.abandon": "holder_of_it",
    "initiatives_admin.attendance": "staff",
    "conventions.report_upload": "holder_of_it",
    "conventions_admin.create": "admin",
    "conventions_admin.sign": "admin",
    "conventions_admin.pay": "admin",
    "conventions_admin.report": "admin",
    "conventions_admin.close": "admin",
    "conventions_admin.terminate": "admin",
    "impact_admin.send": "admin",
    "labelling_admin.auto_assign": "admin",
    "labelling_admin.assign": "admin",
    "labelling_admin.unassign": "admin",
    "labelling_admin.record_interest": "admin",
    "labelling_admin.remind": "admin",
    "mail_admin.retry": "admin",
    "labelling.declare_interest": "committee",
    "results_admin.close_vote": "admin",
    "results_admin.compute": "admin",
    "results_admin.publish": "admin",
    "results_simulator.simulate_file": "admin",
    "results_simulator.choose_rule": "admin",
    "structures_admin.collective": "admin",
}



def test_every_route_is_in_the_matrix_and_declares_a_rule(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert endpoints == set(GET_ROUTES) | set(POST_ONLY_ROUTES)
    undeclared = [e for e in endpoints if access_rule_of(app, e) is None]
    assert undeclared == []


def test_a_view_without_a_declared_rule_is_refused(app: Flask) -> None:
    # Deny by default: a view added without @access answers 403 rather than opening up.
    bare = Flask(__name__)
    bare.config.update(app.config)
    bare.before_request(enforce_access)
    bare.add_url_rule("/oubli", "oubli", lambda: "ouvert")
    extensions.login_manager.init_app(bare)
    assert bare.test_client().get("/oubli").status_code == 403


def _initiative_with_attachment(app: Flask, edition_id: int, holder_id: int) -> tuple[int, int, int]:
    now = now_utc()
    folder = Path(app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "0123456789abcdef0123456789abcdef.pdf").write_bytes(b"%PDF-1.4\n")
    with app.extensions["db_sessionmaker"]() as session:
        territory_id = session.scalar(select(Territory.id).where(Territory.code == "artois"))
        initiative = Initiative(
            edition_id=edition_id,
            holder_id=holder_id,
            title="Jardin partagé",
            summary="Un jardin.",
            territory_id=territory_id,
            created_at=now,
            updated_at=now,
        )
        initiative.attachments.append(
            Attachment(
                original_name="statuts.pdf",
                stored_name="0123456789abcdef0123456789abcdef.pdf",
                content_type="application/pdf",
                size=9,
                sha256="0" * 64,
                uploaded_at=now,
            )
        )
        session.add(initiative)
        start = now + timedelta(days=5)
        workshop = Workshop(
            edition_id=edition_id,
            territory_id=territory_id,
            host_structure="Maison des associations",
            address="Béthune",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            capacity=5,
        )
        session.add(workshop)
        session.commit()
        return initiative.id, initiative.attachments[0].id, workshop.id


def _convention_with_report(app: Flask, initiative_id: int) -> int:
    """The initiative's convention, paid, with its final report on disk (served to its holder and the
    staff)."""
    now = now_utc()
    folder = Path(app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "fedcba9876543210fedcba9876543210.pdf").write_bytes(b"%PDF-1.4\n")
    with app.extensions["db_sessionmaker"]() as session:
        initiative = session.get(Initiative, initiative_id)
        convention = Convention(
            initiative_id=initiative_id,
            edition_id=initiative.edition_id,
            status="report_received",
            amount_granted=Decimal("5000"),
            duration_months=18,
            created_at=now,
            updated_at=now,
            signed_on=date(2026, 1, 31),
            end_on=date(2027, 7, 31),
            report_due_on=date(2028, 1, 31),
            paid_on=date(2026, 2, 2),
            amount_paid=Decimal("5000"),
            report_original_name="bilan.pdf",
            report_stored_name="fedcba9876543210fedcba9876543210.pdf",
            report_content_type="application/pdf",
            report_size=9,
            report_sha256="0" * 64,
            report_received_at=now,
        )
        session.add(convention)
        session.commit()
        return convention.id


def _structure_of(app: Flask, initiative_id: int) -> int:
    """The dossier's structure, its public profile unpublished."""
    with app.extensions["db_sessionmaker"]() as session:
        now = now_utc()
        structure = Structure(name="Jardin partagé", name_key="jardin partage", created_at=now,
                              updated_at=now)
        structure.links.append(StructureInitiative(initiative_id=initiative_id))
        session.add(structure)
        session.commit()
        return structure.id


@pytest.fixture
def as_role(
    app: Flask, make_user: Callable, make_edition: Callable, make_committee_member: Callable
) -> Callable[[str], tuple[FlaskClient, dict[str, str]]]:
    edition = make_edition(year=2026)
    target = make_user(email="cible@example.org")
    with app.extensions["db_sessionmaker"]() as session:
        message = b"To: x@example.org\r\nSubject: Essai\r\n\r\nBonjour\r\n"
        mail_id = store(session, [RenderedMail("x@example.org", "Essai", "test", message)], now_utc())[0].id
        session.commit()
    initiative_id, attachment_id, workshop_id = _initiative_with_attachment(app, edition.id, target.id)
    convention_id = _convention_with_report(app, initiative_id)
    structure_id = _structure_of(app, initiative_id)
    params = {
        "edition": str(edition.id),
        "user": str(target.id),
        "mail": str(mail_id),
        "initiative": str(initiative_id),
        "attachment": str(attachment_id),
        "workshop": str(workshop_id),
        "convention": str(convention_id),
        "structure": str(structure_id),
    }

    def make(role: str) -> tuple[FlaskClient, dict[str, str]]:
        client = app.test_client()
        if role == "anonymous":
            return client, params
        email = f"{role}@example.org"
        if role == "committee":
            make_committee_member(edition, College.AMBASSADOR, email=email)
        else:
            roles = {"holder": (Role.HOLDER,), "agent": (Role.AGENT,), "admin": (Role.ADMIN,)}.get(role, ())
            make_user(email=email, roles=roles)
        login(client, email)
        return client, params

    return make


@pytest.mark.parametrize("role", ROLES)
def test_get_matrix(role: str, as_role: Callable) -> None:
    client, params = as_role(role)
    failures = []
    for endpoint, (url, level) in GET_ROUTES.items():
        status = client.get(url.format(**params)).status_code
        if status != EXPECTED[level][role]:
            failures.append(f"{endpoint} {url}: {status}, expected {EXPECTED[level][role]}")
    assert failures == []


@pytest.mark.parametrize("role", ROLES)
def test_post_only_routes(role: str, as_role: Callable, app: Flask, make_committee_member: Callable) -> None:
    client, params = as_role(role)
    token_page = "/connexion" if role == "anonymous" else "/compte"
    seat_owner = make_committee_member(SimpleNamespace(id=int(params["edition"])), College.FINANCE)
    with app.app_context():
        session = app.extensions["db_sessionmaker"]()
        seat_id = session.scalar(
            select(CommitteeMembership.id).where(CommitteeMembership.user_id == seat_owner.id)
        )
        session.close()
    remove_url = f"/gestion/editions/{params['edition']}/comite/{seat_id}/retirer"
    expected_remove = {"anonymous": 302, "admin": 302}.get(role, 403)
    assert post_form(client, remove_url, {}, token_from=token_page).status_code == expected_remove
    expected_logout = 302  # anonymous: sent to log in; others: logged out and sent home
    response = post_form(client, "/deconnexion", {}, token_from=token_page)
    assert response.status_code == expected_logout
    assert ("/connexion" in response.headers["Location"]) == (role == "anonymous")


def test_only_admins_rename_territories(as_role: Callable) -> None:
    agent, _ = as_role("agent")
    assert post_form(agent, "/gestion/territoires/arrageois", {"name": "Arrageois bis"}).status_code == 403
    admin, _ = as_role("admin")
    assert post_form(admin, "/gestion/territoires/arrageois", {"name": "Arrageois bis"}).status_code == 302
