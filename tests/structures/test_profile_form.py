"""The holder opts in from their space: publish, edit, withdraw; only their own structure, only once
labelled, only an http(s) website."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from budgetcitoyen.accounts.models import Role
from budgetcitoyen.structures.models import Structure
from tests.factories import DEFAULT_PASSWORD
from tests.helpers import audit_entries, post_form, text_of
from tests.structures.helpers import UNLISTED_NAME, World

FORM = {"name": "Le Marais", "territory_id": "3", "commune": "Saint-Omer",
        "description": "Un jardin partagé.", "website": "https://marais.example.org", "published": "y"}


def _territory_id(app: Flask, code: str) -> str:
    from budgetcitoyen.reference.models import Territory

    with app.extensions["db_sessionmaker"]() as session:
        return str(session.scalar(select(Territory.id).where(Territory.code == code)))


def test_the_holder_publishes_then_withdraws(app: Flask, login_as: Callable[..., FlaskClient], world: World,
                                             client: FlaskClient, db_session) -> None:  # type: ignore[no-untyped-def]
    holder = login_as(world.holders["marais"])
    space = text_of(holder.get("/mon-espace"))
    url = f"/mon-espace/structures/{world.unlisted_id}/profil"
    assert UNLISTED_NAME in space and url in space
    form_page = text_of(holder.get(url))
    assert "n'est pas publié" in form_page and f'value="{UNLISTED_NAME}"' in form_page
    data = {**FORM, "territory_id": _territory_id(app, "audomarois")}
    response = post_form(holder, url, data)
    assert response.status_code == 302
    profile = text_of(client.get(f"/ambassadeurs/{world.unlisted_id}"))
    assert "Le Marais" in profile and "Un jardin partagé." in profile and "Saint-Omer" in profile
    # Marked member of the collective while unlisted: the badge shows now that the profile is public.
    assert "Membre du collectif des ambassadeurs" in profile
    assert len(audit_entries(db_session, "structure.profile")) == 1
    withdrawn = {k: v for k, v in data.items() if k != "published"}
    assert post_form(holder, url, withdrawn).status_code == 302
    assert client.get(f"/ambassadeurs/{world.unlisted_id}").status_code == 404
    assert "Le Marais" not in text_of(client.get("/ambassadeurs"))


def test_bad_input_is_refused_in_french(app: Flask, login_as: Callable[..., FlaskClient],
                                        world: World) -> None:
    holder = login_as(world.holders["marais"])
    url = f"/mon-espace/structures/{world.unlisted_id}/profil"
    for field, value, message in (("website", "javascript:alert(1)", "https://"),
                                  ("commune", "Atlantide", "Commune inconnue"),
                                  ("name", "", "Indiquez le nom"),
                                  ("territory_id", "", "Choisissez un territoire"),
                                  ("territory_id", "99999", "choix valide"),
                                  ("description", "x" * 2001, "2000 caractères")):
        response = post_form(holder, url, {**FORM, "territory_id": _territory_id(app, "audomarois"),
                                           field: value})
        assert response.status_code == 422, field
        assert message in text_of(response), field
    with app.extensions["db_sessionmaker"]() as session:
        assert session.get(Structure, world.unlisted_id).profile_published is False


def test_only_its_holders_and_only_once_labelled(app: Flask, login_as: Callable[..., FlaskClient],
                                                 world: World) -> None:
    url = f"/mon-espace/structures/{world.unlisted_id}/profil"
    assert login_as(world.holders["refaire"]).get(url).status_code == 403
    assert login_as(Role.ADMIN).get(url).status_code == 403
    assert login_as(Role.HOLDER).get("/mon-espace/structures/999999/profil").status_code == 404
    fort = login_as(world.holders["fort"])
    fort_url = f"/mon-espace/structures/{world.not_labelled_id}/profil"
    assert "après la labellisation" in text_of(fort.get(fort_url))
    response = post_form(fort, fort_url, {**FORM, "territory_id": _territory_id(app, "calaisis")})
    assert response.status_code == 422 and "réservé aux structures" in text_of(response)


def test_a_deleted_account_withdraws_its_profiles(login_as: Callable[..., FlaskClient], world: World,
                                                 client: FlaskClient) -> None:
    holder = login_as(world.holders["refaire"])
    data = holder.get("/compte/mes-donnees.json").get_json()
    (profile,) = data["profils_ambassadeur"]
    assert profile["publie"] is True and profile["site"] == "https://refaire.example.org"
    response = post_form(holder, "/compte/supprimer", {"password": DEFAULT_PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    assert client.get(f"/ambassadeurs/{world.listed_id}").status_code == 404
