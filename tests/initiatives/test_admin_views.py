"""Back-office of dossiers and comptoirs: list, filters, CSV, status changes with e-mails, reopening,
attendance."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from budgetcitoyen.accounts.models import Role
from budgetcitoyen.audit.models import AuditEntry
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.initiatives.models import Initiative, Workshop, WorkshopRegistration
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.reference.models import Territory
from tests.conftest import SmtpServer
from tests.helpers import post_form, text_of


@pytest.fixture
def edition(make_edition: Callable) -> Edition:
    return make_edition(open_phase=Phase.DOSSIERS)


@pytest.fixture
def admin(login_as: Callable) -> FlaskClient:
    return login_as(Role.ADMIN)


def test_list_filter_and_csv(
    admin: FlaskClient, edition: Edition, make_initiative: Callable, db_session
) -> None:
    make_initiative(edition, title="Jardin partagé", territory="artois")
    make_initiative(
        edition, title='=HYPERLINK("http://x")', territory="calaisis", structure_name="Ressourcerie"
    )
    make_initiative(edition, title="Café associatif", status=Status.DRAFT, territory="calaisis")
    calaisis = db_session.scalar(select(Territory.id).where(Territory.code == "calaisis"))
    page = text_of(admin.get(f"/gestion/dossiers?territoire={calaisis}&statut=filed"))
    assert "HYPERLINK" in page
    assert "Jardin partagé" not in page and "Café associatif" not in page
    assert "1 dossier" in page
    assert "Jardin partagé" in text_of(admin.get("/gestion/dossiers?q=JARDIN"))
    response = admin.get("/gestion/dossiers.csv?statut=filed")
    assert response.headers["Content-Type"].startswith("text/csv")
    body = response.data.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:4] == ["N°", "Édition", "Titre", "Statut"] and len(rows) == 3
    titles = {row[2] for row in rows[1:]}
    # A title that a spreadsheet would run as a formula is neutralised.
    assert titles == {"Jardin partagé", '\'=HYPERLINK("http://x")'}


def test_status_change_mails_the_holder_and_is_audited(
    admin: FlaskClient,
    edition: Edition,
    make_initiative: Callable,
    make_user: Callable,
    smtp: SmtpServer,
    db_session,
) -> None:
    initiative = make_initiative(edition, holder=make_user(email="porteur@example.org"))
    url = f"/gestion/dossiers/{initiative.id}"
    assert post_form(admin, url, {"target": "in_review", "reason": ""}).status_code == 302
    db_session.expire_all()
    assert db_session.get(Initiative, initiative.id).status == "in_review"
    mail = smtp.last_to("porteur@example.org")
    assert "En instruction" in mail["Subject"]
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "initiative.status"))
    assert entry.before == {"status": "filed"} and entry.after["status"] == "in_review"
    # A forbidden move is refused in French; labelling needs a reason.
    refused = post_form(admin, url, {"target": "winner", "reason": "x"})
    assert refused.status_code == 422
    missing_reason = post_form(admin, url, {"target": "draft", "reason": " "})
    assert missing_reason.status_code == 422 and "Indiquez le motif" in text_of(missing_reason)
    # Labelling is decided on the committee's decision page, with a category: not offered here.
    assert post_form(admin, url, {"target": "labelled", "reason": "x"}).status_code == 422
    assert "/decision" in text_of(admin.get(url))


def test_reopening_lets_the_holder_edit_after_the_deadline(
    app: Flask,
    admin: FlaskClient,
    edition: Edition,
    make_initiative: Callable,
    make_user: Callable,
    login_as: Callable,
) -> None:
    porteur = make_user(email="porteur@example.org")
    initiative = make_initiative(edition, holder=porteur)
    with app.extensions["db_sessionmaker"]() as session:
        for phase in session.get(Edition, edition.id).phases:
            if phase.phase in ("ideas", "dossiers"):
                phase.ends_at = now_utc() - timedelta(hours=1)
        session.commit()
    url = f"/gestion/dossiers/{initiative.id}"
    no_reason = post_form(admin, url, {"target": "draft", "reason": ""})
    assert no_reason.status_code == 422
    last_day = (now_utc() + timedelta(days=3)).date().isoformat()
    assert (
        post_form(
            admin, url, {"target": "draft", "reason": "Budget à corriger", "reopen_until": last_day}
        ).status_code
        == 302
    )
    holder = login_as(porteur)
    page = text_of(holder.get(f"/dossiers/{initiative.id}"))
    assert "Enregistrer le brouillon" in page and "rouvert jusqu'au" in page
    history = text_of(holder.get(f"/dossiers/{initiative.id}"))
    assert "Budget à corriger" in history


def test_agents_see_but_do_not_change(
    login_as: Callable, edition: Edition, make_initiative: Callable
) -> None:
    initiative = make_initiative(edition)
    agent = login_as(Role.AGENT)
    assert agent.get(f"/gestion/dossiers/{initiative.id}").status_code == 200
    assert post_form(agent, f"/gestion/dossiers/{initiative.id}", {"target": "in_review"}).status_code == 403


def test_comptoirs_management_and_attendance(
    admin: FlaskClient, edition: Edition, login_as: Callable, db_session
) -> None:
    territory = db_session.scalar(select(Territory.id).where(Territory.code == "boulonnais"))
    url = f"/gestion/editions/{edition.id}/comptoirs"
    day = (now_utc() + timedelta(days=5)).date().isoformat()
    form = {
        "territory_id": str(territory),
        "host_structure": "Le Cap",
        "address": "1 quai, Boulogne-sur-Mer",
        "day": day,
        "starts": "18:00",
        "ends": "17:00",
        "capacity": "2",
    }
    wrong = post_form(admin, url, form)
    assert wrong.status_code == 422 and "se terminer après son début" in text_of(wrong)
    assert post_form(admin, url, {**form, "ends": "21:00"}).status_code == 302
    workshop = db_session.scalar(select(Workshop))
    assert workshop.capacity == 2
    lea = login_as(email="lea@example.org")
    # The ideas phase is still open in this calendar (ideas and dossiers overlap).
    assert (
        post_form(lea, f"/comptoirs/{workshop.id}/inscription", {}, token_from="/comptoirs").status_code
        == 302
    )
    registration = db_session.scalar(select(WorkshopRegistration))
    assert registration is not None
    # Capacity cannot drop below the sign-ups.
    shrink = post_form(admin, f"/gestion/comptoirs/{workshop.id}", {**form, "ends": "21:00", "capacity": "0"})
    assert shrink.status_code == 422
    agent = login_as(Role.AGENT)
    assert (
        post_form(
            agent,
            f"/gestion/inscriptions/{registration.id}/presence",
            {"attended": "yes"},
            token_from=f"/gestion/comptoirs/{workshop.id}",
        ).status_code
        == 302
    )
    db_session.expire_all()
    assert db_session.get(WorkshopRegistration, registration.id).attended is True
    body = admin.get(f"/gestion/editions/{edition.id}/inscriptions-comptoirs.csv").data.decode("utf-8")
    assert "lea@example.org" in body and "présent" in body


def test_reopening_date_must_be_within_a_year(
    admin: FlaskClient, edition: Edition, make_initiative: Callable
) -> None:
    initiative = make_initiative(edition)
    response = post_form(
        admin,
        f"/gestion/dossiers/{initiative.id}",
        {"target": "draft", "reason": "Corriger", "reopen_until": "9999-12-31"},
    )
    assert response.status_code == 422 and "dans un an" in text_of(response)
