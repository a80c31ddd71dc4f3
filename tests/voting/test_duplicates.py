"""Issue #12's fraud, replayed through the real pages: three more accounts vote next to a voter's, one
with the same identity, one with the case changed and the commune typed as its INSEE code, one with
the birth date moved by a day. Every ballot still counts (the report is for a human to decide), and
all three accounts are in the duplicates report, with why."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from flask.testing import FlaskClient

from budgetcitoyen.accounts.models import User
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.voting.figures import participation
from tests.helpers import post_form, text_of

IDENTITY = {"first_name": "Camille", "last_name": "Dufour", "birth_date": "1984-06-12", "commune": "Arras"}


def declare_and_vote(client: FlaskClient, choices: list[Initiative], **identity: str) -> None:
    declared = post_form(client, "/vote/identite", {**IDENTITY, **identity})
    assert declared.status_code == 302, text_of(declared)[:3000]
    voted = post_form(client, "/vote/bulletin", {"choix": [str(i.id) for i in choices]}, token_from="/vote")
    assert voted.status_code == 302, text_of(voted)[:3000]


def test_the_three_disguised_accounts_are_all_in_the_report(
    vote_edition: Edition,
    on_ballot: list[Initiative],
    make_user: Callable[..., User],
    login_as: Callable[..., FlaskClient],
    admin: FlaskClient,
    db_session,
) -> None:
    people = {
        "habitant@example.org": {},
        "meme@example.org": {},
        "casse@example.org": {"first_name": "CAMILLE", "last_name": "dufour", "commune": "62041"},
        "jour@example.org": {"birth_date": "1984-06-13"},
    }
    for email, identity in people.items():
        declare_and_vote(login_as(make_user(email=email)), on_ballot[:3], **identity)
    declare_and_vote(login_as(make_user(email="voisin@example.org")), on_ballot[:3],
                     first_name="Paul", last_name="Leroy")
    assert participation(db_session, db_session.get(Edition, vote_edition.id)).total == 5

    page = text_of(admin.get(f"/gestion/vote/{vote_edition.id}/doublons"))
    groups = re.findall(r"<section class=\"duplicate-group\".*?</section>", page, re.DOTALL)
    assert len(groups) == 1
    (group,) = groups
    for email in people:
        assert email in group
        assert f"Annuler le bulletin du compte {email}" in group
    assert "voisin@example.org" not in page
    assert "à vérifier" in group and "dates de naissance à 1 jour d'écart" in group
    assert group.count("A voté") == 4
    # Who voted, never what for.
    for initiative in on_ballot:
        assert initiative.title not in page


def test_a_same_identity_pair_is_a_probable_duplicate_and_comes_before_a_near_one(
    vote_edition: Edition,
    on_ballot: list[Initiative],
    make_voter: Callable[..., User],
    admin: FlaskClient,
) -> None:
    make_voter(email="a@example.org", first="Zoé", last="Quennehen", born=date(1988, 3, 1))
    make_voter(email="b@example.org", first="Zoe", last="Quenehen", born=date(1988, 3, 1))
    make_voter(email="c@example.org", first="Lucie", last="de Lattre", born=date(1975, 2, 14))
    make_voter(email="d@example.org", first="lucie", last="LATTRE", born=date(1975, 2, 14), commune="62041")
    page = text_of(admin.get(f"/gestion/vote/{vote_edition.id}/doublons"))
    groups = re.findall(r"<section class=\"duplicate-group\".*?</section>", page, re.DOTALL)
    assert len(groups) == 2
    assert "c@example.org" in groups[0] and "doublon probable" in groups[0]
    assert "a@example.org" in groups[1] and "à vérifier" in groups[1]
    assert "nom ou prénom à 1 lettre près" in groups[1]
