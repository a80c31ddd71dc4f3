"""Committee pages: the permission matrix of scoring (assigned only, no peek before submitting, recusal)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from budgetcitoyen.accounts.models import College, Role, User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.labelling import services
from budgetcitoyen.labelling.models import Evaluation
from budgetcitoyen.reference.models import Territory
from tests.web.helpers import login, post_form, text_of


@pytest.fixture
def committee(app: Flask, make_edition: Callable, make_committee_member: Callable, make_user: Callable):  # type: ignore[no-untyped-def]
    edition = make_edition(open_phase=Phase.LABELLING)
    members = [
        make_committee_member(edition, college, email=f"membre{i}@example.org")
        for i, college in enumerate((College.AMBASSADOR, College.FINANCE, College.QUALIFIED))
    ]
    outsider = make_committee_member(edition, College.MISSION_ESS, email="autre@example.org")
    holder = make_user(email="porteur@example.org")
    now = now_utc()
    with app.extensions["db_sessionmaker"]() as session:
        territory = session.scalar(select(Territory.id).where(Territory.code == "audomarois"))
        initiative = Initiative(
            edition_id=edition.id,
            holder_id=holder.id,
            title="Tiers-lieu rural",
            summary="Un tiers-lieu.",
            description="**Ouvert** à tous",
            territory_id=territory,
            status=Status.IN_REVIEW.value,
            created_at=now,
            updated_at=now,
        )
        session.add(initiative)
        session.flush()
        admin = session.get(User, holder.id)
        for member in members:
            services.assign_by_hand(session, admin, initiative, session.get(User, member.id), now)
        session.commit()
        initiative_id = initiative.id
    return edition, members, outsider, initiative_id


def client_for(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    login(client, email)
    return client


def sheet_form(app: Flask, edition: Edition, value: int) -> dict[str, str]:
    with app.extensions["db_sessionmaker"]() as session:
        axes = services.questionnaire(session, session.get(Edition, edition.id))
        session.commit()
        return {f"q-{q.id}": str(value) for axis in axes for q in axis.questions}


def test_member_scores_and_only_then_sees_the_others(app: Flask, committee, db_session) -> None:  # type: ignore[no-untyped-def]
    edition, members, _, initiative_id = committee
    url = f"/comite/dossiers/{initiative_id}"
    first, second = client_for(app, "membre0@example.org"), client_for(app, "membre1@example.org")
    assert "Tiers-lieu rural" in text_of(first.get("/comite"))
    # Member 1 submits first.
    response = post_form(
        second, url, {**sheet_form(app, edition, 2), "comment": "Fragile", "submit_sheet": "1"}
    )
    assert response.status_code == 302
    # Member 0 has not submitted: no radar, no other scores.
    page = text_of(first.get(url))
    assert "Le regard du comité" not in page and "Fragile" not in page
    assert first.get(f"{url}/radar.png").status_code == 403
    # A draft, then an incomplete submission is refused, then a complete one.
    draft = {**sheet_form(app, edition, 4)}
    partial = dict(list(draft.items())[:3])
    assert post_form(first, url, {**partial, "save": "1"}).status_code == 302
    refused = post_form(first, url, {**partial, "submit_sheet": "1"})
    assert refused.status_code == 422 and "Notez toutes les questions" in text_of(refused)
    assert post_form(first, url, {**draft, "submit_sheet": "1"}).status_code == 302
    page = text_of(first.get(url))
    assert "Le regard du comité" in page and "Données du radar" in page and "3,00" in page
    radar = first.get(f"{url}/radar.png")
    assert radar.status_code == 200 and radar.data.startswith(b"\x89PNG")
    assert "no-store" in radar.headers["Cache-Control"]
    assert first.get(f"{url}/radar.svg").data.lstrip().startswith(b"<?xml")
    # A submitted sheet cannot be edited.
    again = post_form(first, url, {**sheet_form(app, edition, 0), "submit_sheet": "1"}, follow_redirects=True)
    assert "déjà soumise" in text_of(again)
    member0 = db_session.scalar(select(User).where(User.email == "membre0@example.org"))
    evaluation = db_session.scalar(select(Evaluation).where(Evaluation.member_id == member0.id))
    assert {s.value for s in evaluation.scores} == {4}


def test_scores_outside_0_to_4_are_refused(app: Flask, committee) -> None:  # type: ignore[no-untyped-def]
    edition, _, _, initiative_id = committee
    client = client_for(app, "membre0@example.org")
    form = sheet_form(app, edition, 3)
    form[next(iter(form))] = "5"
    response = post_form(client, f"/comite/dossiers/{initiative_id}", {**form, "submit_sheet": "1"})
    assert response.status_code == 422 and "entier de 0 à 4" in text_of(response)


def test_unassigned_and_outsiders_are_refused(app: Flask, committee, make_user: Callable) -> None:  # type: ignore[no-untyped-def]
    _, _, _, initiative_id = committee
    url = f"/comite/dossiers/{initiative_id}"
    unassigned = client_for(app, "autre@example.org")
    assert unassigned.get(url).status_code == 403
    assert post_form(unassigned, url, {"save": "1"}, token_from="/comite").status_code == 403
    make_user(email="habitant@example.org")
    resident = client_for(app, "habitant@example.org")
    assert resident.get("/comite").status_code == 403
    assert resident.get(url).status_code == 403
    make_user(email="agent@example.org", roles=(Role.AGENT,))
    assert client_for(app, "agent@example.org").get(f"{url}/radar.png").status_code == 403


def test_declaring_an_interest_removes_the_dossier(app: Flask, committee) -> None:  # type: ignore[no-untyped-def]
    _, _, _, initiative_id = committee
    client = client_for(app, "membre2@example.org")
    url = f"/comite/dossiers/{initiative_id}"
    response = post_form(
        client, f"{url}/interet", {"note": "Je préside l'association."}, token_from=url, follow_redirects=True
    )
    assert "ni au débat ni au vote" in text_of(response)
    assert client.get(url).status_code == 403
    assert post_form(client, url, {"save": "1"}, token_from="/comite").status_code == 403
    page = text_of(client.get("/comite"))
    assert "déclaré un intérêt" in page and "Tiers-lieu rural" in page


def test_assigned_member_reads_the_attachments(app: Flask, committee) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    from budgetcitoyen.initiatives.models import Attachment

    _, _, _, initiative_id = committee
    folder = Path(app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "abcdefabcdefabcdefabcdefabcdefab.pdf").write_bytes(b"%PDF-1.4\n")
    with app.extensions["db_sessionmaker"]() as session:
        attachment = Attachment(
            initiative_id=initiative_id,
            original_name="budget.pdf",
            stored_name="abcdefabcdefabcdefabcdefabcdefab.pdf",
            content_type="application/pdf",
            size=9,
            sha256="0" * 64,
            uploaded_at=now_utc(),
        )
        session.add(attachment)
        session.commit()
        attachment_id = attachment.id
    url = f"/dossiers/{initiative_id}/pieces/{attachment_id}"
    assert client_for(app, "membre0@example.org").get(url).status_code == 200
    assert client_for(app, "autre@example.org").get(url).status_code == 403


def test_public_page_shows_the_aggregate_radar_only(app: Flask, committee, db_session) -> None:  # type: ignore[no-untyped-def]
    edition, members, _, initiative_id = committee
    for index, member in enumerate(members):
        client = client_for(app, member.email)
        post_form(
            client,
            f"/comite/dossiers/{initiative_id}",
            {**sheet_form(app, edition, 2 + index), "comment": f"Avis {index}", "submit_sheet": "1"},
        )
    with app.extensions["db_sessionmaker"]() as session:
        row = session.get(Initiative, initiative_id)
        row.status = Status.LABELLED.value
        session.get(Edition, edition.id).catalogue_published = True
        session.commit()
    public = app.test_client()
    page = text_of(public.get(f"/initiatives/{initiative_id}"))
    assert "Données du radar" in page and "3,00" in page
    assert "Membre 1" not in page and "Avis 0" not in page  # no individual scores in public
    response = public.get(f"/initiatives/{initiative_id}/radar.png")
    assert response.status_code == 200 and "public" in response.headers["Cache-Control"]
    from budgetcitoyen.labelling.radar import figure

    review = services.review(db_session, db_session.get(Initiative, initiative_id))
    public_figure = figure(services.radar_data(review, "x", with_members=False))
    assert [line.get_gid() for line in public_figure.axes[0].get_lines()] == ["aggregate"]
