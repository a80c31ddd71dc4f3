"""Secrecy of the vote in the back-office: no page nor export puts a voter next to their ballot.

Known voters (names and e-mails chosen to appear nowhere else) vote online and on paper, one of
them twice under two accounts and has a ballot voided; then every back-office page of the vote,
the export and the journal are fetched as an administrator, with the vote open and live results
shown, and once the vote is closed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from budgetcitoyen.accounts.models import User
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.voting.eligibility import person_key, voter_key
from budgetcitoyen.voting.identity import find_online_ballot
from budgetcitoyen.voting.models import Ballot, PaperAttendance
from tests.helpers import post_form, text_of
from tests.voting.conftest import ARRAS, LENS, SECRET
from tests.voting.test_admin_views import cast, close_vote, void


@dataclass
class Voter:
    """What identifies a person, and the ids of their ballot."""

    identifiers: list[str]  # name, e-mail
    ballot_ids: list[str]  # public id, receipt id and the receipt id's prefix the journal shows


def ballot_ids(ballot: Ballot) -> list[str]:
    return [ballot.public_id, ballot.receipt_id, ballot.receipt_id[:8]]


def test_no_back_office_page_nor_export_ties_a_voter_to_a_ballot(
    app: Flask,
    vote_edition: Edition,
    on_ballot: list[Initiative],
    make_voter: Callable[..., User],
    admin: FlaskClient,
    agent: FlaskClient,
    db_session,
) -> None:
    people = [
        ("zoe.quennehen@example.org", "Zoé", "Quennehen", date(1988, 3, 1), ARRAS),
        ("anatole.wiart@example.org", "Anatole", "Wiart", date(1961, 7, 30), LENS),
        ("ines.bacquet@example.org", "Inès", "Bacquet", date(2010, 1, 9), ARRAS),
    ]
    users = [
        make_voter(email=email, first=first, last=last, born=born, commune=commune)
        for email, first, last, born, commune in people
    ]
    # Inès again, under a second account (her name typed differently): a likely duplicate.
    twin = make_voter(email="ibacquet.bis@example.org", first="INES", last="bacquet", born=date(2010, 1, 9))
    for n, user in enumerate([*users, twin]):
        cast(app, vote_edition, user, on_ballot[n % 3 : n % 3 + 3])

    base = f"/gestion/vote/{vote_edition.id}"
    # Two paper ballots: Gaspard has no account; Zoé also voted online (a clash, settled by the setting).
    for first, last, born in (("Gaspard", "Vandewalle", "1950-12-24"), ("Zoé", "Quennehen", "1988-03-01")):
        assert (
            post_form(
                agent,
                f"{base}/papier",
                {
                    "first_name": first,
                    "last_name": last,
                    "birth_date": born,
                    "commune": "Arras",
                    "polling_place": "Mairie d'Arras",
                    "choix": [str(i.id) for i in on_ballot[2:5]],
                },
            ).status_code
            == 302
        )
    assert void(admin, vote_edition, twin, "Second compte de la même personne.").status_code == 302

    edition = db_session.get(Edition, vote_edition.id)
    voters: list[Voter] = []
    for (email, _, last, _, _), user in zip(people, users, strict=True):
        ballot = find_online_ballot(db_session, edition, db_session.get(User, user.id), SECRET)
        voters.append(Voter([email, last], ballot_ids(ballot)))
    twin_ballot = find_online_ballot(db_session, edition, db_session.get(User, twin.id), SECRET)
    voters.append(Voter(["ibacquet.bis@example.org", "Bacquet", "bacquet"], ballot_ids(twin_ballot)))
    for line in db_session.scalars(select(PaperAttendance)):
        paper = db_session.scalar(
            select(Ballot).where(
                Ballot.voter_key
                == voter_key(
                    SECRET,
                    person=person_key(
                        SECRET, line.first_name, line.last_name, line.birth_date, line.commune_code
                    ),
                )
            )
        )
        voters.append(Voter([line.last_name], ballot_ids(paper)))
    assert len(voters) == 6 and db_session.scalar(select(func.count()).select_from(Ballot)) == 6
    every_ballot_id = [i for v in voters for i in v.ballot_ids[:2]]

    people_pages = [f"{base}/papier", f"{base}/doublons"]
    pages = [
        "/gestion/",
        "/gestion/vote",
        base,
        *people_pages,
        "/gestion/journal",
        "/gestion/journal?objet=ballot",
        "/gestion/journal?objet=paper_attendance",
        "/gestion/journal?objet=edition",
        "/gestion/utilisateurs",
        *(f"/gestion/utilisateurs/{u.id}" for u in [*users, twin]),
        "/vote/participation",
    ]

    def check(fetched: dict[str, str]) -> None:
        for url, body in fetched.items():
            for voter in voters:
                named = [i for i in voter.identifiers if i in body]
                shown = [i for i in voter.ballot_ids if i in body]
                assert not (named and shown), f"{url} shows {named} with their ballot {shown}"
        for url in people_pages:
            assert not any(i in fetched[url] for i in every_ballot_id), url

    # During the vote, with the running tally shown.
    assert (
        post_form(admin, f"{base}/resultats-provisoires", {"live": "1"}, token_from=base).status_code == 302
    )
    fetched = {url: text_of(admin.get(url)) for url in pages}
    assert (
        "Quennehen" in fetched[f"{base}/papier"]
        and "zoe.quennehen@example.org" in fetched[f"{base}/doublons"]
    )
    assert admin.get(f"{base}/bulletins.csv").status_code == 302  # no export while the vote is open
    check(fetched)

    # Once closed, the same pages and the export for the recount.
    close_vote(app, vote_edition)
    fetched = {url: text_of(admin.get(url)) for url in pages}
    export = admin.get(f"{base}/bulletins.csv").get_data(as_text=True)
    fetched[f"{base}/bulletins.csv"] = export
    check(fetched)
    # The export really lists the counted ballots, and only them.
    counted = {b.public_id for b in db_session.scalars(select(Ballot).where(Ballot.voided_at.is_(None)))}
    assert all((v.ballot_ids[0] in export) == (v.ballot_ids[0] in counted) for v in voters)
    assert len(counted) == 4
    # The export names nobody at all, not even the staff, nor where or when anyone voted.
    for email, first, last, _, _ in people:
        assert email not in export and last not in export and first not in export
    for text in ("Vandewalle", "Gaspard", "Bacquet", "@", "admin", "agent", "Mairie", "2026"):
        assert text.casefold() not in export.casefold(), text
    assert re.search(r"\d:\d\d", export) is None  # no time of day


def test_the_attendance_list_and_duplicates_never_say_how_a_ballot_went(
    app: Flask,
    vote_edition: Edition,
    on_ballot: list[Initiative],
    make_voter: Callable[..., User],
    agent: FlaskClient,
) -> None:
    """Voided or counted, which choices: none of it appears next to an attendance line."""
    make_voter(email="zoe@example.org", first="Zoé", last="Quennehen", born=date(1988, 3, 1))
    url = f"/gestion/vote/{vote_edition.id}/papier"
    assert (
        post_form(
            agent,
            url,
            {
                "first_name": "Zoé",
                "last_name": "Quennehen",
                "birth_date": "1988-03-01",
                "commune": "Arras",
                "polling_place": "Mairie d'Arras",
                "choix": [str(i.id) for i in on_ballot[:3]],
            },
        ).status_code
        == 302
    )
    page = text_of(agent.get(url))
    listing = page[page.index("Liste d'émargement") :]
    assert "Quennehen" in listing
    for word in ("annulé", "compté", *(i.title for i in on_ballot)):
        assert word not in listing, word
