"""The follow-up pages: who may see and act, the step forms with their French errors, the holder's card."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from budgetcitoyen.clock import now_utc, to_local
from budgetcitoyen.conventions.models import Convention
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.initiatives.rules import Status
from tests.conftest import SmtpServer, body_of
from tests.conventions.helpers import IMPACT_FORM, PDF, load, make_convention
from tests.helpers import csrf_token, text_of


def today() -> date:
    return to_local(now_utc()).date()


def post_step(client: FlaskClient, url: str, prefix: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """POST one of the page's step forms: its fields carry the form's prefix, the CSRF token included."""
    token = csrf_token(client, "/compte")
    payload = {f"{prefix}-{key}": value for key, value in {"csrf_token": token, **data}.items()}
    return client.post(url, data=payload, **kwargs)


def count(db_session: Any) -> int:
    return db_session.scalar(select(func.count()).select_from(Convention))


def test_staff_list_shows_late_reports_and_winners_without_convention(
    app: Flask,
    people: dict[str, Any],
    make_edition: Callable[..., Edition],
    login_as: Callable[..., FlaskClient],
    add_winner: Callable[..., int],
) -> None:
    admin, holder = people["admin"], people["holder"]
    old = make_edition(year=today().year - 3)
    # Signed in January three years ago: ended 18 months later, report due 6 months after that: late.
    late = make_convention(
        app,
        add_winner(old, holder, title="Recyclerie en retard"),
        admin,
        signed_on=date(old.year, 1, 15),
        paid=True,
    )
    make_convention(
        app, add_winner(old, holder, title="Jardin à jour"), admin, signed_on=date(old.year, 1, 15)
    )
    add_winner(old, holder, title="Café sans convention")
    agent = login_as(people["agent"])
    page = agent.get(f"/gestion/conventions?edition={old.id}")
    assert page.status_code == 200
    text = text_of(page)
    assert f"Conventions — {old.year}" in text and "Café sans convention" in text
    late_section = text.split("Rapports en retard")[1].split("Suivi des conventions")[0]
    assert "Recyclerie en retard" in late_section and "Jardin à jour" in late_section  # signed, never paid
    assert "Créer la convention" not in text  # agents follow, administrators act
    assert f'href="/gestion/conventions/{late}"' in page.get_data(as_text=True)
    # The current edition is the default, and has nothing yet.
    current = text_of(agent.get("/gestion/conventions"))
    assert f"Conventions — {today().year}" in current and "Aucun bilan final en retard." in current
    admin_client = login_as(people["admin"])
    paid_only = text_of(admin_client.get(f"/gestion/conventions?edition={old.id}&statut=paid"))
    assert "Créer la convention" in paid_only and "1 convention « Versée »" in paid_only
    every = text_of(admin_client.get("/gestion/conventions?edition=toutes&statut=inconnu"))
    assert "Conventions — toutes les éditions" in every and "2 conventions" in every


def test_residents_and_holders_are_refused(
    app: Flask, people: dict[str, Any], login_as: Callable[..., FlaskClient]
) -> None:
    holder = login_as(people["holder"])
    assert holder.get("/gestion/conventions").status_code == 403
    assert holder.get("/gestion/conventions.csv").status_code == 403
    assert app.test_client().get("/gestion/conventions").status_code == 302


def test_create_from_the_list_with_french_errors(
    app: Flask,
    people: dict[str, Any],
    db_session,
    login_as: Callable[..., FlaskClient],
    add_winner: Callable[..., int],
) -> None:
    initiative_id = add_winner(people["edition"], people["holder"])
    admin = login_as(people["admin"])
    url = f"/gestion/conventions/nouvelle?edition={people['edition'].id}"
    token = csrf_token(admin, "/compte")
    refused = admin.post(
        url, data={"csrf_token": token, "initiative_id": str(initiative_id), "amount": "douze"}
    )
    assert refused.status_code == 422
    assert "Indiquez un montant en chiffres, par exemple 1500 ou 1500,50." in text_of(refused)
    assert count(db_session) == 0
    done = admin.post(
        url, data={"csrf_token": token, "initiative_id": str(initiative_id), "amount": "7 500,50"}
    )
    assert done.status_code == 302
    assert db_session.scalar(select(Convention.amount_granted)) == Decimal("7500.50")
    # The winner is no longer offered; posting it again is refused in French.
    again = admin.post(url, data={"csrf_token": token, "initiative_id": str(initiative_id), "amount": "10"})
    assert again.status_code == 422 and "Initiative lauréate : N'est pas un choix valide." in text_of(again)
    assert count(db_session) == 1
    # Agents may not create.
    agent = login_as(people["agent"])
    assert (
        agent.post(
            url, data={"csrf_token": csrf_token(agent, "/compte"), "initiative_id": "1", "amount": "10"}
        ).status_code
        == 403
    )


def test_each_step_through_the_pages(
    app: Flask,
    people: dict[str, Any],
    smtp: SmtpServer,
    db_session,
    login_as: Callable[..., FlaskClient],
    add_winner: Callable[..., int],
) -> None:
    initiative_id = add_winner(people["edition"], people["holder"])
    convention_id = make_convention(app, initiative_id, people["admin"])
    admin = login_as(people["admin"])
    base = f"/gestion/conventions/{convention_id}"
    page = text_of(admin.get(base))
    assert "Signature par les deux parties" in page and "Versement de la subvention" not in page

    # Signature: a date in the future and a duration out of range are refused, in French.
    tomorrow = (today() + timedelta(days=1)).isoformat()
    refused = post_step(
        admin, f"{base}/signature", "signature", {"signed_on": tomorrow, "duration_months": "40"}
    )
    assert refused.status_code == 422
    assert "La durée doit être comprise entre 1 et 36 mois." in text_of(refused)
    refused = post_step(
        admin, f"{base}/signature", "signature", {"signed_on": tomorrow, "duration_months": "18"}
    )
    assert "La date de signature ne peut pas être dans le futur." in text_of(refused)
    refused = post_step(
        admin, f"{base}/signature", "signature", {"signed_on": "31/02/2026", "duration_months": "18"}
    )
    assert refused.status_code == 422 and "Date de signature : N'est pas une date valide." in text_of(refused)
    assert load(app, convention_id).status == "to_sign"

    signed_on = today()
    response = post_step(
        admin, f"{base}/signature", "signature", {"signed_on": signed_on.isoformat(), "duration_months": "18"}
    )
    assert response.status_code == 302
    saved = load(app, convention_id)
    assert saved.status == "signed" and saved.initiative.status == Status.UNDER_AGREEMENT.value
    mail = smtp.last_to("porteuse@example.org")
    assert "convention signée" in str(mail["Subject"]) and "inclus, sans reconduction tacite" in body_of(mail)

    # Payment above the grant, then right.
    refused = post_step(
        admin, f"{base}/versement", "versement", {"paid_on": signed_on.isoformat(), "amount_paid": "8000,01"}
    )
    assert refused.status_code == 422
    assert "Le montant versé ne peut pas dépasser le montant accordé." in text_of(refused)
    assert (
        post_step(
            admin, f"{base}/versement", "versement", {"paid_on": signed_on.isoformat(), "amount_paid": "8000"}
        ).status_code
        == 302
    )
    assert "subvention versée" in str(smtp.last_to("porteuse@example.org")["Subject"])

    # Termination: more than paid is refused, the reason is required.
    refused = post_step(
        admin,
        f"{base}/resiliation",
        "resiliation",
        {"terminated_on": signed_on.isoformat(), "reason": "", "amount_to_repay": "9000"},
    )
    assert refused.status_code == 422
    text = text_of(refused)
    assert "Indiquez le motif de la résiliation." in text
    refused = post_step(
        admin,
        f"{base}/resiliation",
        "resiliation",
        {"terminated_on": signed_on.isoformat(), "reason": "Abandon", "amount_to_repay": "9000"},
    )
    assert "Le montant à reverser ne peut pas dépasser le montant versé." in text_of(refused)
    assert load(app, convention_id).status == "paid"

    # Closing is not offered before the final report; posting it anyway is refused.
    refused = post_step(
        admin, f"{base}/cloture", "cloture", {"closed_on": signed_on.isoformat(), "amount_to_repay": "0"}
    )
    assert refused.status_code == 422 and "« Versée » ne peut pas passer à « Soldée »" in text_of(refused)

    # The Mission ESS records a report received by post, then closes with a reduction.
    response = admin.post(
        f"{base}/bilan",
        data={
            "bilan-csrf_token": csrf_token(admin, "/compte"),
            "bilan-file": (io.BytesIO(PDF), "bilan papier.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert (
        post_step(
            admin,
            f"{base}/cloture",
            "cloture",
            {"closed_on": today().isoformat(), "amount_to_repay": "1200", "note": "Dépenses moindres."},
        ).status_code
        == 302
    )
    saved = load(app, convention_id)
    assert (saved.status, saved.amount_to_repay) == ("closed", Decimal("1200.00"))
    assert saved.initiative.status == Status.CLOSED.value
    closing_mail = body_of(smtp.last_to("porteuse@example.org"))
    assert "1\u202f200,00\xa0€ sont à reverser" in closing_mail
    page = text_of(admin.get(base))
    assert "Étapes suivantes" not in page and "bilan papier.pdf" in page


def test_agents_see_but_do_not_act(
    app: Flask, people: dict[str, Any], login_as: Callable[..., FlaskClient], add_winner: Callable[..., int]
) -> None:
    convention_id = make_convention(
        app, add_winner(people["edition"], people["holder"]), people["admin"]
    )
    agent = login_as(people["agent"])
    page = agent.get(f"/gestion/conventions/{convention_id}")
    assert page.status_code == 200 and "Étapes suivantes" not in text_of(page)
    response = post_step(
        agent,
        f"/gestion/conventions/{convention_id}/signature",
        "signature",
        {"signed_on": today().isoformat(), "duration_months": "18"},
    )
    assert response.status_code == 403
    assert load(app, convention_id).status == "to_sign"
    assert agent.get("/gestion/conventions/999999").status_code == 404


def test_csv_export(
    app: Flask, people: dict[str, Any], login_as: Callable[..., FlaskClient], add_winner: Callable[..., int]
) -> None:
    make_convention(
        app,
        add_winner(people["edition"], people["holder"], title="=cmd|'/C calc'!A0"),
        people["admin"],
        signed_on=today(),
        paid=True,
    )
    response = login_as(people["agent"]).get(
        f"/gestion/conventions.csv?edition={people['edition'].id}"
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f"conventions-{people['edition'].year}.csv" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeffN°;Édition;Initiative")
    row = text.splitlines()[1].split(";")
    assert row[2] == "'=cmd|'/C calc'!A0"  # a formula is neutralised
    assert row[5] == "Versée" and row[6] == "8000.00" and row[7] == today().strftime("%d/%m/%Y")


def _paid_for_holder(app: Flask, people: dict[str, Any], add_winner: Callable[..., int]) -> tuple[int, int]:
    initiative_id = add_winner(people["edition"], people["holder"])
    return initiative_id, make_convention(app, initiative_id, people["admin"], signed_on=today(), paid=True)


def upload(client: FlaskClient, initiative_id: int, convention_id: int, content: bytes, name: str,
           **impact: str) -> Any:
    prefix = f"bilan-{convention_id}"
    answers = {**IMPACT_FORM, **impact}
    return client.post(
        f"/dossiers/{initiative_id}/convention/bilan",
        data={
            f"{prefix}-csrf_token": csrf_token(client, "/compte"),
            f"{prefix}-file": (io.BytesIO(content), name),
            **{f"{prefix}-{key}": value for key, value in answers.items() if value != ""},
        },
        content_type="multipart/form-data",
    )


def test_holder_card_and_final_report(
    app: Flask,
    people: dict[str, Any],
    smtp: SmtpServer,
    login_as: Callable[..., FlaskClient],
    add_winner: Callable[..., int],
) -> None:
    initiative_id, convention_id = _paid_for_holder(app, people, add_winner)
    holder = login_as(people["holder"])
    dashboard = text_of(holder.get("/mon-espace"))
    assert "Mes conventions" in dashboard and "Envoyer le bilan final" in dashboard
    assert "Bilan final à envoyer" in dashboard and "inclus (18 mois)" in dashboard

    folder = Path(app.config["UPLOAD_FOLDER"])
    form = text_of(holder.get(f"/dossiers/{initiative_id}/convention/bilan/envoyer"))
    assert "Bilan final : Recyclerie solidaire" in form and "Bénévoles au début du projet" in form
    refused = upload(holder, initiative_id, convention_id, b"<html>pas un pdf</html>", "bilan.pdf")
    assert refused.status_code == 422
    assert "Seuls les fichiers PDF, PNG et JPEG sont acceptés" in text_of(refused)
    assert not folder.exists() or list(folder.iterdir()) == []
    assert load(app, convention_id).status == "paid"

    assert upload(holder, initiative_id, convention_id, PDF, "Bilan 2027.pdf").status_code == 302
    saved = load(app, convention_id)
    assert saved.status == "report_received"
    assert (folder / saved.report_stored_name).read_bytes() == PDF
    assert "bilan final reçu" in str(smtp.last_to("porteuse@example.org")["Subject"])

    download = holder.get(f"/dossiers/{initiative_id}/convention/bilan")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["Cache-Control"] == "private, no-store"
    assert (
        login_as(people["agent"]).get(f"/dossiers/{initiative_id}/convention/bilan").status_code
        == 200
    )
    other = login_as(people["other"])
    assert other.get(f"/dossiers/{initiative_id}/convention/bilan").status_code == 403
    assert upload(other, initiative_id, convention_id, PDF, "intrus.pdf").status_code == 403

    # A corrected report replaces the first, whose file is deleted.
    first = saved.report_stored_name
    assert upload(holder, initiative_id, convention_id, PDF + b"v2", "Bilan corrigé.pdf").status_code == 302
    assert not (folder / first).exists()
    assert "Remplacer le bilan final" in text_of(holder.get("/mon-espace"))


def test_no_report_before_payment_and_no_convention_no_form(
    app: Flask, people: dict[str, Any], login_as: Callable[..., FlaskClient], add_winner: Callable[..., int]
) -> None:
    initiative_id = add_winner(people["edition"], people["holder"])
    convention_id = make_convention(app, initiative_id, people["admin"])
    holder = login_as(people["holder"])
    dashboard = text_of(holder.get("/mon-espace"))
    assert "À signer" in dashboard and "Envoyer le bilan final" not in dashboard
    refused = upload(holder, initiative_id, convention_id, PDF, "bilan.pdf")
    assert refused.status_code == 422
    assert "Le bilan final s'envoie une fois la subvention versée." in text_of(refused)
    folder = Path(app.config["UPLOAD_FOLDER"])
    assert not folder.exists() or list(folder.iterdir()) == []
    lone = add_winner(people["edition"], people["holder"], title="Sans convention")
    assert holder.get(f"/dossiers/{lone}/convention/bilan").status_code == 404
    assert "Mes conventions" not in text_of(login_as(people["other"]).get("/mon-espace"))


def test_every_step_refuses_a_missing_or_foreign_csrf_token(
    app: Flask,
    people: dict[str, Any],
    db_session,
    login_as: Callable[..., FlaskClient],
    add_winner: Callable[..., int],
) -> None:
    initiative_id, convention_id = _paid_for_holder(app, people, add_winner)
    admin = login_as(people["admin"])
    base = f"/gestion/conventions/{convention_id}"
    urls = [
        "/gestion/conventions/nouvelle",
        f"{base}/signature",
        f"{base}/versement",
        f"{base}/bilan",
        f"{base}/cloture",
        f"{base}/resiliation",
    ]
    for url in urls:
        response = admin.post(
            url,
            data={
                "resiliation-reason": "Piraté",
                "resiliation-amount_to_repay": "0",
                "resiliation-terminated_on": today().isoformat(),
            },
        )
        assert response.status_code == 400, url
        assert "falsification de requêtes" in text_of(response), url
    holder = login_as(people["holder"])
    response = holder.post(
        f"/dossiers/{initiative_id}/convention/bilan",
        data={f"bilan-{convention_id}-file": (io.BytesIO(PDF), "bilan.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    # A token from another session is refused too.
    stolen = csrf_token(app.test_client(), "/connexion")
    response = admin.post(
        f"{base}/resiliation",
        data={
            "resiliation-csrf_token": stolen,
            "resiliation-reason": "Piraté",
            "resiliation-amount_to_repay": "0",
            "resiliation-terminated_on": today().isoformat(),
        },
    )
    assert response.status_code == 400
    assert load(app, convention_id).status == "paid"
