"""The voter's pages through the test client: identity, ballot, receipt, participation."""

from __future__ import annotations

import re
import threading
import time

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from budgetcitoyen.editions.models import Edition
from budgetcitoyen.voting.models import Ballot, VoterProfile
from tests.conftest import body_of
from tests.helpers import cast_ballot, csrf_token, login, post_form, review_token, text_of
from tests.voting.conftest import ARRAS


def receipt_mail(smtp, address: str, code: str, timeout: float = 10.0) -> str:
    """The receipt holding `code`: it is sent from a background thread, a moment after the response."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        bodies = [body_of(m) for m in smtp.messages if address in str(m["To"]) and code in body_of(m)]
        if bodies:
            return bodies[-1]
        time.sleep(0.02)
    raise AssertionError(f"no receipt to {address} holding {code}")


def vote(client: FlaskClient, choices: list[int]):
    """Review then confirm (tests/voting/test_review.py checks the review step itself)."""
    return cast_ballot(client, choices)


def declare(client: FlaskClient, **overrides: str):
    data = {"first_name": "Camille", "last_name": "Martin", "birth_date": "1990-05-04", "commune": "Arras"}
    data.update(overrides)
    return post_form(client, "/vote/identite", data)


def test_anonymous_visitors_are_invited_to_log_in(client, vote_edition, on_ballot) -> None:
    page = text_of(client.get("/vote"))
    assert "Se connecter pour voter" in page and "Le vote est ouvert" in page
    assert client.post("/vote/bulletin").status_code in (302, 400, 403)


def test_full_vote_through_the_pages(app: Flask, login_as, vote_edition, on_ballot, smtp, db_session) -> None:
    client = login_as(email="votant@example.org")
    user = client.user
    assert "Indiquer mes informations" in text_of(client.get("/vote"))

    refused = declare(client, commune="Lille")
    assert refused.status_code == 400 and "Commune inconnue dans le Pas-de-Calais" in text_of(refused)
    assert db_session.scalar(select(func.count()).select_from(VoterProfile)) == 0
    assert declare(client, commune="arras", birth_date="04/05/1990").status_code == 302
    profile = db_session.scalar(select(VoterProfile))
    assert profile.commune_code == ARRAS and profile.user_id == user.id

    page = text_of(client.get("/vote"))
    assert "Mon bulletin" in page and all(i.title in page for i in on_ballot)
    wrong = vote(client, [on_ballot[0].id, on_ballot[1].id])
    assert wrong.status_code == 400 and "exactement 3 initiatives (vous en avez choisi 2)" in text_of(wrong)
    # What the voter had ticked is still ticked.
    assert re.search(rf'value="{on_ballot[0].id}"[^>]*checked', wrong.get_data(as_text=True))

    done = vote(client, [i.id for i in on_ballot[:3]])
    assert done.status_code == 302 and done.headers["Location"].endswith("/vote/merci?confirme=1")
    # The ballot's answer leaves the session cookie alone (no flash): the receipt page says it.
    assert "Set-Cookie" not in done.headers
    assert "Votre vote est enregistré." in text_of(client.get(done.headers["Location"]))
    thanks = text_of(client.get("/vote/merci"))
    assert "Votre vote est enregistré." not in thanks  # the receipt page visited later says nothing more
    code = re.search(r"<code>([^<]+)</code>", thanks).group(1)
    mail = receipt_mail(smtp, "votant@example.org", code)
    assert "/vote/recu?code=" in mail
    assert "est compté" in text_of(client.get("/vote/recu", query_string={"code": code}))

    changed = vote(client, [i.id for i in on_ballot[2:5]])
    assert changed.status_code == 302
    assert "Votre vote est modifié : c'est ce dernier qui compte." in text_of(
        client.get(changed.headers["Location"]))
    assert "version antérieure" in text_of(client.get("/vote/recu", query_string={"code": code}))
    assert db_session.scalar(select(func.count()).select_from(Ballot)) == 1
    new_code = re.search(r"<code>([^<]+)</code>", text_of(client.get("/vote/merci"))).group(1)
    assert "modifié" in receipt_mail(smtp, "votant@example.org", new_code)
    # The identity can no longer be changed once voted.
    assert "déjà voté" in text_of(declare(client, first_name="Autre"))


def test_forged_receipt_is_refused_plainly(client, vote_edition) -> None:
    response = client.get("/vote/recu", query_string={"code": "abc.def"})
    assert response.status_code == 400 and "n'est pas valide" in text_of(response)
    assert client.get("/vote/recu").status_code == 200


def test_ambiguous_postal_code_lists_the_communes(login_as, vote_edition) -> None:
    client = login_as(email="v@example.org")
    response = declare(client, commune="62000")  # Arras and Dainville
    assert response.status_code == 400 and "plusieurs communes" in text_of(response)


def test_participation_is_public_and_results_hidden_unless_shown(
    app, client, vote_edition, on_ballot, make_voter
) -> None:
    voter = make_voter(email="p@example.org")
    login(client, "p@example.org")
    vote(client, [i.id for i in on_ballot[:3]])
    client.post("/deconnexion", data={})
    page = text_of(client.get("/vote/participation"))
    assert "<strong>1</strong> votant " in page and "Arrageois" in page
    assert "Résultats provisoires" not in page
    with app.extensions["db_sessionmaker"]() as session:
        session.get(Edition, vote_edition.id).live_results = True
        session.commit()
    page = text_of(client.get("/vote/participation"))
    assert "Résultats provisoires" in page and on_ballot[0].title in page
    assert voter.email not in page


def test_vote_page_before_and_after_the_window(client, make_edition) -> None:
    make_edition(
        year=2026, open_phase=None, catalogue_published=True
    )  # default calendar, 1–30 September 2026
    page = text_of(client.get("/vote"))
    # Today is after September 2026 or before: either message names the dates.
    assert "30 septembre 2026" in page


def test_voters_data_is_exported_then_erased_with_the_account(
    app, client, vote_edition, on_ballot, make_voter, db_session
) -> None:
    make_voter(email="efface@example.org", first="Camille", last="Martin")
    login(client, "efface@example.org")
    vote(client, [i.id for i in on_ballot[:3]])
    data = client.get("/compte/mes-donnees.json").get_json()
    assert data["vote"]["identite"]["nom"] == "Martin"
    assert sorted(data["vote"]["bulletins"][0]["choix"]) == sorted(i.title for i in on_ballot[:3])
    from tests.factories import DEFAULT_PASSWORD

    deleted = post_form(client, "/compte/supprimer", {"password": DEFAULT_PASSWORD, "confirm": "y"})
    assert deleted.status_code == 302, text_of(deleted)[:500]
    profile = db_session.scalar(select(VoterProfile))
    assert (profile.first_name, profile.last_name) == ("", "") and profile.birth_date.year == 1900
    # The ballot already cast still counts, and the identity hash still finds a second account.
    assert db_session.scalar(select(func.count()).select_from(Ballot).where(Ballot.voided_at.is_(None))) == 1
    assert len(profile.person_key) == 64


# Each ballot request holds its session's connection while the rate limiter counts on a second one: more
# requests at once in one process than the pool holds (5 + 10 overflow) would wait on each other. A
# gunicorn worker runs 4 threads; the services' test sends 20 ballots at once without the page.
BURST = 12


def test_concurrent_first_ballots_through_the_page_leave_one(
    login_as, vote_edition, on_ballot, make_voter, smtp, db_session
) -> None:
    """The ballot page under a burst: each POST counts against the limit on its own connection, then runs
    the use case once; one ballot remains, at the last version, and every accepted ballot has its receipt."""
    voter = make_voter(email="rafale@example.org")
    clients = [login_as(voter) for _ in range(BURST)]
    tokens = [csrf_token(client, "/vote") for client in clients]
    choices = [[str(on_ballot[(n + k) % 5].id) for k in range(3)] for n in range(BURST)]
    # Each reviewed first (nothing recorded), then every confirmation at once.
    reviewed = [review_token(clients[n], tokens[n], choices[n]) for n in range(BURST)]
    assert db_session.scalar(select(func.count()).select_from(Ballot)) == 0
    barrier = threading.Barrier(BURST)
    statuses: list[int] = [0] * BURST

    def submit(n: int) -> None:
        barrier.wait()
        response = clients[n].post("/vote/bulletin", data={
            "csrf_token": tokens[n], "choix": choices[n], "relu": reviewed[n], "confirmer": "1"})
        statuses[n] = response.status_code

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(BURST)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [302] * BURST
    ballots = db_session.scalars(select(Ballot)).all()
    assert len(ballots) == 1 and ballots[0].version == BURST and len(ballots[0].choices) == 3
    deadline = time.monotonic() + 10
    while len(smtp.messages) < BURST and time.monotonic() < deadline:
        time.sleep(0.02)
    assert sum("rafale@example.org" in str(m["To"]) for m in smtp.messages) == BURST


def test_a_rate_limited_ballot_changes_nothing(
    login_as, vote_edition, on_ballot, make_voter, db_session
) -> None:
    client = login_as(make_voter(email="presse@example.org"))
    first = [i.id for i in on_ballot[:3]]
    for _ in range(20):  # RATE_LIMIT_BALLOT_PER_ACCOUNT: 20 in ten minutes
        assert vote(client, first).status_code == 302
    refused = vote(client, [i.id for i in on_ballot[2:5]])
    assert refused.status_code == 429
    # What the voter had ticked is still ticked, and the ballot is the one counted before.
    assert re.search(rf'value="{on_ballot[4].id}"[^>]*checked', refused.get_data(as_text=True))
    ballot = db_session.scalar(select(Ballot))
    assert ballot.version == 20 and sorted(c.initiative_id for c in ballot.choices) == sorted(first)
