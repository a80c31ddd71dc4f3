"""The review step of the ballot (issue #13, item 4): the first sending shows the choices back, the ballot
is recorded only on « Confirmer mon vote », whose choices must be those reviewed; « Modifier mes choix »
goes back with them; CSRF on both steps. And the changed vote's mail has a subject of its own."""

from __future__ import annotations

import re
import time

from sqlalchemy import func, select

from budgetcitoyen.mail.models import OutboxMail
from budgetcitoyen.voting.models import Ballot, BallotChoice
from tests.helpers import REVIEW_TOKEN, cast_ballot, csrf_token, text_of


def counts(db_session) -> tuple[int, int, int]:
    db_session.expire_all()
    return (
        db_session.scalar(select(func.count()).select_from(Ballot)),
        db_session.scalar(select(func.count()).select_from(BallotChoice)),
        db_session.scalar(select(func.count()).select_from(OutboxMail)),
    )


def test_nothing_is_recorded_before_confirmation(login_as, vote_edition, on_ballot, make_voter, db_session):
    client = login_as(make_voter(email="relit@example.org"))
    token = csrf_token(client, "/vote")
    chosen = [i.id for i in on_ballot[:3]]
    before = counts(db_session)
    review = client.post("/vote/bulletin", data={"csrf_token": token, "choix": [str(c) for c in chosen]})
    page = text_of(review)
    assert review.status_code == 200
    assert "Vérifiez votre vote avant de le confirmer" in page and "pas encore enregistré" in page
    assert all(i.title in page for i in on_ballot[:3]) and on_ballot[3].title not in page
    assert "Confirmer mon vote" in page and "Modifier mes choix" in page
    # The confirmation form carries the choices, the CSRF token and the review token.
    html = review.get_data(as_text=True)
    hidden = re.findall(r'type="hidden" name="choix" value="(\d+)"', html)
    assert sorted(int(v) for v in hidden) == sorted(chosen)
    assert 'name="csrf_token"' in html and REVIEW_TOKEN.search(html)
    # No ballot, no choice, no receipt mail: only a confirmation records.
    assert counts(db_session) == before

    # « Modifier mes choix »: back to the ballot, the choices still ticked, still nothing recorded.
    relu = REVIEW_TOKEN.search(html).group(1)
    back = client.post("/vote/bulletin", data={
        "csrf_token": token, "choix": [str(c) for c in chosen], "relu": relu, "modifier": "1"})
    assert back.status_code == 200 and "Mon bulletin" in text_of(back)
    for initiative_id in chosen:
        assert re.search(rf'value="{initiative_id}"[^>]*checked', back.get_data(as_text=True))
    assert counts(db_session) == before

    done = client.post("/vote/bulletin", data={
        "csrf_token": token, "choix": [str(c) for c in chosen], "relu": relu, "confirmer": "1"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/vote/merci?confirme=1")
    ballots, choices, _ = counts(db_session)
    assert (ballots, choices) == (1, 3)


def test_an_invalid_ballot_is_refused_at_review(login_as, vote_edition, on_ballot, make_voter, db_session):
    client = login_as(make_voter(email="deux@example.org"))
    token = csrf_token(client, "/vote")
    answer = client.post("/vote/bulletin", data={"csrf_token": token, "choix": [str(on_ballot[0].id)]})
    assert answer.status_code == 400
    assert "Choisissez exactement 3 initiatives (vous en avez choisi 1)" in text_of(answer)
    assert "Confirmer mon vote" not in text_of(answer)
    assert counts(db_session)[0] == 0


def test_tampered_choices_are_refused_in_french(login_as, vote_edition, on_ballot, make_voter, db_session):
    client = login_as(make_voter(email="triche@example.org"))
    token = csrf_token(client, "/vote")
    reviewed = [str(i.id) for i in on_ballot[:3]]
    review = client.post("/vote/bulletin", data={"csrf_token": token, "choix": reviewed})
    relu = REVIEW_TOKEN.search(review.get_data(as_text=True)).group(1)
    for tampered, token_sent in (
        ([str(i.id) for i in on_ballot[2:5]], relu),  # other valid choices under the reviewed token
        ([*reviewed[:2], "999999"], relu),  # an initiative not on the ballot
        (reviewed, relu[:-1] + ("0" if relu[-1] != "0" else "1")),  # a forged token
        (reviewed, "é" * 40),  # not even hexadecimal
    ):
        answer = client.post("/vote/bulletin", data={
            "csrf_token": token, "choix": tampered, "relu": token_sent, "confirmer": "1"})
        assert answer.status_code == 400
        assert "Les choix envoyés ne sont pas ceux que vous avez relus" in text_of(answer)
        assert "votre vote n'est pas enregistré" in text_of(answer)
    assert counts(db_session)[0] == 0
    # The order of the choices is not part of what was reviewed.
    done = client.post("/vote/bulletin", data={
        "csrf_token": token, "choix": list(reversed(reviewed)), "relu": relu, "confirmer": "1"})
    assert done.status_code == 302


def test_both_steps_need_the_csrf_token(login_as, vote_edition, on_ballot, make_voter, db_session):
    client = login_as(make_voter(email="csrf@example.org"))
    token = csrf_token(client, "/vote")
    chosen = [str(i.id) for i in on_ballot[:3]]
    assert client.post("/vote/bulletin", data={"choix": chosen}).status_code == 400
    review = client.post("/vote/bulletin", data={"csrf_token": token, "choix": chosen})
    relu = REVIEW_TOKEN.search(review.get_data(as_text=True)).group(1)
    for forged in ({}, {"csrf_token": "forged"}):
        data = {**forged, "choix": chosen, "relu": relu, "confirmer": "1"}
        answer = client.post("/vote/bulletin", data=data)
        assert answer.status_code == 400 and "Le formulaire a expiré" in text_of(answer)
    assert counts(db_session)[0] == 0


def test_a_changed_vote_has_a_mail_subject_of_its_own(login_as, vote_edition, on_ballot, make_voter, smtp):
    client = login_as(make_voter(email="change@example.org"))
    assert cast_ballot(client, [i.id for i in on_ballot[:3]]).status_code == 302
    assert cast_ballot(client, [i.id for i in on_ballot[2:5]]).status_code == 302
    deadline = time.monotonic() + 10
    subjects: list[str] = []
    while len(subjects) < 2 and time.monotonic() < deadline:
        subjects = [str(m["Subject"]) for m in smtp.messages if "change@example.org" in str(m["To"])]
        time.sleep(0.02)
    assert sorted(subjects) == ["Votre vote au Budget citoyen est enregistré",
                                "Votre vote au Budget citoyen est modifié"]


def ticked(page: str) -> set[int]:
    return {int(v) for v in re.findall(r'value="(\d+)" id="choix-\d+" checked', page)}


def test_vote_for_this_initiative_ticks_it_until_a_ballot_is_cast(
    login_as, vote_edition, on_ballot, make_voter, db_session
):
    """The initiative page's « Voter pour cette initiative » links to /vote?choix=<id>: the ballot opens
    with it ticked (an id not on this ballot is ignored); once a ballot is cast, the ballot shows its own
    choices. Nothing is recorded by the link."""
    client = login_as(make_voter(email="lien@example.org"))
    first, second = on_ballot[0].id, on_ballot[1].id
    page = client.get(f"/vote?choix={first}&choix=999999&choix=abc").get_data(as_text=True)
    assert ticked(page) == {first}
    assert counts(db_session)[0] == 0
    cast_ballot(client, [i.id for i in on_ballot[2:5]])
    page = client.get(f"/vote?choix={second}").get_data(as_text=True)
    assert ticked(page) == {i.id for i in on_ballot[2:5]}
