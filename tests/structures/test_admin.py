"""The Mission ESS's list: every labelled structure with contacts, filters, CSV export, and the collective's
members marked by administrators only, journaled."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from budgetcitoyen.accounts.models import Role
from budgetcitoyen.structures.models import Structure
from tests.helpers import audit_entries, post_form, text_of
from tests.structures.helpers import UNLISTED_NAME, World


def test_the_list_shows_every_labelled_structure_with_contacts(login_as: Callable[..., FlaskClient],
                                                               world: World) -> None:
    agent = login_as(Role.AGENT)
    page = text_of(agent.get("/gestion/ambassadeurs"))
    assert "2 structures labellisées" in page
    assert "Association Re-Faire" in page and UNLISTED_NAME in page and "Jardins du Fort" not in page
    assert "refaire@structure.example.org" in page and "Camille Martin" in page and "03 21 00 00 00" in page
    assert "73282932000074" in page
    # Agents read; only administrators mark members.
    assert "Marquer membre du collectif" not in page
    for query, names in (("profil=publie", ["Association Re-Faire"]),
                         ("profil=non-publie", [UNLISTED_NAME]), ("edition=2025", ["Association Re-Faire"]),
                         ("categorie=pratique-ess", [UNLISTED_NAME]),
                         ("q=7328", ["Association Re-Faire"]), ("collectif=non", [])):
        body = text_of(agent.get(f"/gestion/ambassadeurs?{query}"))
        for name in ("Association Re-Faire", UNLISTED_NAME):
            assert (f">{name}<" in body) is (name in names), (query, name)


def test_csv_export_content(login_as: Callable[..., FlaskClient], world: World) -> None:
    response = login_as(Role.AGENT).get("/gestion/ambassadeurs.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "private, no-store"
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:4] == ["N°", "Structure", "SIRET", "Territoire"]
    by_name = {row[1]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert set(by_name) == {"Association Re-Faire", UNLISTED_NAME}
    refaire = by_name["Association Re-Faire"]
    assert refaire["SIRET"] == "73282932000074" and refaire["Éditions labellisées"] == "2025 2026"
    assert refaire["E-mail"] == "refaire@structure.example.org" and refaire["Contact"] == "Camille Martin"
    assert refaire["Profil public"] == "publié" and refaire["Membre du collectif"] == "oui"
    assert refaire["Commune"] == "Arras" and refaire["Initiatives labellisées"] == "2"
    assert by_name[UNLISTED_NAME]["Profil public"] == "non"
    filtered = login_as(Role.AGENT).get("/gestion/ambassadeurs.csv?profil=publie").get_data().decode()
    assert UNLISTED_NAME not in filtered


def test_csv_cells_cannot_run_as_formulas(app: Flask, login_as: Callable[..., FlaskClient],
                                          world: World) -> None:
    with app.extensions["db_sessionmaker"]() as session:
        session.get(Structure, world.listed_id).profile_name = "=HYPERLINK(\"http://x\")"
        session.commit()
    text = login_as(Role.AGENT).get("/gestion/ambassadeurs.csv").get_data().decode()
    assert ";'=HYPERLINK" in text.replace('"', "")


def test_admins_mark_members_journaled(app: Flask, login_as: Callable[..., FlaskClient], world: World,
                                       client: FlaskClient, db_session) -> None:  # type: ignore[no-untyped-def]
    url = f"/gestion/ambassadeurs/{world.listed_id}/collectif"
    agent = login_as(Role.AGENT)
    assert post_form(agent, url, {"member": "non"}, token_from="/gestion/ambassadeurs").status_code == 403
    admin = login_as(Role.ADMIN)
    response = post_form(admin, url, {"member": "non", "retour": "https://evil.example/"},
                         token_from="/gestion/ambassadeurs")
    assert response.status_code == 302 and response.headers["Location"].endswith("/gestion/ambassadeurs")
    assert "Membre du collectif" not in text_of(client.get(f"/ambassadeurs/{world.listed_id}"))
    (entry,) = audit_entries(db_session, "structure.collective")
    assert entry.object_id == str(world.listed_id) and entry.after == {"membre_du_collectif": False}
    assert entry.actor_id == admin.user.id
    back = post_form(admin, url, {"member": "oui", "retour": "/gestion/ambassadeurs?collectif=non"},
                     token_from="/gestion/ambassadeurs")
    assert back.headers["Location"].endswith("/gestion/ambassadeurs?collectif=non")
    assert "Membre du collectif" in text_of(client.get(f"/ambassadeurs/{world.listed_id}"))
    # A structure that is not labelled cannot be a member.
    refused = post_form(admin, f"/gestion/ambassadeurs/{world.not_labelled_id}/collectif", {"member": "oui"},
                        token_from="/gestion/ambassadeurs", follow_redirects=True)
    assert "Seule une structure labellisée" in text_of(refused)
    assert len(audit_entries(db_session, "structure.collective")) == 2


def test_access_control(login_as: Callable[..., FlaskClient], client: FlaskClient, world: World) -> None:
    for url in ("/gestion/ambassadeurs", "/gestion/ambassadeurs.csv"):
        assert client.get(url).status_code == 302
        assert login_as(Role.HOLDER).get(url).status_code == 403
        assert login_as(world.holders["refaire"]).get(url).status_code == 403
        assert login_as(Role.AGENT).get(url).status_code == 200
