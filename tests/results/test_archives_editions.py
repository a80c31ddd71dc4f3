"""Archives of two editions side by side (issue #16 item 1): each edition keeps its catalogue, its
initiatives' pages, its results, files and charts at stable URLs, showing only its own initiatives; the
cross-edition figures agree between the page, the CSV, the JSON and the two charts."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete

from budgetcitoyen.accounts.models import Role, User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.french import euros
from budgetcitoyen.initiatives.models import Initiative, StatusChange
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.results import services
from tests.helpers import text_of
from tests.results.helpers import seed

SVG = "{http://www.w3.org/2000/svg}"


def _published_edition(app: Flask, make_edition: Callable[..., Edition],
                       make_initiative: Callable[..., Initiative], admin: User, year: int, envelope: int,
                       amounts: list[int],
                       ballots: list[list[int]]) -> list[Initiative]:
    """An edition of `year` with its usual calendar in that year, voted, computed and published."""
    edition = make_edition(year=year, open_phase=Phase.FOLLOW_UP, today=date(year, 12, 15),
                           catalogue_published=True, envelope=Decimal(envelope))
    initiatives = seed(app, edition, make_initiative, ballots, amounts)
    with app.extensions["db_sessionmaker"]() as session:
        for n, initiative in enumerate(initiatives):
            session.get(Initiative, initiative.id).title = f"Initiative {year} n°{n}"
        ed = session.get(Edition, edition.id)
        services.compute(session, ed, session.get(User, admin.id), now_utc())
        services.publish(session, ed, session.get(User, admin.id), app.extensions["storage"], now_utc())
        session.commit()
    return initiatives


@pytest.fixture
def two_editions(app: Flask, make_edition: Callable[..., Edition], make_initiative: Callable[..., Initiative],
                 make_user: Callable[..., User]) -> dict[int, list[Initiative]]:
    admin = make_user(email="archives-admin@example.org", roles=(Role.ADMIN,))
    return {
        2024: _published_edition(app, make_edition, make_initiative, admin, 2024, 10000, [4000, 5000, 3000],
                                 [[0, 1], [0, 2], [0], [1]]),
        2025: _published_edition(app, make_edition, make_initiative, admin, 2025, 20000,
                                 [6000, 7000, 9000, 2000], [[3, 1], [2], [2, 0], [1, 3], [3], [3, 2]]),
    }


def test_two_editions_keep_their_own_pages_side_by_side(
    client: FlaskClient, two_editions: dict[int, list[Initiative]]
) -> None:
    for year, initiatives in two_editions.items():
        other = two_editions[2025 if year == 2024 else 2024]
        # The catalogue of that edition, at its stable URL, lists its initiatives and none of the other's.
        catalogue = text_of(client.get(f"/initiatives?edition={year}"))
        assert f"Les initiatives citoyennes {year}" in catalogue
        for initiative in initiatives:
            assert f'href="/initiatives/{initiative.id}"' in catalogue
        for initiative in other:
            assert f'href="/initiatives/{initiative.id}"' not in catalogue
        assert f'href="/resultats/{year}"' in catalogue
        # Each initiative's page stays reachable and leads back to its own edition's catalogue.
        page = text_of(client.get(f"/initiatives/{initiatives[0].id}"))
        assert f'href="/initiatives?edition={year}"' in page
        # The results page ranks its own initiatives only, and links to its catalogue.
        results = text_of(client.get(f"/resultats/{year}"))
        assert all(f"Initiative {year} n°{n}" in results for n in range(len(initiatives)))
        assert f"Initiative {other_year(year)} n°" not in results
        assert f'href="/initiatives?edition={year}"' in results
        # Its files and its open data answer at their own URLs.
        assert client.get(f"/resultats/{year}/budget-citoyen-{year}-bulletins.pb").status_code == 200
        data = client.get(f"/api/editions/{year}/results.json").get_json()
        assert {row["id"] for row in data["initiatives"]} == {i.id for i in initiatives}
        assert client.get(f"/resultats/{year}/graphiques/voix.svg").status_code == 200


def other_year(year: int) -> int:
    return 2025 if year == 2024 else 2024


def test_the_archives_list_both_editions_with_the_same_figures_everywhere(
    client: FlaskClient, two_editions: dict[int, list[Initiative]]
) -> None:
    page = text_of(client.get("/resultats"))
    for year in (2024, 2025):
        assert f'href="/resultats/{year}"' in page and f'href="/initiatives?edition={year}"' in page
    data = client.get("/api/editions.json").get_json()["editions"]
    assert [row["edition"] for row in data] == [2025, 2024]
    lines = client.get("/api/editions.csv").get_data().decode("utf-8-sig").splitlines()
    header = lines[0].split(";")
    from_csv = [dict(zip(header, line.split(";"), strict=True)) for line in lines[1:]]
    assert from_csv == [{key: str(value) for key, value in row.items() if key in header} for row in data]
    assert [row["enveloppe"] for row in data] == ["20000.00", "10000.00"]
    # The chart of money: the envelope and the amount granted of each edition, in words and drawn.
    assert 'src="/resultats/graphiques/editions-montants.svg"' in page
    chart = client.get("/resultats/graphiques/editions-montants.svg")
    assert chart.status_code == 200 and chart.mimetype == "image/svg+xml"
    svg = ET.fromstring(chart.get_data())
    assert svg.find(f"{SVG}title").text == "Montant attribué et enveloppe par édition"
    description = svg.find(f"{SVG}desc").text
    for row in data:
        assert f"{row['edition']} : {euros(Decimal(row['attribue']))} attribués sur " \
               f"{euros(Decimal(row['enveloppe']))}" in description
    assert description in page  # the page's text alternative is the same description
    again = client.get("/resultats/graphiques/editions-montants.svg",
                       headers={"If-None-Match": chart.headers["ETag"]})
    assert again.status_code == 304


def test_a_winner_that_gave_up_still_counts_as_labelled(
    app: Flask, two_editions: dict[int, list[Initiative]]
) -> None:
    """The archives count the initiatives labelled that year from their history: one abandoned after winning
    was labelled all the same; one abandoned without ever being labelled is not counted."""
    winner, other = two_editions[2025][0], two_editions[2025][1]

    def labelled_2025() -> int:
        with app.extensions["db_sessionmaker"]() as session:
            return next(e.labelled for e in services.published_editions(session) if e.year == 2025)

    before = labelled_2025()
    with app.extensions["db_sessionmaker"]() as session:
        for initiative, history in ((winner, [Status.LABELLED, Status.ON_BALLOT, Status.WINNER]),
                                    (other, [])):
            row = session.get(Initiative, initiative.id)
            row.status = Status.ABANDONED.value
            session.execute(delete(StatusChange).where(StatusChange.initiative_id == row.id))
            for source, target in zip([Status.FILED, *history], history, strict=False):
                session.add(StatusChange(initiative_id=row.id, from_status=source.value,
                                         to_status=target.value, reason="", at=now_utc()))
        session.commit()
    # The winner keeps its place; the other one, abandoned with no labelling in its history, leaves.
    assert labelled_2025() == before - 1
