"""The public results: the page before and after publication, the files, the charts, the open data."""

from __future__ import annotations

import hashlib
import importlib.metadata
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from budgetcitoyen.editions.models import Edition
from budgetcitoyen.french import file_size as size_label
from budgetcitoyen.results import charts
from budgetcitoyen.results.presenters import CHART_NAMES
from budgetcitoyen.results.services import results_folder
from tests.helpers import text_of
from tests.results.helpers import (
    CSV_CONTENT,
    PB_CONTENT,
    YEAR,
    Scenario,
    set_vote_window,
    squeeze,
    visible,
    write_result,
)

SVG = "{http://www.w3.org/2000/svg}"
PB_FILE = f"budget-citoyen-{YEAR}-bulletins.pb"
CSV_FILE = f"budget-citoyen-{YEAR}-bulletins.csv"


# --- before publication -------------------------------------------------------------------------


def test_while_the_vote_is_open_the_page_says_when_results_come(
    client: FlaskClient, scenario: Scenario
) -> None:
    response = client.get(f"/resultats/{YEAR}")
    assert response.status_code == 200
    page = text_of(response)
    assert "Les résultats ne sont pas encore publiés." in page
    assert "Le vote est ouvert jusqu'au" in page
    assert "à partir du" in page  # the results phase's first day
    assert "Ressourcerie d'Arras" not in page


def test_a_computed_but_unpublished_result_stays_hidden(
    app: Flask, client: FlaskClient, scenario: Scenario
) -> None:
    set_vote_window(app, scenario.edition.id, open_=False)
    write_result(app, scenario, published=False)
    page = text_of(client.get(f"/resultats/{YEAR}"))
    assert "Le vote est clos." in page and "prochainement" in page
    assert "Ressourcerie d'Arras" not in page and "8 000" not in squeeze(page)
    for url in (
        f"/api/editions/{YEAR}/results.json",
        f"/resultats/{YEAR}/graphiques/voix.svg",
        f"/resultats/{YEAR}/{PB_FILE}",
        f"/resultats/{YEAR}/{CSV_FILE}",
    ):
        assert client.get(url).status_code == 404, url


def test_unknown_or_unpublished_editions_are_not_found(
    client: FlaskClient, make_edition: Callable[..., Edition]
) -> None:
    make_edition(year=2030, is_published=False)
    assert client.get("/resultats/2030").status_code == 404
    assert client.get("/resultats/1999").status_code == 404
    assert client.get("/api/editions/1999/results.json").status_code == 404
    assert client.get("/resultats/99999999999").status_code == 404


# --- after publication --------------------------------------------------------------------------


def test_the_published_page_shows_ranking_totals_rule_and_files(
    client: FlaskClient, published: Scenario
) -> None:
    response = client.get(f"/resultats/{YEAR}")
    assert response.status_code == 200
    page = visible(response)
    assert "Résultats du Budget citoyen 2026" in page
    assert "3 initiatives lauréates sur 4 soumises au vote, choisies par 5 votants" in page
    for figure in ("22 000,00 €", "21 500,00 €", "500,00 €"):
        assert figure in page
    # Ranking rows: rank, title, territory, category, votes, share of voters, asked, granted, explanation.
    rows = re.findall(
        r"<tr role=\"row\"(?: class=\"funded\")?>\s*<td role=\"cell\" class=\"num rank\" data-label=\"Rang\">"
        r"(\d)</td>\s*<th scope=\"row\" role=\"rowheader\" class=\"title\"><a href=\"/initiatives/(\d+)\">",
        response.get_data(as_text=True),
    )
    assert [(int(rank), int(i)) for rank, i in rows] == [
        (1, published.ids["A"]),
        (2, published.ids["B"]),
        (3, published.ids["C"]),
        (4, published.ids["D"]),
    ]
    a, c = published.ids["A"], published.ids["C"]
    assert (f"Ressourcerie d'Arras (n° {a}) Arrageois Coopération 5 100,0 % 8 000,00 € 8 000,00 € Lauréate"
            in page)
    assert (f"Jardin partagé de Calais (n° {c}) Calaisis Innovation sociétale 3 60,0 % 6 000,00 € — "
            "Non retenue" in page)
    assert "non financé : 6 000 € demandés, 5 000 € restants" in page
    assert f"Atelier vélo d'Avion (n° {published.ids['D']}) Lens-Hénin Pratique de l'ESS 1 20,0 %" in page
    # The rule in words and its settings.
    assert "Par ordre des votes, en passant les projets qui ne tiennent plus dans l'enveloppe" in page
    assert "Coopération : 15 000,00 €" in page
    assert "aucun : toute initiative peut être financée" in page
    # Check it yourself: both files with their SHA-256 and the command.
    assert f'href="/resultats/{YEAR}/{PB_FILE}"' in response.get_data(as_text=True)
    assert hashlib.sha256(PB_CONTENT).hexdigest() in page
    assert hashlib.sha256(CSV_CONTENT).hexdigest() in page
    assert (f"budgetcitoyen allocate --pb {PB_FILE} --rule greedy --tie-break edition --json") in page
    # The winners the command must give, by the numbers the ranking shows, in the order retained.
    assert "\"spent\" ) de 21 500,00 € sur 22 000,00 €" in page
    listed = re.findall(r"<li>n°&nbsp;(\d+)&nbsp;: «", response.get_data(as_text=True))
    assert listed == [str(published.ids[key]) for key in "ABD"]
    first = f"n° {published.ids['A']} : « Ressourcerie d'Arras », 1 re du classement avec 5 voix"
    assert first in page
    # The winners' marker in words, and the software with its exact version.
    assert "Comment repérer les lauréates : une initiative lauréate est financée." in page
    assert "un trait vert à gauche de son nom" in page
    version = importlib.metadata.version("budgetcitoyen")
    assert ("logiciel libre Budget citoyen (licence AGPL-3.0-or-later), celui qui fait fonctionner ce "
            f"site, en version {version}") in page
    assert "pip install ." in page
    assert f'href="/api/editions/{YEAR}/results.json"' in response.get_data(as_text=True)


def test_charts_are_followed_by_their_data_tables(client: FlaskClient, published: Scenario) -> None:
    html = client.get(f"/resultats/{YEAR}").get_data(as_text=True)
    images = re.findall(r'<img src="/resultats/2026/graphiques/([a-z-]+)\.svg" alt="([^"]+)">', html)
    assert [name for name, _ in images] == list(CHART_NAMES)
    alts = dict(images)
    assert squeeze(alts["voix"]).startswith(
        "Diagramme en barres horizontales des voix de chacune des 4 initiatives"
    )
    assert "Les 3 lauréates sont en vert plein" in alts["voix"]
    assert "Détail dans le tableau qui suit." in alts["voix"]
    assert "21 500,00 € attribués aux lauréates (97,7 %" in squeeze(alts["enveloppe"])
    assert "Arrageois : 3 (60,0 %)" in squeeze(alts["participation-territoires"])
    assert "Moins de 18 ans : 1 (20,0 %)" in squeeze(alts["participation-ages"])
    # Each figure is directly followed by its table (the ranking for the votes chart).
    for name in CHART_NAMES:
        after = html.split(f"/graphiques/{name}.svg", 1)[1]
        assert after.index("</figure>") < after.index("<table")
        assert "<figure" not in after[: after.index("<table")]
    page = visible(client.get(f"/resultats/{YEAR}"))
    assert "Lens-Hénin 2 40,0 %" in page and "60 à 74 ans 1 20,0 %" in page


@pytest.mark.parametrize("name", CHART_NAMES)
def test_every_chart_is_a_valid_svg_with_a_title(client: FlaskClient, published: Scenario, name: str) -> None:
    response = client.get(f"/resultats/{YEAR}/graphiques/{name}.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert "public" in response.headers["Cache-Control"]
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    root = ET.fromstring(response.data)
    assert root.tag == f"{SVG}svg"
    title, desc = root[0], root[1]
    assert title.tag == f"{SVG}title" and title.text
    assert desc.tag == f"{SVG}desc" and desc.text and len(desc.text) > 40


def test_the_votes_chart_marks_winners_without_colour_alone(published: Scenario) -> None:
    spec = charts.votes_chart([("A", 5, True), ("C", 3, False)], 5)
    figure = charts.figure(spec)
    bars = list(figure.axes[0].patches)
    assert [bool(b.get_hatch()) for b in bars] == [False, True]  # the non-winner is hatched
    assert [t.get_fontweight() for t in figure.axes[0].get_yticklabels()] == ["bold", "normal"]
    assert [t.get_text() for t in figure.axes[0].get_legend().get_texts()] == [
        "Lauréate (financée)",
        "Non retenue",
    ]


def test_unknown_charts_refused_and_charts_of_a_result_without_frozen_figures_drawn_live(
    client: FlaskClient, published: Scenario
) -> None:
    # `published` is written by hand, as a result published before the figures were frozen: its charts
    # are drawn on each request (nothing is stored on a GET), the same drawing each time.
    assert client.get(f"/resultats/{YEAR}/graphiques/secret.svg").status_code == 404
    assert client.get(f"/resultats/{YEAR}/graphiques/..%2Fvoix.svg").status_code == 404
    first = client.get(f"/resultats/{YEAR}/graphiques/voix.svg")
    assert first.status_code == 200 and first.data.startswith(b"<?xml")
    assert client.get(f"/resultats/{YEAR}/graphiques/voix.svg").data == first.data
    assert first.headers["ETag"].strip('"') == hashlib.sha256(first.data).hexdigest()


def test_downloads_give_the_published_files_whose_sha256_is_shown(
    client: FlaskClient, published: Scenario
) -> None:
    page = text_of(client.get(f"/resultats/{YEAR}"))
    for name, mimetype in ((PB_FILE, "text/plain"), (CSV_FILE, "text/csv")):
        response = client.get(f"/resultats/{YEAR}/{name}")
        assert response.status_code == 200
        assert response.mimetype == mimetype
        assert response.headers["Content-Type"] == f"{mimetype}; charset=utf-8"  # once
        assert response.headers["Content-Disposition"] == f"attachment; filename={name}"
        digest = hashlib.sha256(response.data).hexdigest()
        shown = re.search(
            rf'<code class="sha256" data-file="{re.escape(name)}">([0-9a-f]{{64}})</code>', page
        )
        assert shown is not None and shown.group(1) == digest


def test_only_the_two_known_files_are_served(app: Flask, client: FlaskClient, published: Scenario) -> None:
    folder = results_folder(app.instance_path, YEAR)
    (folder / "autre.txt").write_text("secret")
    for name in (
        "autre.txt",
        f"budget-citoyen-{YEAR - 1}-bulletins.pb",
        "..%2F..%2Fsecret_key",
        f"{PB_FILE}.part",
    ):
        assert client.get(f"/resultats/{YEAR}/{name}").status_code == 404, name
    # A published file gone from the disk is a 404, not a 500.
    (folder / CSV_FILE).unlink()
    assert client.get(f"/resultats/{YEAR}/{CSV_FILE}").status_code == 404


def test_open_data(client: FlaskClient, published: Scenario) -> None:
    response = client.get(f"/api/editions/{YEAR}/results.json")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    data = response.get_json()
    assert data["edition"] == YEAR and data["regle"] == "greedy"
    assert data["parametres"]["tie_break"] == "edition"
    assert (data["enveloppe"], data["attribue"], data["reste"], data["votants"]) == (
        "22000.00",
        "21500.00",
        "500.00",
        5,
    )
    assert data["laureates"] == 3
    assert data["participation"]["bulletins_comptes"] == 5
    assert {"territoire": "Arrageois", "votants": 3} in data["participation"]["par_territoire"]
    assert data["participation"]["par_canal"] == {"online": 4, "paper": 1}
    assert {"tranche": "30-44", "libelle": "30 à 44 ans", "votants": 2} in data["participation"][
        "par_tranche_age"
    ]
    first, third = data["initiatives"][0], data["initiatives"][2]
    assert first == {
        "id": published.ids["A"],
        "titre": "Ressourcerie d'Arras",
        "territoire": "Arrageois",
        "categorie": "Coopération",
        "rang": 1,
        "voix": 5,
        "part_des_votants": 1.0,
        "montant_demande": "8000.00",
        "montant_accorde": "8000.00",
        "financee": True,
        "ordre_de_financement": 1,
        "explication": "financé : 1er en voix ; 8 000 € accordés, 14 000 € restants",
        "url": f"http://localhost/initiatives/{published.ids['A']}",
    }
    assert (
        third["financee"] is False and third["montant_accorde"] == "0.00" and third["part_des_votants"] == 0.6
    )
    files = {f["format"]: f for f in data["fichiers"]}
    assert files["pabulib"]["sha256"] == hashlib.sha256(PB_CONTENT).hexdigest()
    assert files["csv"]["url"] == f"http://localhost/resultats/{YEAR}/{CSV_FILE}"
    assert files["csv"]["octets"] == len(CSV_CONTENT)
    assert data["recalcul"].startswith(f"budgetcitoyen allocate --pb {PB_FILE} --rule greedy")
    # No personal data: neither holders nor structures of individuals.
    body = response.get_data(as_text=True)
    assert "@example.org" not in body and "Famille Durand" not in body


def test_the_home_page_links_to_published_results(
    app: Flask, client: FlaskClient, scenario: Scenario
) -> None:
    assert "/resultats/2026" not in client.get("/").get_data(as_text=True)
    set_vote_window(app, scenario.edition.id, open_=False)
    write_result(app, scenario, published=True)
    assert 'href="/resultats/2026"' in client.get("/").get_data(as_text=True)


def test_the_recompute_command_carries_threshold_and_utility(
    app: Flask, client: FlaskClient, published: Scenario
) -> None:
    from sqlalchemy import update

    from budgetcitoyen.results.models import AllocationResult

    with app.extensions["db_sessionmaker"]() as session:
        session.execute(
            update(AllocationResult).values(
                rule="mes",
                settings={"rule": "mes", "threshold": 2, "utility": "card", "tie_break": "edition"},
            )
        )
        session.commit()
    page = visible(client.get(f"/resultats/{YEAR}"))
    assert (
        f"budgetcitoyen allocate --pb {PB_FILE} --rule mes --tie-break edition --threshold 2 --utility card "
        "--json"
    ) in page
    assert "au moins 2 voix pour être financée" in page
    assert "satisfaction d'un votant mesurée en nombre d'initiatives" in page


def test_size_labels_are_french() -> None:
    assert size_label(1) == "1 octet"
    assert size_label(842) == "842 octets"
    assert size_label(12_345) == "12,3 ko"
    assert squeeze(size_label(4_500_000)) == "4,5 Mo"


def test_published_open_data_is_cacheable_and_answers_304_to_its_tag(
    client: FlaskClient, published: Scenario
) -> None:
    url = f"/api/editions/{YEAR}/results.json"
    first = client.get(url)
    tag = first.headers["ETag"]
    assert first.status_code == 200 and tag and "public" in first.headers["Cache-Control"]
    again = client.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.get_data() == b""
    assert client.get(url, headers={"If-None-Match": '"autre"'}).status_code == 200
    # The charts and the files are sent with their own tags too (send_file).
    chart = client.get(f"/resultats/{YEAR}/graphiques/enveloppe.svg")
    assert chart.headers.get("ETag") and client.get(
        f"/resultats/{YEAR}/graphiques/enveloppe.svg", headers={"If-None-Match": chart.headers["ETag"]}
    ).status_code == 304


def test_the_archives_list_every_published_edition_with_its_figures(
    client: FlaskClient, published: Scenario, db_session
) -> None:
    from budgetcitoyen.initiatives.models import Initiative
    from budgetcitoyen.results.services import LABELLED_SINCE

    page = text_of(client.get("/resultats"))
    from budgetcitoyen.french import euros

    assert f'href="/resultats/{YEAR}"' in page and euros(Decimal("22000")) in page
    data = client.get("/api/editions.json").get_json()
    [edition] = data["editions"]
    assert (edition["edition"], edition["enveloppe"], edition["attribue"], edition["votants"],
            edition["laureates"]) == (YEAR, "22000.00", "21500.00", 5, 3)
    assert edition["resultats"].endswith(f"/api/editions/{YEAR}/results.json")
    # Dossiers filed and initiatives labelled, counted here row by row (the page groups them in SQL).
    rows = db_session.scalars(select(Initiative).where(Initiative.edition_id == published.edition.id)).all()
    assert edition["initiatives_deposees"] == sum(1 for i in rows if i.filed_at is not None) > 0
    assert edition["initiatives_labellisees"] == sum(1 for i in rows if i.status in LABELLED_SINCE) == 4
    # The same figures as a spreadsheet.
    sheet = client.get("/api/editions.csv")
    assert sheet.status_code == 200 and sheet.mimetype == "text/csv"
    lines = sheet.get_data().decode("utf-8-sig").splitlines()
    assert lines[0].split(";")[:5] == ["edition", "titre", "enveloppe", "initiatives_deposees",
                                       "initiatives_labellisees"]
    assert lines[1].split(";")[0] == str(YEAR) and lines[1].split(";")[8] == "21500.00"
    assert len(lines) == 2
    # The chart of every edition: drawn from the same figures, described in words, cached by its tag.
    assert 'src="/resultats/graphiques/editions.svg"' in page
    chart = client.get("/resultats/graphiques/editions.svg")
    assert chart.status_code == 200 and chart.mimetype == "image/svg+xml"
    svg = ET.fromstring(chart.get_data())
    title = svg.find("{http://www.w3.org/2000/svg}title")
    assert title is not None and title.text == "Votants par édition"
    assert f"{YEAR} : 5" in chart.get_data(as_text=True)
    again = client.get("/resultats/graphiques/editions.svg", headers={"If-None-Match": chart.headers["ETag"]})
    assert again.status_code == 304


def test_the_archives_say_when_nothing_is_published(client: FlaskClient, scenario: Scenario) -> None:
    assert "Aucune édition n'a encore publié ses résultats." in text_of(client.get("/resultats"))
    assert client.get("/api/editions.json").get_json()["editions"] == []
