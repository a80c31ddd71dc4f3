"""The Mission ESS's vote pages: dashboard and live results, paper ballots, duplicates, recount export."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from budgetcitoyen.accounts.models import User
from budgetcitoyen.audit.models import AuditEntry
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.models import Edition, EditionPhase
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.voting.ballots import cast_online
from budgetcitoyen.voting.figures import participation, tally
from budgetcitoyen.voting.identity import find_online_ballot
from budgetcitoyen.voting.models import Ballot, Channel, PaperAttendance, PaperClashPolicy
from tests.helpers import csrf_token, post_form, text_of
from tests.voting.conftest import ARRAS, LENS, SECRET

PAPER = {
    "first_name": "Lucie",
    "last_name": "Lefèvre-Dupont",
    "birth_date": "1975-02-14",
    "commune": "Arras",
    "polling_place": "Mairie d'Arras",
}


def cast(app: Flask, edition: Edition, user: User, choices: list[Initiative]) -> None:
    with app.extensions["db_sessionmaker"]() as session:
        cast_online(
            session,
            session.get(Edition, edition.id),
            session.get(User, user.id),
            [str(i.id) for i in choices],
            SECRET,
            now_utc(),
        )
        session.commit()


def close_vote(app: Flask, edition: Edition) -> None:
    """The vote ended yesterday; the results period runs."""
    now = now_utc()
    with app.extensions["db_sessionmaker"]() as session:
        for phase in session.scalars(select(EditionPhase).where(EditionPhase.edition_id == edition.id)):
            if phase.phase == Phase.VOTE.value:
                phase.starts_at, phase.ends_at = now - timedelta(days=30), now - timedelta(days=1)
            elif phase.phase == Phase.RESULTS.value:
                phase.starts_at, phase.ends_at = now - timedelta(days=1), now + timedelta(days=30)
        session.commit()


def enter_paper(client: FlaskClient, edition: Edition, choices: list[Initiative], **overrides: str):
    data = {**PAPER, **overrides, "choix": [str(i.id) for i in choices]}
    return post_form(client, f"/gestion/vote/{edition.id}/papier", data)


def counts(db_session, edition: Edition) -> tuple[int, int]:
    """(counted, voided) ballots of the edition."""
    figures = participation(db_session, db_session.get(Edition, edition.id))
    return figures.total, figures.voided


# --- Paper ballots ---------------------------------------------------------------------------


def test_an_agent_enters_a_paper_ballot_that_counts(agent, vote_edition, on_ballot, db_session) -> None:
    url = f"/gestion/vote/{vote_edition.id}/papier"
    page = text_of(agent.get(url))
    assert "Saisir un bulletin" in page and all(i.title in page for i in on_ballot)
    response = enter_paper(agent, vote_edition, on_ballot[:3])
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    page = text_of(agent.get(url))
    assert "Bulletin papier enregistré et compté." in page
    # The attendance list names the voter, with the place and the agent, and nothing of the ballot.
    row = re.search(r"<tr>\s*<th scope=\"row\">Lefèvre-Dupont Lucie</th>.*?</tr>", page, re.DOTALL)
    assert row is not None
    assert all(
        text in row.group(0) for text in ("14/02/1975", "Arras", "Mairie d'Arras", "agent@example.org")
    )
    assert "compté" not in row.group(0) and not any(i.title in row.group(0) for i in on_ballot)
    ballot = db_session.scalar(select(Ballot))
    assert ballot.channel == Channel.PAPER.value and ballot.voided_at is None
    assert counts(db_session, vote_edition) == (1, 0)
    assert tally(db_session, db_session.get(Edition, vote_edition.id)) == {
        i.id: 1 for i in on_ballot[:3]
    }
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "ballot.paper_entered"))
    assert entry is not None and entry.actor_id is not None


def test_a_second_paper_ballot_of_the_same_person_is_refused(
    agent, vote_edition, on_ballot, db_session
) -> None:
    assert enter_paper(agent, vote_edition, on_ballot[:3]).status_code == 302
    again = enter_paper(
        agent,
        vote_edition,
        on_ballot[2:5],
        last_name="LEFEVRE dupont",
        first_name="lucie",
        polling_place="Mairie de Lens",
    )
    assert again.status_code == 409
    page = text_of(again)
    assert "figure déjà sur la liste d'émargement papier" in page
    # What the agent typed and ticked is kept.
    assert 'value="LEFEVRE dupont"' in page and 'value="Mairie de Lens"' in page
    for initiative in on_ballot[2:5]:
        assert re.search(rf'value="{initiative.id}"[^>]*checked', again.get_data(as_text=True))
    assert db_session.scalar(select(func.count()).select_from(Ballot)) == 1
    assert db_session.scalar(select(func.count()).select_from(PaperAttendance)) == 1


def test_paper_ballot_after_an_online_one_online_wins(
    app, agent, vote_edition, on_ballot, make_voter, db_session
) -> None:
    voter = make_voter(first="Lucie", last="Lefèvre-Dupont", born=date(1975, 2, 14), commune=ARRAS)
    cast(app, vote_edition, voter, on_ballot[:3])
    edition = db_session.get(Edition, vote_edition.id)
    assert edition.paper_clash_policy == PaperClashPolicy.ONLINE_WINS.value
    before = tally(db_session, edition)

    response = enter_paper(agent, vote_edition, on_ballot[2:5], last_name="LEFEVRE DUPONT")
    assert response.status_code == 302
    assert "son vote en ligne compte, ce bulletin papier est annulé" in text_of(
        agent.get(response.headers["Location"])
    )
    paper = db_session.scalar(select(Ballot).where(Ballot.channel == Channel.PAPER.value))
    online = db_session.scalar(select(Ballot).where(Ballot.channel == Channel.ONLINE.value))
    assert paper.voided_at is not None and "vote en ligne compte" in paper.void_reason
    assert online.voided_at is None
    assert tally(db_session, edition) == before
    assert counts(db_session, vote_edition) == (1, 1)


def test_paper_ballot_after_an_online_one_paper_wins(
    app, agent, make_edition, make_ballot_initiative, make_voter, db_session
) -> None:
    edition = make_edition(
        open_phase=Phase.VOTE, catalogue_published=True, paper_clash_policy=PaperClashPolicy.PAPER_WINS
    )
    initiatives = [make_ballot_initiative(edition, f"Initiative {n}") for n in range(4)]
    voter = make_voter(first="Lucie", last="Lefèvre-Dupont", born=date(1975, 2, 14), commune=ARRAS)
    cast(app, edition, voter, initiatives[:3])

    response = enter_paper(agent, edition, initiatives[1:4])
    assert response.status_code == 302
    assert "le bulletin papier compte, son vote en ligne est annulé" in text_of(
        agent.get(response.headers["Location"])
    )
    online = db_session.scalar(select(Ballot).where(Ballot.channel == Channel.ONLINE.value))
    paper = db_session.scalar(select(Ballot).where(Ballot.channel == Channel.PAPER.value))
    assert online.voided_at is not None and paper.voided_at is None
    assert tally(db_session, db_session.get(Edition, edition.id)) == {
        i.id: 1 for i in initiatives[1:4]
    }


@pytest.mark.parametrize(
    ("overrides", "status", "message"),
    [
        ({"commune": "Lille"}, 400, "Commune inconnue dans le Pas-de-Calais"),
        ({"commune": "59000"}, 400, "Commune inconnue dans le Pas-de-Calais"),
        ({"birth_date": (date.today() - timedelta(days=365 * 5)).isoformat()}, 400, "âgés d'au moins 11 ans"),
        ({"birth_date": "31/02/1990"}, 400, "Indiquez votre date de naissance"),
        ({"polling_place": "  "}, 400, "Indiquez le lieu de vote"),
    ],
)
def test_paper_ballots_of_people_who_may_not_vote_are_refused(
    agent, vote_edition, on_ballot, db_session, overrides, status, message
) -> None:
    response = enter_paper(agent, vote_edition, on_ballot[:3], **overrides)
    assert response.status_code == status
    assert message in text_of(response)
    assert db_session.scalar(select(func.count()).select_from(Ballot)) == 0
    assert db_session.scalar(select(func.count()).select_from(PaperAttendance)) == 0


def test_a_paper_ballot_with_the_wrong_number_of_choices_is_refused(
    agent, vote_edition, on_ballot, db_session
) -> None:
    response = enter_paper(agent, vote_edition, on_ballot[:2])
    assert response.status_code == 400 and "exactement 3 initiatives" in text_of(response)
    tampered = post_form(
        agent, f"/gestion/vote/{vote_edition.id}/papier", {**PAPER, "choix": ["999999", "x", "1"]}
    )
    assert tampered.status_code == 400
    assert db_session.scalar(select(func.count()).select_from(PaperAttendance)) == 0


def test_paper_ballots_per_territory_follow_the_voters_territory(
    app, agent, make_edition, make_ballot_initiative, db_session
) -> None:
    edition = make_edition(
        open_phase=Phase.VOTE,
        catalogue_published=True,
        ballot_scope="territory",
        min_choices=1,
        max_choices=2,
    )
    arras = make_ballot_initiative(edition, "Ressourcerie d'Arras")
    lens = make_ballot_initiative(edition, "Café de Lens", territory="lens-henin")
    page = text_of(agent.get(f"/gestion/vote/{edition.id}/papier"))
    # The agent sees every territory's list, under its name.
    assert "Arrageois" in page and "Lens-Hénin" in page and "Café de Lens" in page
    refused = enter_paper(agent, edition, [lens])  # a voter of Arras cannot choose Lens's initiative
    assert refused.status_code == 400 and "n'est pas soumise au vote" in text_of(refused)
    assert enter_paper(agent, edition, [lens], commune="Lens").status_code == 302
    assert enter_paper(agent, edition, [arras], first_name="Paul").status_code == 302
    assert counts(db_session, edition) == (2, 0)


def test_paper_entry_waits_for_the_vote(agent, make_edition, db_session) -> None:
    edition = make_edition(year=2027)  # its vote is in September 2027
    page = text_of(agent.get(f"/gestion/vote/{edition.id}/papier"))
    assert "La saisie des bulletins papier ouvrira avec le vote." in page
    assert "Enregistrer le bulletin papier" not in page
    response = post_form(
        agent, f"/gestion/vote/{edition.id}/papier", {**PAPER, "choix": ["1"]}, token_from="/gestion/vote"
    )
    assert response.status_code == 409
    assert db_session.scalar(select(func.count()).select_from(PaperAttendance)) == 0


def test_the_attendance_list_is_paginated(app, agent, vote_edition, db_session) -> None:
    now = now_utc()
    with app.extensions["db_sessionmaker"]() as session:
        session.add_all(
            PaperAttendance(
                edition_id=vote_edition.id,
                first_name=f"Prénom{n:02d}",
                last_name="Nom",
                birth_date=date(1980, 1, 1),
                commune_code=ARRAS,
                person_key=f"k{n}",
                polling_place="Mairie d'Arras",
                entered_by_id=None,
                entered_at=now - timedelta(minutes=n),
            )
            for n in range(60)
        )
        session.commit()
    first = text_of(agent.get(f"/gestion/vote/{vote_edition.id}/papier"))
    assert (
        "60 lignes d'émargement saisies (page 1 sur 2" in first
        and "Prénom00" in first
        and "Prénom59" not in first
    )
    second = text_of(agent.get(f"/gestion/vote/{vote_edition.id}/papier?page=2"))
    assert "Prénom59" in second and "Prénom00" not in second


# --- Dashboard and live results -----------------------------------------------------------------


def test_dashboard_shows_participation_and_hides_the_running_tally(
    app, admin, agent, vote_edition, on_ballot, make_voter, db_session
) -> None:
    cast(app, vote_edition, make_voter(email="a@example.org"), on_ballot[:3])
    cast(app, vote_edition, make_voter(email="b@example.org", first="Paul", commune=LENS), on_ballot[2:5])
    assert enter_paper(agent, vote_edition, on_ballot[:3]).status_code == 302

    for client in (admin, agent):
        for url in ("/gestion/vote", f"/gestion/vote/{vote_edition.id}"):
            page = text_of(client.get(url))
            assert "Vote ouvert" in page
            assert re.search(r"Bulletins comptés</dt><dd>3<", page)
            assert re.search(r"Papier \(mairie\)</dt><dd>1<", page) and re.search(
                r"En ligne</dt><dd>2<", page
            )
            assert re.search(r"Arrageois</th><td class=\"num\">2<", page)
            assert re.search(r"Lens-Hénin</th><td class=\"num\">1<", page)
            assert "Voix par initiative" not in page
            assert "Le décompte n'est pas consultable pendant le vote" in page
    assert "Afficher les résultats provisoires" in text_of(admin.get("/gestion/vote"))
    assert "Afficher les résultats provisoires" not in text_of(agent.get("/gestion/vote"))
    assert "Doublons probables" not in text_of(agent.get("/gestion/vote"))


def test_admins_turn_live_results_on_and_off(
    admin, agent, vote_edition, on_ballot, make_voter, app, db_session
) -> None:
    cast(app, vote_edition, make_voter(), on_ballot[:3])
    url = f"/gestion/vote/{vote_edition.id}/resultats-provisoires"
    assert post_form(agent, url, {"live": "1"}, token_from="/gestion/vote").status_code == 403
    assert post_form(admin, url, {"live": "maybe"}, token_from="/gestion/vote").status_code == 400
    assert db_session.get(Edition, vote_edition.id).live_results is False

    assert post_form(admin, url, {"live": "1"}, token_from="/gestion/vote").status_code == 302
    db_session.expire_all()
    assert db_session.get(Edition, vote_edition.id).live_results is True
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "edition.live_results"))
    assert entry.before == {"live_results": False} and entry.after == {"live_results": True}
    page = text_of(admin.get("/gestion/vote"))
    assert "Voix par initiative (provisoire" in page and "Masquer les résultats provisoires" in page
    assert "Voix par initiative" in text_of(agent.get("/gestion/vote"))
    assert on_ballot[0].title in text_of(app.test_client().get("/vote/participation"))

    # Sending the same state twice changes nothing (a double click does not flip it back).
    assert post_form(admin, url, {"live": "1"}, token_from="/gestion/vote").status_code == 302
    assert (
        db_session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "edition.live_results")
        )
        == 1
    )
    assert post_form(admin, url, {"live": "0"}, token_from="/gestion/vote").status_code == 302
    db_session.expire_all()
    assert db_session.get(Edition, vote_edition.id).live_results is False
    assert "Voix par initiative" not in text_of(admin.get("/gestion/vote"))


def test_once_the_vote_is_closed_the_tally_is_shown(app, admin, vote_edition, on_ballot, make_voter) -> None:
    cast(app, vote_edition, make_voter(email="a@example.org"), on_ballot[:3])
    cast(app, vote_edition, make_voter(email="b@example.org", first="Paul"), on_ballot[2:5])
    close_vote(app, vote_edition)
    page = text_of(admin.get("/gestion/vote"))
    assert "Vote clos" in page and "Voix par initiative (bulletins comptés" in page
    # Most voted first: the initiative on both ballots.
    rows = re.findall(r"n° (\d+) — [^<]+</a></th><td>[^<]+</td><td class=\"num\">(\d+)<", page)
    assert rows[0] == (str(on_ballot[2].id), "2") and len(rows) == 5


def test_the_dashboard_without_any_edition(admin) -> None:
    page = text_of(admin.get("/gestion/vote"))
    assert "Aucune édition n'existe encore." in page
    for url in (
        "/gestion/vote/999999",
        "/gestion/vote/papier",
        "/gestion/vote/doublons",
        "/gestion/vote/bulletins.csv",
        "/gestion/vote/999999/papier",
    ):
        assert admin.get(url).status_code == 404, url


def test_short_urls_lead_to_the_current_edition(admin, agent, make_edition, vote_edition) -> None:
    make_edition(year=2025)  # older: the public site presents the 2026 edition
    assert "Bulletins papier — 2026" in text_of(agent.get("/gestion/vote/papier"))
    assert "Doublons probables — vote 2026" in text_of(admin.get("/gestion/vote/doublons"))
    assert admin.get("/gestion/vote/bulletins.csv").status_code == 302  # the vote is open, live results off
    assert agent.get("/gestion/vote/doublons").status_code == 403


# --- Duplicates ----------------------------------------------------------------------------------


def duplicates_setting(app, vote_edition, on_ballot, make_voter) -> tuple[User, User, User]:
    """Two accounts for the same person, written differently, both voted; an unrelated voter."""
    first = make_voter(
        email="lucie@example.org", first="Lucie", last="Lefèvre-Dupont", born=date(1975, 2, 14)
    )
    second = make_voter(
        email="l.lefevre@example.org", first="LUCIE", last="LEFEVRE dupont", born=date(1975, 2, 14)
    )
    other = make_voter(email="paul@example.org", first="Paul", last="Lefèvre-Dupont", born=date(1975, 2, 14))
    for voter in (first, second, other):
        cast(app, vote_edition, voter, on_ballot[:3])
    return first, second, other


def void(client: FlaskClient, edition: Edition, user: User, reason: str):
    url = f"/gestion/vote/{edition.id}/doublons/{user.id}/annuler"
    token = csrf_token(client, f"/gestion/vote/{edition.id}/doublons")
    prefix = f"compte-{user.id}"
    return client.post(url, data={f"{prefix}-csrf_token": token, f"{prefix}-reason": reason})


def test_duplicates_report_groups_one_person_across_accounts(
    app, admin, vote_edition, on_ballot, make_voter, db_session
) -> None:
    duplicates_setting(app, vote_edition, on_ballot, make_voter)
    page = text_of(admin.get(f"/gestion/vote/{vote_edition.id}/doublons"))
    groups = re.findall(r"<section class=\"duplicate-group\".*?</section>", page, re.DOTALL)
    assert len(groups) == 1
    group = groups[0]
    assert "lucie@example.org" in group and "l.lefevre@example.org" in group
    assert "paul@example.org" not in page
    assert group.count("A voté") == 2 and "14/02/1975" in group and "Arras" in group
    assert "Annuler le bulletin du compte lucie@example.org" in group


def test_voiding_one_duplicate_keeps_the_other_ballot(
    app, admin, vote_edition, on_ballot, make_voter, db_session
) -> None:
    first, second, _ = duplicates_setting(app, vote_edition, on_ballot, make_voter)
    assert counts(db_session, vote_edition) == (3, 0)
    audit_before = db_session.scalar(select(func.count()).select_from(AuditEntry))

    refused = void(admin, vote_edition, second, "   ")
    assert refused.status_code == 400 and "Indiquez le motif de l'annulation." in text_of(refused)
    named = void(admin, vote_edition, second, "Doublon de Lefevre Dupont")
    assert named.status_code == 400 and "N'écrivez ni le nom" in text_of(named)
    assert "Doublon de Lefevre Dupont" in text_of(named)  # what was typed is kept
    by_mail = void(admin, vote_edition, second, "Second compte, voir l.lefevre@example.org")
    assert by_mail.status_code == 400
    assert counts(db_session, vote_edition) == (3, 0)
    assert db_session.scalar(select(func.count()).select_from(AuditEntry)) == audit_before

    done = void(admin, vote_edition, second, "Second compte de la même personne, créé après le premier vote.")
    assert done.status_code == 302
    assert counts(db_session, vote_edition) == (2, 1)
    ballot_of_second = find_online_ballot(
        db_session, db_session.get(Edition, vote_edition.id), db_session.get(User, second.id), SECRET
    )
    ballot_of_first = find_online_ballot(
        db_session, db_session.get(Edition, vote_edition.id), db_session.get(User, first.id), SECRET
    )
    assert ballot_of_second.voided_at is not None and ballot_of_first.voided_at is None
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "ballot.voided"))
    assert entry.actor_id is not None and "Second compte de la même personne" in entry.summary
    page = text_of(admin.get(f"/gestion/vote/{vote_edition.id}/doublons"))
    assert "Bulletin annulé" in page and page.count("A voté") == 1
    assert "Annuler le bulletin du compte l.lefevre@example.org" not in page

    again = void(admin, vote_edition, second, "Encore")
    assert again.status_code == 409 and "déjà annulé" in text_of(again)


def test_only_flagged_accounts_can_be_voided_and_only_by_admins(
    app, admin, agent, vote_edition, on_ballot, make_voter, db_session
) -> None:
    _, second, other = duplicates_setting(app, vote_edition, on_ballot, make_voter)
    assert void(admin, vote_edition, other, "Sans raison valable").status_code == 404
    assert agent.get(f"/gestion/vote/{vote_edition.id}/doublons").status_code == 403
    token = csrf_token(agent, "/gestion/vote")
    response = agent.post(
        f"/gestion/vote/{vote_edition.id}/doublons/{second.id}/annuler",
        data={f"compte-{second.id}-csrf_token": token, f"compte-{second.id}-reason": "Doublon"},
    )
    assert response.status_code == 403
    assert counts(db_session, vote_edition) == (3, 0)


def test_an_attendance_line_of_a_person_with_an_account_is_flagged(
    app, admin, agent, vote_edition, on_ballot, make_voter
) -> None:
    make_voter(email="lucie@example.org", first="Lucie", last="Lefèvre-Dupont", born=date(1975, 2, 14))
    assert enter_paper(agent, vote_edition, on_ballot[:3]).status_code == 302
    page = text_of(admin.get(f"/gestion/vote/{vote_edition.id}/doublons"))
    group = re.search(r"<section class=\"duplicate-group\".*?</section>", page, re.DOTALL).group(0)
    assert "lucie@example.org" in group and "Émargement papier (Mairie d'Arras)" in group
    assert "N'a pas voté" in group and "A voté" in group
    assert "Annuler le bulletin" not in group  # the account has no ballot to void


# --- Export ------------------------------------------------------------------------------------


def read_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))


def test_the_export_waits_for_the_close_even_with_live_results(
    app, admin, vote_edition, on_ballot, make_voter
) -> None:
    cast(app, vote_edition, make_voter(), on_ballot[:3])
    url = f"/gestion/vote/{vote_edition.id}/bulletins.csv"
    early = admin.get(url)
    assert early.status_code == 302
    assert "disponible à la clôture du vote" in text_of(admin.get(early.headers["Location"]))
    # Live results show totals; two exports compared during the vote would show who changed what.
    post_form(
        admin,
        f"/gestion/vote/{vote_edition.id}/resultats-provisoires",
        {"live": "1"},
        token_from="/gestion/vote",
    )
    assert admin.get(url).status_code == 302
    close_vote(app, vote_edition)
    assert len(read_csv(admin.get(url))) == 1


def test_the_export_lists_counted_ballots_by_random_id_with_channel_and_choices(
    app, admin, agent, vote_edition, on_ballot, make_voter, db_session
) -> None:
    _, second, _ = duplicates_setting(app, vote_edition, on_ballot, make_voter)
    assert enter_paper(agent, vote_edition, on_ballot[2:5], first_name="Jeanne").status_code == 302
    assert void(admin, vote_edition, second, "Second compte de la même personne.").status_code == 302
    close_vote(app, vote_edition)
    response = admin.get(f"/gestion/vote/{vote_edition.id}/bulletins.csv")
    assert agent.get(f"/gestion/vote/{vote_edition.id}/bulletins.csv").status_code == 403
    rows = read_csv(response)
    assert list(rows[0]) == [
        "Bulletin",
        "Canal",
        "Nombre de choix",
        "Initiatives choisies (n°)",
        "Initiatives choisies (titres)",
    ]
    ballots = db_session.scalars(select(Ballot)).all()
    counted = [b for b in ballots if b.voided_at is None]
    assert [r["Bulletin"] for r in rows] == sorted(b.public_id for b in counted)
    # The voided ballot is not exported: the admin who voided it knows whose it is.
    voided = next(b for b in ballots if b.voided_at is not None)
    assert voided.public_id not in response.get_data(as_text=True)
    assert "Second compte" not in response.get_data(as_text=True)
    assert sorted(r["Canal"] for r in rows) == ["en ligne"] * 2 + ["papier"]
    paper = next(r for r in rows if r["Canal"] == "papier")
    assert paper["Initiatives choisies (n°)"] == " ".join(
        str(i.id) for i in sorted(on_ballot[2:5], key=lambda i: i.id)
    )
    assert on_ballot[2].title in paper["Initiatives choisies (titres)"] and paper["Nombre de choix"] == "3"
    raw = response.get_data(as_text=True)
    for ballot in ballots:
        assert ballot.receipt_id not in raw and ballot.voter_key not in raw
