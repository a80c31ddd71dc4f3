"""The holder's pages through the test client: idea, comptoir, draft, attachments, filing, withdrawal; bad
input refused."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from budgetcitoyen.accounts.models import Role
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.models import Category, Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.initiatives.models import Attachment, Initiative, Workshop
from budgetcitoyen.reference.models import StructureType, Territory
from tests.conftest import SmtpServer
from tests.helpers import post_form, text_of

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def edition(make_edition: Callable) -> Edition:
    return make_edition(open_phase=Phase.DOSSIERS)  # ideas still open: the phases overlap


@pytest.fixture
def workshop(make_workshop: Callable, edition: Edition) -> Workshop:
    return make_workshop(
        edition,
        capacity=10,
        territory="calaisis",
        starts_in=timedelta(days=3),
        host_structure="La Fabrique",
        address="12 rue Royale, Calais",
    )


@pytest.fixture
def holder(login_as: Callable) -> FlaskClient:
    return login_as(email="porteuse@example.org")


def deposit_idea(client: FlaskClient, db_session) -> Initiative:  # type: ignore[no-untyped-def]
    territory_id = db_session.scalar(select(Territory.id).where(Territory.code == "calaisis"))
    response = post_form(
        client,
        "/idees/nouvelle",
        {
            "title": "Recyclerie solidaire",
            "summary": "Réparer et donner.",
            "territory_id": str(territory_id),
            "commune": "calais",
        },
    )
    assert response.status_code == 302, text_of(response)[:3000]
    return db_session.scalar(select(Initiative).where(Initiative.title == "Recyclerie solidaire"))


def complete_form(db_session, edition: Edition, amount: str = "8000") -> dict[str, str]:  # type: ignore[no-untyped-def]
    category = db_session.scalar(
        select(Category).where(Category.edition_id == edition.id, Category.code == "innovation-societale")
    )
    association = db_session.scalar(select(StructureType.id).where(StructureType.code == "association"))
    territory_id = db_session.scalar(select(Territory.id).where(Territory.code == "calaisis"))
    lines = [
        ("60", "Outillage", "5000", "", ""),
        ("64", "Animation", "7000", "", ""),
        ("70", "Ventes d'objets réparés", "1000", "", ""),
        ("74", "Budget citoyen", amount, "Département du Pas-de-Calais", "y"),
        ("74", "Ville de Calais", "3000", "Ville de Calais", ""),
    ]
    form = {
        "title": "Recyclerie solidaire",
        "summary": "Réparer et donner une seconde vie aux objets.",
        "description": "Une **recyclerie** ouverte à tous.",
        "problem_addressed": "Déchets et isolement.",
        "public_addressed": "Habitants du Beau-Marais.",
        "ess_practices": "Gouvernance collégiale.",
        "territory_id": str(territory_id),
        "communes": "Calais\n62100",
        "structure_type_id": str(association),
        "structure_name": "Association Re-Faire",
        "siret": "440 672 020 00037",
        "structure_address": "3 place d'Armes, 62100 Calais",
        "contact_name": "Claire Martin",
        "contact_email": "claire@example.org",
        "contact_phone": "03 21 00 00 00",
        "category_id": str(category.id),
        "amount_asked": amount,
        "starts_on": "2027-01-15",
        "duration_months": "12",
    }
    for i, (account, label, value, funder, dep) in enumerate(lines):
        form.update(
            {
                f"budget-{i}-account": account,
                f"budget-{i}-label": label,
                f"budget-{i}-amount": value,
                f"budget-{i}-funder": funder,
            }
        )
        if dep:
            form[f"budget-{i}-is_departement"] = dep
    return form


def test_holder_journey(
    holder: FlaskClient, workshop: Workshop, edition: Edition, db_session, smtp: SmtpServer
) -> None:
    initiative = deposit_idea(holder, db_session)
    assert initiative.status == "idea" and initiative.commune_code == "62193"
    url = f"/dossiers/{initiative.id}"
    # Filing without a comptoir sign-up is refused, and nothing is lost.
    refused = post_form(holder, url, {**complete_form(db_session, edition), "file_dossier": "Déposer"})
    assert refused.status_code == 422
    assert "Inscrivez-vous à un comptoir" in text_of(refused)
    assert (
        post_form(holder, f"/comptoirs/{workshop.id}/inscription", {}, token_from="/comptoirs").status_code
        == 302
    )
    # A draft first.
    draft = post_form(holder, url, {**complete_form(db_session, edition), "save": "Enregistrer"})
    assert draft.status_code == 302
    db_session.expire_all()
    saved = db_session.get(Initiative, initiative.id)
    assert saved.status == "draft" and saved.siret == "44067202000037"
    assert "Brouillon" in smtp.last_to("porteuse@example.org")["Subject"]
    assert [c.insee_code for c in saved.action_communes] == ["62193"]
    assert len(saved.budget_lines) == 5
    page = text_of(holder.get(url))
    assert "Re-Faire" in page and "Ville de Calais" in page
    # An attachment.
    response = post_form(
        holder,
        f"{url}/pieces",
        {"file": (io.BytesIO(PDF), "statuts.pdf")},
        token_from=url,
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    attachment = db_session.scalar(select(Attachment))
    download = holder.get(f"{url}/pieces/{attachment.id}")
    assert download.status_code == 200 and download.data == PDF
    # Filing.
    filed = post_form(holder, url, {**complete_form(db_session, edition), "file_dossier": "Déposer"})
    assert filed.status_code == 302, text_of(filed)[:4000]
    db_session.expire_all()
    saved = db_session.get(Initiative, initiative.id)
    assert saved.status == "filed" and saved.filed_at is not None
    assert "Déposé" in smtp.last_to("porteuse@example.org")["Subject"]
    assert "Déposé" in text_of(holder.get("/mon-espace"))
    # Filed: no more edits.
    again = post_form(
        holder,
        url,
        {**complete_form(db_session, edition), "title": "Autre", "save": "1"},
        token_from="/mon-espace",
    )
    assert again.status_code == 302
    db_session.expire_all()
    assert db_session.get(Initiative, initiative.id).title == "Recyclerie solidaire"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"budget-1-amount": "6999"}, "Le budget n'est pas équilibré"),
        (
            {"amount_asked": "12000", "budget-3-amount": "12000", "budget-1-amount": "11000"},
            "dépasse le plafond",
        ),
        ({"siret": "44067202000038"}, "numéro SIRET n'est pas valide"),
        ({"communes": "Atlantis"}, "Commune inconnue dans le Pas-de-Calais : Atlantis"),
        # A postal code of several communes is explained, never « inconnue » (issue #13).
        ({"communes": "Calais\n62000"}, "Le code postal 62000 couvre plusieurs communes (Arras, Dainville)"),
        ({"title": ""}, "Donnez un titre à votre initiative."),
        ({"description": ""}, "Il manque la description"),
        ({"budget-3-is_departement": ""}, "une et une seule ligne de subvention demandée au Département"),
        ({"summary": "x" * 501}, "500 caractères"),
    ],
)
def test_filing_refusals_keep_the_draft(
    holder: FlaskClient,
    workshop: Workshop,
    edition: Edition,
    db_session,
    change: dict[str, str],
    message: str,
) -> None:
    initiative = deposit_idea(holder, db_session)
    post_form(holder, f"/comptoirs/{workshop.id}/inscription", {}, token_from="/comptoirs")
    url = f"/dossiers/{initiative.id}"
    good = complete_form(db_session, edition)
    assert post_form(holder, url, {**good, "save": "1"}).status_code == 302
    bad = {**good, **change, "file_dossier": "1"}
    response = post_form(holder, url, bad)
    assert response.status_code == 422
    assert message in text_of(response)
    db_session.expire_all()
    kept = db_session.get(Initiative, initiative.id)
    assert (
        kept.status == "draft"
        and kept.structure_name == "Association Re-Faire"
        and len(kept.budget_lines) == 5
    )


@pytest.mark.parametrize(
    ("payload", "name", "message"),
    [
        (b"MZ\x90\x00" + b"\x00" * 100, "programme.pdf", "Seuls les fichiers PDF, PNG et JPEG"),
        (PDF + b"\x00" * (10 * 1024 * 1024), "gros.pdf", "dépasse 10 Mo"),
    ],
)
def test_upload_refusals(
    app: Flask, holder: FlaskClient, edition: Edition, db_session, payload: bytes, name: str, message: str
) -> None:
    initiative = deposit_idea(holder, db_session)
    url = f"/dossiers/{initiative.id}"
    response = post_form(
        holder,
        f"{url}/pieces",
        {"file": (io.BytesIO(payload), name)},
        token_from=url,
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert message in text_of(response)
    assert db_session.scalar(select(func.count()).select_from(Attachment)) == 0
    from pathlib import Path

    folder = Path(app.config["UPLOAD_FOLDER"])
    assert not folder.exists() or list(folder.iterdir()) == []


def test_sixth_file_is_refused(holder: FlaskClient, edition: Edition, db_session) -> None:
    initiative = deposit_idea(holder, db_session)
    url = f"/dossiers/{initiative.id}"
    for n in range(5):
        post_form(
            holder,
            f"{url}/pieces",
            {"file": (io.BytesIO(PNG), f"photo{n}.png")},
            token_from=url,
            content_type="multipart/form-data",
        )
    response = post_form(
        holder,
        f"{url}/pieces",
        {"file": (io.BytesIO(PNG), "photo6.png")},
        token_from=url,
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "au plus 5 pièces jointes" in text_of(response)
    assert db_session.scalar(select(func.count()).select_from(Attachment)) == 5


def test_someone_elses_dossier_is_forbidden(
    holder: FlaskClient, edition: Edition, login_as: Callable, db_session
) -> None:
    initiative = deposit_idea(holder, db_session)
    url = f"/dossiers/{initiative.id}"
    post_form(
        holder,
        f"{url}/pieces",
        {"file": (io.BytesIO(PDF), "statuts.pdf")},
        token_from=url,
        content_type="multipart/form-data",
    )
    attachment = db_session.scalar(select(Attachment))
    other = login_as(email="voisin@example.org")
    assert other.get(url).status_code == 403
    assert (
        post_form(other, url, {"title": "Piraté", "save": "1"}, token_from="/mon-espace").status_code == 403
    )
    assert other.get(f"{url}/pieces/{attachment.id}").status_code == 403
    assert (
        post_form(other, f"{url}/pieces/{attachment.id}/supprimer", {}, token_from="/mon-espace").status_code
        == 403
    )
    agent = login_as(Role.AGENT, email="agent@example.org")
    assert agent.get(f"{url}/pieces/{attachment.id}").status_code == 200


def test_no_edit_after_the_deadline(app: Flask, holder: FlaskClient, edition: Edition, db_session) -> None:
    initiative = deposit_idea(holder, db_session)
    with app.extensions["db_sessionmaker"]() as session:
        row = session.get(Edition, edition.id)
        for phase in row.phases:
            if phase.phase in ("ideas", "dossiers"):
                phase.ends_at = now_utc() - timedelta(minutes=1)
        session.commit()
    url = f"/dossiers/{initiative.id}"
    response = post_form(
        holder, url, {"title": "Trop tard", "save": "1"}, token_from="/mon-espace", follow_redirects=True
    )
    assert "ne peut plus être modifié" in text_of(response)
    db_session.expire_all()
    assert db_session.get(Initiative, initiative.id).title == "Recyclerie solidaire"


def test_tampered_fields_are_refused(
    holder: FlaskClient, workshop: Workshop, edition: Edition, make_edition: Callable, db_session
) -> None:
    other = make_edition(year=2030, is_published=False)
    foreign_category = db_session.scalar(select(Category.id).where(Category.edition_id == other.id))
    initiative = deposit_idea(holder, db_session)
    url = f"/dossiers/{initiative.id}"
    good = complete_form(db_session, edition)
    for field, value in (
        ("category_id", str(foreign_category)),
        ("structure_type_id", "99999"),
        ("territory_id", "99999"),
        ("budget-0-account", "99"),
        ("duration_months", "600"),
    ):
        response = post_form(holder, url, {**good, field: value, "save": "1"})
        assert response.status_code == 422, field
        assert "Le formulaire contient" in text_of(response), field
    db_session.expire_all()
    assert db_session.get(Initiative, initiative.id).status == "idea"


def test_withdrawal_needs_a_confirmation(holder: FlaskClient, edition: Edition, db_session) -> None:
    initiative = deposit_idea(holder, db_session)
    url = f"/dossiers/{initiative.id}"
    unconfirmed = post_form(holder, f"{url}/abandonner", {}, token_from=url, follow_redirects=True)
    assert "Cochez la case de confirmation" in text_of(unconfirmed)
    db_session.expire_all()
    assert db_session.get(Initiative, initiative.id).status == "idea"
    assert post_form(holder, f"{url}/abandonner", {"confirm": "y"}, token_from=url).status_code == 302
    db_session.expire_all()
    assert db_session.get(Initiative, initiative.id).status == "abandoned"


@pytest.mark.parametrize(("typed", "answer"), [
    ("62000", "Le code postal 62000 couvre plusieurs communes (Arras, Dainville)"),
    ("62000 Arras", None),
    ("Boulogne", None),
    ("St-Omer", None),
])
def test_idea_commune_takes_postal_codes_and_short_forms(
    holder: FlaskClient, edition: Edition, db_session, typed: str, answer: str | None
) -> None:
    territory_id = db_session.scalar(select(Territory.id).where(Territory.code == "arrageois"))
    if typed in ("Boulogne", "St-Omer"):
        code = "boulonnais" if typed == "Boulogne" else "audomarois"
        territory_id = db_session.scalar(select(Territory.id).where(Territory.code == code))
    response = post_form(holder, "/idees/nouvelle", {"title": "Idée", "summary": "Résumé.",
                                                      "territory_id": str(territory_id), "commune": typed})
    if answer is None:
        assert response.status_code == 302, text_of(response)[:2000]
    else:
        assert response.status_code == 422 and answer in text_of(response)
        assert "Commune inconnue" not in text_of(response)


def test_idea_commune_prefills_the_communes_of_action(
    holder: FlaskClient, edition: Edition, db_session
) -> None:
    initiative = deposit_idea(holder, db_session)
    page = holder.get(f"/dossiers/{initiative.id}").get_data(as_text=True)
    textarea = re.search(r'<textarea[^>]*name="communes"[^>]*>(.*?)</textarea>', page, re.S)
    assert textarea is not None and textarea.group(1).strip() == "Calais"


def test_missing_items_link_to_their_fields(
    holder: FlaskClient, workshop: Workshop, edition: Edition, db_session
) -> None:
    initiative = deposit_idea(holder, db_session)
    post_form(holder, f"/comptoirs/{workshop.id}/inscription", {}, token_from="/comptoirs")
    response = post_form(
        holder,
        f"/dossiers/{initiative.id}",
        {"title": "Recyclerie", "summary": "Réparer.", "file_dossier": "1"},
    )
    page = text_of(response)
    assert '<a href="#category_id">Catégorie demandée : Il manque la catégorie demandée.</a>' in page
    assert '<a href="#description">' in page


def test_dossiers_cannot_be_saved_or_filed_before_the_dossier_phase(
    make_edition: Callable, login_as: Callable, db_session
) -> None:
    make_edition(open_phase=Phase.IDEAS)  # the ideas phase alone is open
    client = login_as(email="tot@example.org")
    initiative = deposit_idea(client, db_session)
    response = post_form(
        client,
        f"/dossiers/{initiative.id}",
        {"title": "Recyclerie", "summary": "x", "file_dossier": "1"},
        token_from="/mon-espace",
        follow_redirects=True,
    )
    assert "ne peut plus être modifié" in text_of(response)
    db_session.expire_all()
    assert db_session.get(Initiative, initiative.id).status == "idea"
