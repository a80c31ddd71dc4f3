"""Committee pages: the permission matrix of scoring (assigned only, no peek before submitting, recusal)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select

from budgetcitoyen.accounts.models import College, Role, User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.labelling import services
from budgetcitoyen.labelling.models import Evaluation
from tests.helpers import post_form, text_of


@pytest.fixture
def committee(  # type: ignore[no-untyped-def]
    app: Flask, make_edition: Callable, make_committee_member: Callable, make_user: Callable,
    make_initiative: Callable,
):
    edition = make_edition(open_phase=Phase.LABELLING)
    members = [
        make_committee_member(edition, college, email=f"membre{i}@example.org")
        for i, college in enumerate((College.AMBASSADOR, College.FINANCE, College.QUALIFIED))
    ]
    outsider = make_committee_member(edition, College.MISSION_ESS, email="autre@example.org")
    holder = make_user(email="porteur@example.org")
    initiative = make_initiative(edition, Status.IN_REVIEW, title="Tiers-lieu rural", territory="audomarois",
                                 holder=holder, summary="Un tiers-lieu.", description="**Ouvert** à tous")
    now = now_utc()
    with app.extensions["db_sessionmaker"]() as session:
        row, admin = session.get(Initiative, initiative.id), session.get(User, holder.id)
        for member in members:
            services.assign_by_hand(session, admin, row, session.get(User, member.id), now)
        session.commit()
    return edition, members, outsider, initiative.id


def sheet_form(app: Flask, edition: Edition, value: int) -> dict[str, str]:
    with app.extensions["db_sessionmaker"]() as session:
        axes = services.questionnaire(session, session.get(Edition, edition.id))
        session.commit()
        return {f"q-{q.id}": str(value) for axis in axes for q in axis.questions}


def test_member_scores_and_only_then_sees_the_others(app: Flask, committee, db_session, login_as) -> None:  # type: ignore[no-untyped-def]
    edition, members, _, initiative_id = committee
    url = f"/comite/dossiers/{initiative_id}"
    first, second = login_as(members[0]), login_as(members[1])
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


def test_scores_outside_0_to_4_are_refused(app: Flask, committee, login_as) -> None:  # type: ignore[no-untyped-def]
    edition, members, _, initiative_id = committee
    client = login_as(members[0])
    form = sheet_form(app, edition, 3)
    form[next(iter(form))] = "5"
    response = post_form(client, f"/comite/dossiers/{initiative_id}", {**form, "submit_sheet": "1"})
    assert response.status_code == 422 and "entier de 0 à 4" in text_of(response)


def test_unassigned_and_outsiders_are_refused(committee, login_as) -> None:  # type: ignore[no-untyped-def]
    _, _, outsider, initiative_id = committee
    url = f"/comite/dossiers/{initiative_id}"
    unassigned = login_as(outsider)
    assert unassigned.get(url).status_code == 403
    assert post_form(unassigned, url, {"save": "1"}, token_from="/comite").status_code == 403
    resident = login_as(email="habitant@example.org")
    assert resident.get("/comite").status_code == 403
    assert resident.get(url).status_code == 403
    assert login_as(Role.AGENT, email="agent@example.org").get(f"{url}/radar.png").status_code == 403


def test_declaring_an_interest_removes_the_dossier(committee, login_as) -> None:  # type: ignore[no-untyped-def]
    _, members, _, initiative_id = committee
    client = login_as(members[2])
    url = f"/comite/dossiers/{initiative_id}"
    response = post_form(
        client, f"{url}/interet", {"note": "Je préside l'association."}, token_from=url, follow_redirects=True
    )
    assert "ni au débat ni au vote" in text_of(response)
    assert client.get(url).status_code == 403
    assert post_form(client, url, {"save": "1"}, token_from="/comite").status_code == 403
    page = text_of(client.get("/comite"))
    assert "déclaré un intérêt" in page and "Tiers-lieu rural" in page


def test_assigned_member_reads_the_attachments(app: Flask, committee, login_as) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    from budgetcitoyen.initiatives.models import Attachment

    _, members, outsider, initiative_id = committee
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
    assert login_as(members[0]).get(url).status_code == 200
    assert login_as(outsider).get(url).status_code == 403


def test_public_page_shows_the_aggregate_radar_only(app: Flask, committee, db_session, login_as) -> None:  # type: ignore[no-untyped-def]
    edition, members, _, initiative_id = committee
    for index, member in enumerate(members):
        client = login_as(member)
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
