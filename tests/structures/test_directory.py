"""The public directory: the opt-in holds everywhere (an unlisted structure is nowhere public), search,
filters, map and its table, profiles with their labels by year, open data."""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskClient

from budgetcitoyen.reference import maps
from tests.helpers import text_of
from tests.structures.helpers import (
    LISTED_TEXT,
    UNLISTED_NAME,
    UNLISTED_SITE,
    UNLISTED_TEXT,
    World,
)

PUBLIC_URLS = ("/", "/ambassadeurs", "/ambassadeurs?q=marais", "/ambassadeurs?q=secret",
               "/ambassadeurs?territoire=3", "/ambassadeurs?categorie=pratique-ess",
               "/ambassadeurs/carte.svg",
               "/api/ambassadeurs.json", "/plan-du-site", "/initiatives", "/initiatives?edition=2025",
               "/api/editions/2026/initiatives.json", "/api/editions/2025/initiatives.json",
               "/api/editions.json", "/api/editions.csv", "/initiatives/carte.svg?edition=2026", "/resultats")


def test_an_unlisted_structure_is_nowhere_public(client: FlaskClient, world: World) -> None:
    for url in PUBLIC_URLS:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        body = text_of(response)
        for secret in (UNLISTED_NAME, UNLISTED_TEXT, UNLISTED_SITE, "Saint-Omer : 1 structure"):
            assert secret not in body, f"{secret!r} in {url}"
    assert client.get(f"/ambassadeurs/{world.unlisted_id}").status_code == 404
    assert client.get(f"/ambassadeurs/{world.not_labelled_id}").status_code == 404
    assert client.get("/ambassadeurs/999999").status_code == 404
    data = client.get("/api/ambassadeurs.json").get_json()
    assert [a["id"] for a in data["ambassadeurs"]] == [world.listed_id]


def test_the_listed_ambassador_is_found_with_its_labels_by_year(client: FlaskClient, world: World) -> None:
    page = text_of(client.get("/ambassadeurs"))
    assert "1 ambassadeur." in page and "Re-Faire" in page
    assert "Membre du collectif des ambassadeurs" in page
    assert "Labellisée en 2026, 2025" in page
    # « reparation » and « RÉPARATION » find « réparation »: searches fold case and accents.
    for query, found in (("q=ressourcerie", True), ("q=Arras", True), ("q=vélo", False),
                         ("q=reparation", True), ("q=R%C3%89PARATION", True), ("q=arras%25", False),
                         ("categorie=cooperation", True), ("categorie=pratique-ess", False),
                         ("categorie=inconnue", False), ("territoire=abc", True)):
        body = text_of(client.get(f"/ambassadeurs?{query}"))
        assert ("1 ambassadeur." in body) is found, query
    profile = text_of(client.get(f"/ambassadeurs/{world.listed_id}"))
    assert LISTED_TEXT in profile and "https://refaire.example.org" in profile
    assert "Membre du collectif des ambassadeurs" in profile
    assert profile.index("Édition 2026") < profile.index("Édition 2025")
    assert f'/initiatives/{world.initiatives["refaire-2025"]}"' in profile
    assert "catégorie « Coopération »" in profile and "Lauréate" in profile
    # Neither contact nor SIRET on a public page.
    assert "refaire@structure.example.org" not in profile and "73282932000074" not in profile


def test_a_label_is_not_public_before_its_catalogue(app: Flask, client: FlaskClient, world: World) -> None:
    from budgetcitoyen.editions.models import Edition

    with app.extensions["db_sessionmaker"]() as session:
        for edition in session.query(Edition):
            edition.catalogue_published = False
        session.commit()
    assert client.get(f"/ambassadeurs/{world.listed_id}").status_code == 404
    assert "0 ambassadeur." in text_of(client.get("/ambassadeurs"))
    with app.extensions["db_sessionmaker"]() as session:
        session.query(Edition).filter_by(year=2025).one().catalogue_published = True
        session.commit()
    profile = text_of(client.get(f"/ambassadeurs/{world.listed_id}"))
    assert "Édition 2025" in profile and "Édition 2026" not in profile


def test_the_map_and_its_table_count_the_listed_ambassadors(client: FlaskClient, world: World) -> None:
    page = text_of(client.get("/ambassadeurs"))
    assert 'id="map-table-ambassadeurs"' in page and 'data-insee="62041"' in page
    assert 'data-insee="62765"' not in page
    if maps.load_boundaries() is not None:
        svg = client.get("/ambassadeurs/carte.svg")
        assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
        body = svg.get_data(as_text=True)
        assert "Arras : 1 structure<" in body and "Saint-Omer" not in body.split("<g fill=\"#1c5d99\"")[1]
        assert "structure(s)" not in body
        # The outlines' credit, as their licence asks, under this map too; the map's alternative names
        # the collectivité from its profile.
        assert maps.load_boundaries().attribution in page and "Carte du Pas-de-Calais : ambassadeurs" in page


def test_open_data_says_what_the_profiles_say_and_no_more(client: FlaskClient, world: World) -> None:
    response = client.get("/api/ambassadeurs.json")
    data = json.loads(response.get_data(as_text=True))
    (entry,) = data["ambassadeurs"]
    assert entry["nom"] == "Re-Faire" and entry["membre_du_collectif"] is True
    assert entry["commune"] == {"code_insee": "62041", "nom": "Arras"}
    assert sorted(label["edition"] for label in entry["labels"]) == [2025, 2026]
    assert "siret" not in json.dumps(data).lower() and "example.org\"" not in json.dumps(entry["labels"])
    assert "@" not in json.dumps(data)


def test_the_directory_is_in_the_site_map_and_the_footer(client: FlaskClient) -> None:
    assert 'href="/ambassadeurs"' in text_of(client.get("/plan-du-site"))
    assert 'href="/ambassadeurs"' in text_of(client.get("/"))
