"""Public catalogue and open data: only labelled initiatives of a published catalogue; Markdown is
sanitised."""

from __future__ import annotations

import json
from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from budgetcitoyen.editions.models import Category, Edition
from budgetcitoyen.initiatives.models import Initiative, InitiativeCommune
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.markdown import render
from budgetcitoyen.reference.models import Territory
from tests.helpers import text_of

XSS_PAYLOADS = [
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "[cliquez](javascript:alert(1))",
    "[cliquez](JAVASCRIPT:alert(1))",
    "[cliquez](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    "<<script>script>alert(1)<</script>/script>",
    "[x](vbscript:msgbox(1))",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "**gras**<style>body{display:none}</style>",
]


class _Elements(HTMLParser):
    """Every element and attribute the browser would build from the HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_markdown_never_lets_active_content_through(payload: str) -> None:
    parser = _Elements()
    parser.feed(str(render(payload)))
    for tag, attrs in parser.elements:
        # Escaped text may still read "onerror=": what matters is what becomes markup.
        assert tag in {
            "p",
            "strong",
            "em",
            "ul",
            "ol",
            "li",
            "a",
            "code",
            "pre",
            "blockquote",
            "h3",
            "h4",
            "br",
            "hr",
        }
        for name, value in attrs:
            assert not name.startswith("on") and name != "style", (payload, tag, name)
            if name == "href":
                assert (value or "").startswith(("http://", "https://", "mailto:")), (payload, value)


def test_markdown_keeps_light_formatting() -> None:
    html = str(render("**gras**, *italique*\n\n- un\n- deux\n\n[site](https://example.org)\n\n# Titre"))
    assert "<strong>gras</strong>" in html and "<em>italique</em>" in html and "<li>un</li>" in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow ugc">site</a>' in html
    assert "<h3>Titre</h3>" in html  # no heading can outrank the page's own


@pytest.fixture
def published(make_edition: Callable) -> Edition:
    return make_edition(catalogue_published=True)


@pytest.fixture
def add(app: Flask, make_user: Callable, make_initiative: Callable) -> Callable[..., Initiative]:
    """add(edition, title, status=LABELLED, territory, communes=(), category="cooperation", **columns): one
    holder's initiatives, each with a contact e-mail that must never be published."""
    holder = make_user()

    def make(
        edition: Edition,
        title: str,
        status: Status = Status.LABELLED,
        territory: str = "artois",
        communes: tuple[str, ...] = (),
        category: str | None = "cooperation",
        **columns: object,
    ) -> Initiative:
        with app.extensions["db_sessionmaker"]() as session:
            category_id = session.scalar(
                select(Category.id).where(Category.edition_id == edition.id, Category.code == category)
            )
        columns.setdefault("summary", f"Résumé de {title}.")
        return make_initiative(
            edition,
            status,
            title,
            territory,
            holder,
            category_id=category_id if category else None,
            contact_email="secret-contact@example.org",
            action_communes=[InitiativeCommune(insee_code=code) for code in communes],
            **columns,
        )

    return make


def test_catalogue_lists_only_public_statuses(client: FlaskClient, published: Edition, add: Callable) -> None:
    add(published, "Jardin partagé")
    add(published, "Épicerie solidaire", status=Status.WINNER)
    for status in (
        Status.IDEA,
        Status.DRAFT,
        Status.FILED,
        Status.IN_REVIEW,
        Status.NOT_LABELLED,
        Status.ABANDONED,
    ):
        add(published, f"Caché {status.value}", status=status)
    page = text_of(client.get("/initiatives"))
    assert "Jardin partagé" in page and "Épicerie solidaire" in page and "Caché" not in page
    assert "2 initiatives" in page


def test_catalogue_is_hidden_until_published(
    client: FlaskClient, make_edition: Callable, add: Callable
) -> None:
    edition = make_edition(catalogue_published=False)
    initiative = add(edition, "Jardin partagé")
    assert "Jardin partagé" not in text_of(client.get("/initiatives"))
    assert client.get(f"/initiatives/{initiative.id}").status_code == 404
    data = client.get(f"/api/editions/{edition.year}/initiatives.json").get_json()
    assert data["catalogue_publie"] is False and data["initiatives"] == []


def test_filters(client: FlaskClient, published: Edition, add: Callable) -> None:
    add(published, "Jardin partagé", territory="artois", communes=("62119",), category="cooperation")
    add(published, "Recyclerie", territory="calaisis", communes=("62193",), category="transformation")
    add(
        published,
        "Café associatif",
        territory="calaisis",
        communes=("62193",),
        category="cooperation",
        structure_name="Les Amis du Courgain",
    )
    app = client.application
    with app.extensions["db_sessionmaker"]() as session:
        calaisis = session.scalar(select(Territory.id).where(Territory.code == "calaisis"))
        cooperation = session.scalar(select(Category.id).where(Category.code == "cooperation"))

    def titles(query: str) -> set[str]:
        page = text_of(client.get(f"/initiatives?{query}"))
        return {t for t in ("Jardin partagé", "Recyclerie", "Café associatif") if t in page}

    assert titles(f"territoire={calaisis}") == {"Recyclerie", "Café associatif"}
    assert titles(f"categorie={cooperation}") == {"Jardin partagé", "Café associatif"}
    assert titles("commune=calais") == {"Recyclerie", "Café associatif"}
    assert titles("commune=62400") == {"Jardin partagé"}  # Béthune's postal code
    assert titles("q=associatif") == {"Café associatif"}
    assert titles("q=courgain") == set()  # structure names are not searched: some are people's names
    assert titles("q=%25") == set()  # a LIKE wildcard is taken literally
    assert titles("commune=Atlantis") == set()



def test_search_ignores_case_accents_and_apostrophes(client: FlaskClient, published: Edition,
                                                     add: Callable) -> None:
    # As residents type on a phone: no accents, any case, a straight apostrophe for the typographic one.
    add(published, "École de musique", summary="Des cours pour tous")
    add(published, "L’Épicerie solidaire", summary="Produits locaux à petit prix")
    add(published, "Œuvres partagées", summary="Une artothèque de quartier")
    add(published, "Café-théâtre", summary="Une scène à Nielles-lès-Ardres")
    every = ("École de musique", "L’Épicerie solidaire", "Œuvres partagées", "Café-théâtre")

    def titles(query: str) -> set[str]:
        page = text_of(client.get("/initiatives", query_string={"q": query}))
        return {t for t in every if t in page}

    assert titles("ecole") == titles("ÉCOLE") == titles("école") == {"École de musique"}
    assert titles("l'epicerie") == titles("EPICERIE") == {"L’Épicerie solidaire"}
    assert titles("oeuvres") == titles("œuvres") == {"Œuvres partagées"}
    assert titles("artotheque") == {"Œuvres partagées"}  # the summary is searched too
    assert titles("a petit prix") == {"L’Épicerie solidaire"}
    assert titles("ecoles") == set()
    # Hyphens as spaces, either way: « nielles les ardres » finds « Nielles-lès-Ardres ».
    assert titles("cafe theatre") == titles("café-théâtre") == {"Café-théâtre"}
    assert titles("nielles les ardres") == titles("Nielles-les-Ardres") == {"Café-théâtre"}
    # Listed in the order a reader expects: « École » among the E, not after « L… » as bytes sort it.
    page = text_of(client.get("/initiatives"))
    titles_in_order = ("École de musique", "L’Épicerie solidaire", "Œuvres partagées")
    positions = [page.index(title) for title in titles_in_order]
    assert positions == sorted(positions)

def test_initiative_page_renders_markdown_safely_with_open_graph(
    client: FlaskClient, published: Edition, add: Callable
) -> None:
    initiative = add(
        published,
        "Recyclerie <b>solidaire</b>",
        summary='Réparer "ensemble".',
        description="**Ouvert** à tous\n\n<script>alert(1)</script>\n\n[piège](javascript:alert(1))",
    )
    response = client.get(f"/initiatives/{initiative.id}")
    html = response.get_data(as_text=True)
    assert "<strong>Ouvert</strong>" in html
    assert "<script>alert(1)</script>" not in html and 'href="javascript:' not in html
    assert "Recyclerie &lt;b&gt;solidaire&lt;/b&gt;" in html
    assert '<meta property="og:title" content="Recyclerie &lt;b&gt;solidaire&lt;/b&gt;">' in html
    assert f'<meta property="og:url" content="http://localhost/initiatives/{initiative.id}">' in html
    assert '<meta property="og:description" content="Réparer &#34;ensemble&#34;.">' in html
    assert "secret-contact@example.org" not in html


def test_open_data_json(client: FlaskClient, published: Edition, add: Callable) -> None:
    add(published, "Jardin partagé", communes=("62119",), amount_asked=8000)
    add(published, "Brouillon caché", status=Status.DRAFT)
    response = client.get(f"/api/editions/{published.year}/initiatives.json")
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    data = json.loads(response.get_data(as_text=True))
    assert data["edition"] == published.year and data["catalogue_publie"] is True
    [item] = data["initiatives"]
    assert item["titre"] == "Jardin partagé" and item["montant_demande"] == "8000.00"
    assert item["communes"] == [{"code_insee": "62119", "nom": "Béthune"}]
    assert "secret-contact" not in response.get_data(as_text=True)
    assert client.get("/api/editions/1999/initiatives.json").status_code == 404


def test_structure_name_is_published_only_for_legal_structures(
    client: FlaskClient, published: Edition, add: Callable
) -> None:
    from budgetcitoyen.reference.models import StructureType

    app = client.application
    with app.extensions["db_sessionmaker"]() as session:
        person = session.scalar(select(StructureType.id).where(StructureType.code == "habitant"))
        association = session.scalar(select(StructureType.id).where(StructureType.code == "association"))
    alone = add(published, "Potager de rue", structure_type_id=person, structure_name="Jeanne Dupont")
    legal = add(published, "Recyclerie", structure_type_id=association, structure_name="Association Re-Faire")
    assert "Jeanne Dupont" not in text_of(client.get(f"/initiatives/{alone.id}"))
    assert "Association Re-Faire" in text_of(client.get(f"/initiatives/{legal.id}"))
    data = client.get(f"/api/editions/{published.year}/initiatives.json").get_data(as_text=True)
    assert "Jeanne Dupont" not in data and "Association Re-Faire" in data


@pytest.mark.parametrize(
    "query",
    [
        "territoire=²",
        "categorie=¹",
        "edition=99999999999999999999",
        "territoire=99999999999999999999",
        "commune=%C2%B2",
    ],
)
def test_odd_filters_are_not_server_errors(client: FlaskClient, published: Edition, query: str) -> None:
    assert client.get(f"/initiatives?{query}").status_code == 200
