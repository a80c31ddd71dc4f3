"""The demo's photos: drawn at seed time (nothing downloaded), put through the real photo pipeline and the
configured storage, shown on the catalogue's cards and served; seeding again adds none."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from budgetcitoyen.clock import now_utc
from budgetcitoyen.demo.photos import seed_photos
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.initiatives.models import InitiativePhoto
from budgetcitoyen.initiatives.rules import Status
from tests.helpers import text_of


def test_demo_photos_are_drawn_stored_and_shown(
    app: Flask, client: FlaskClient, make_edition: Callable, make_initiative: Callable, db_session
) -> None:
    edition = make_edition(open_phase=Phase.VOTE, catalogue_published=True)
    for n in range(3):
        make_initiative(edition, status=Status.ON_BALLOT, title=f"Recyclerie solidaire à Arras {n}")
    make_initiative(edition, status=Status.DRAFT)
    for expected in (4, 0):  # the three on the ballot and the draft, then nothing more
        with app.extensions["db_sessionmaker"]() as session:
            assert seed_photos(session, session.get(Edition, edition.id), app.extensions["storage"],
                               now_utc()) == expected
            session.commit()
    photo = db_session.scalars(select(InitiativePhoto).order_by(InitiativePhoto.id)).first()
    assert "recyclerie solidaire" in photo.alt_text and photo.widths == "480 960"
    page = text_of(client.get("/initiatives"))
    assert page.count('class="card-photo"') == 3
    response = client.get(f"/initiatives/{photo.initiative_id}/photo/{photo.token}-960.jpg")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert db_session.scalar(select(func.count()).select_from(InitiativePhoto)) == 4
