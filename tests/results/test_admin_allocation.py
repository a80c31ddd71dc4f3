"""The admin's allocation page: close the vote, compute, preview, publish (once), with the engine for real."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable

from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from budgetcitoyen.accounts.models import Role
from budgetcitoyen.allocation.commands import allocate_command
from budgetcitoyen.audit.models import AuditEntry
from budgetcitoyen.conventions.models import Convention
from budgetcitoyen.editions.models import Edition, EditionPhase
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import STATUS_LABELS, Status
from budgetcitoyen.mail import worker
from budgetcitoyen.results import figures
from budgetcitoyen.results.models import AllocationResult
from budgetcitoyen.results.services import CSV_NAME, PB_NAME, results_folder
from tests.conftest import SmtpServer, body_of
from tests.helpers import post_form, text_of
from tests.results.helpers import YEAR, Scenario, set_vote_window, squeeze, visible

PAGE = f"/gestion/editions/{YEAR}/repartition"


def result_count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(AllocationResult)) or 0


def audit_actions(db_session) -> list[str]:
    return list(db_session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


# --- the vote --------------------------------------------------------------------------------------


def test_the_page_shows_the_open_vote_and_the_close_form(
    login_as: Callable[..., FlaskClient], scenario: Scenario
) -> None:
    admin = login_as(Role.ADMIN)
    response = admin.get(PAGE)
    assert response.status_code == 200
    page = visible(response)
    assert "Vote ouvert" in page and "5 bulletins comptés à ce jour" in page
    assert "Clore le vote maintenant" in page
    assert "Par ordre des votes, en passant les projets qui ne tiennent plus dans l'enveloppe" in page


def test_closing_the_vote_needs_a_reason(
    login_as: Callable[..., FlaskClient], scenario: Scenario, db_session
) -> None:
    admin = login_as(Role.ADMIN)
    response = post_form(admin, f"{PAGE}/clore-le-vote", {"reason": "   "}, token_from=PAGE)
    assert response.status_code == 422
    assert "Indiquez pourquoi le vote est clos avant la date prévue." in text_of(response)
    ends_at = db_session.scalar(
        select(EditionPhase.ends_at).where(
            EditionPhase.edition_id == scenario.edition.id, EditionPhase.phase == Phase.VOTE.value
        )
    )
    response = post_form(
        admin, f"{PAGE}/clore-le-vote", {"reason": "Démonstration à la CDESS"}, token_from=PAGE
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(PAGE)
    page = visible(admin.get(PAGE))
    assert "Le vote est clos. Vous pouvez maintenant calculer la répartition" in page
    assert "Vote clos" in page and "Clore le vote maintenant" not in page
    assert (
        db_session.scalar(
            select(EditionPhase.ends_at).where(
                EditionPhase.edition_id == scenario.edition.id, EditionPhase.phase == Phase.VOTE.value
            )
        )
        < ends_at
    )
    assert "vote.closed_early" in audit_actions(db_session)
    # Closing twice: a clear refusal, nothing changed.
    response = post_form(admin, f"{PAGE}/clore-le-vote", {"reason": "Encore"}, token_from=PAGE)
    assert response.status_code == 409
    assert "Le vote est déjà clos." in text_of(response)


def test_compute_is_refused_while_the_vote_is_open(
    login_as: Callable[..., FlaskClient], scenario: Scenario, db_session
) -> None:
    admin = login_as(Role.ADMIN)
    response = post_form(admin, f"{PAGE}/calculer", {}, token_from=PAGE)
    assert response.status_code == 409
    assert "Le vote est encore ouvert : la répartition se calcule une fois le vote clos." in text_of(response)
    assert result_count(db_session) == 0


def test_publishing_needs_a_computed_result_and_the_confirmation(
    login_as: Callable[..., FlaskClient], app: Flask, scenario: Scenario, db_session
) -> None:
    admin = login_as(Role.ADMIN)
    set_vote_window(app, scenario.edition.id, open_=False)
    response = post_form(admin, f"{PAGE}/publier", {"confirm": "y"}, token_from=PAGE)
    assert response.status_code == 409
    assert "Calculez d'abord la répartition." in text_of(response)


def test_unknown_editions_are_not_found(login_as: Callable[..., FlaskClient]) -> None:
    admin = login_as(Role.ADMIN)
    assert admin.get("/gestion/editions/1999/repartition").status_code == 404
    assert admin.get("/gestion/editions/1999/commission-permanente").status_code == 404


# --- with the allocation engine ---------------------------------------------------------------------


def compute(admin: FlaskClient) -> None:
    response = post_form(admin, f"{PAGE}/calculer", {}, token_from=PAGE)
    assert response.status_code == 302, text_of(response)[:3000]


def test_compute_shows_the_preview_without_publishing(
    login_as: Callable[..., FlaskClient], app: Flask, scenario: Scenario, db_session, client: FlaskClient
) -> None:
    admin = login_as(Role.ADMIN)
    set_vote_window(app, scenario.edition.id, open_=False)
    compute(admin)
    page = visible(admin.get(PAGE))
    assert "Répartition calculée : 3 lauréates, 21 500,00 € attribués, 500,00 € restants." in page
    assert "Aperçu de la répartition (non publiée)" in page
    # Each initiative with its number (n°), the one the published files use.
    a, c = scenario.ids["A"], scenario.ids["C"]
    assert (f"Ressourcerie d'Arras (n° {a}) Arrageois Coopération 5 100,0 % 8 000,00 € 8 000,00 € Lauréate"
            in page)
    assert (f"Jardin partagé de Calais (n° {c}) Calaisis Innovation sociétale 3 60,0 % 6 000,00 € — "
            "Non retenue" in page)
    assert "Publier les résultats" in page
    assert "allocation.computed" in audit_actions(db_session)
    # Nothing public yet, nothing changed for the holders.
    assert client.get(f"/api/editions/{YEAR}/results.json").status_code == 404
    statuses = set(
        db_session.scalars(select(Initiative.status).where(Initiative.edition_id == scenario.edition.id))
    )
    assert statuses == {Status.LABELLED.value}
    # Computing again replaces the preview (one result per edition).
    compute(admin)
    assert result_count(db_session) == 1


def test_publish_needs_the_confirmation_box(
    login_as: Callable[..., FlaskClient], app: Flask, scenario: Scenario, db_session
) -> None:
    admin = login_as(Role.ADMIN)
    set_vote_window(app, scenario.edition.id, open_=False)
    compute(admin)
    response = post_form(admin, f"{PAGE}/publier", {}, token_from=PAGE)
    assert response.status_code == 422
    assert "Cochez la case pour confirmer la publication." in text_of(response)
    assert db_session.scalar(select(AllocationResult.published_at)) is None


def test_publish_once_then_refused(
    login_as: Callable[..., FlaskClient],
    app: Flask,
    scenario: Scenario,
    db_session,
    client: FlaskClient,
    smtp: SmtpServer,
) -> None:
    admin = login_as(Role.ADMIN)
    set_vote_window(app, scenario.edition.id, open_=False)
    compute(admin)
    response = post_form(admin, f"{PAGE}/publier", {"confirm": "y"}, token_from=PAGE)
    assert response.status_code == 302, text_of(response)[:3000]
    page = visible(admin.get(PAGE))
    assert "Résultats publiés : 3 lauréates, autant de conventions à signer." in page
    assert f'href="/resultats/{YEAR}"' in admin.get(PAGE).get_data(as_text=True)
    assert "Conventions des lauréates" in page and "Calculer" not in page
    # Statuses, conventions, mails.
    statuses = dict(
        db_session.execute(
            select(Initiative.id, Initiative.status).where(Initiative.edition_id == scenario.edition.id)
        ).all()
    )
    assert statuses == {
        scenario.ids["A"]: "winner",
        scenario.ids["B"]: "winner",
        scenario.ids["C"]: "not_selected",
        scenario.ids["D"]: "winner",
    }
    assert db_session.scalar(select(func.count()).select_from(Convention)) == 3
    assert STATUS_LABELS[Status.WINNER] in str(smtp.last_to(scenario.holders["A"])["Subject"])
    assert "Financé : 1er en voix" in body_of(smtp.last_to(scenario.holders["A"]))
    assert STATUS_LABELS[Status.NOT_SELECTED] in str(smtp.last_to(scenario.holders["C"])["Subject"])
    assert "Non financé : 3e en voix (3 voix) ; 6 000 € demandés" in squeeze(
        body_of(smtp.last_to(scenario.holders["C"]))
    )
    assert "allocation.published" in audit_actions(db_session)
    # The public page and the files, whose SHA-256 is the one stored.
    result = db_session.scalar(select(AllocationResult))
    folder = results_folder(app.instance_path, YEAR)
    pb = (folder / PB_NAME.format(year=YEAR)).read_bytes()
    assert hashlib.sha256(pb).hexdigest() == result.ballots_pb_sha256
    assert (
        hashlib.sha256((folder / CSV_NAME.format(year=YEAR)).read_bytes()).hexdigest()
        == result.ballots_csv_sha256
    )
    download = client.get(f"/resultats/{YEAR}/{PB_NAME.format(year=YEAR)}")
    assert download.status_code == 200 and download.data == pb
    assert result.ballots_pb_sha256 in text_of(client.get(f"/resultats/{YEAR}"))
    # Publishing twice, and computing after publication, are refused with a clear message.
    mails = len(smtp.messages)
    response = post_form(
        admin,
        f"{PAGE}/publier",
        {"confirm": "y"},
        token_from=f"/gestion/editions/{YEAR}/commission-permanente",
    )
    assert response.status_code == 409
    assert "Les résultats de cette édition sont déjà publiés." in text_of(response)
    response = post_form(
        admin, f"{PAGE}/calculer", {}, token_from=f"/gestion/editions/{YEAR}/commission-permanente"
    )
    assert response.status_code == 409
    assert "déjà publiés : la répartition ne peut plus changer" in text_of(response)
    assert len(smtp.messages) == mails
    assert db_session.scalar(select(func.count()).select_from(Convention)) == 3


def test_the_recompute_command_gives_back_the_published_outcome(
    login_as: Callable[..., FlaskClient], app: Flask, scenario: Scenario, db_session
) -> None:
    """What the page tells a visitor to run, run on the downloaded file, selects the published winners."""
    admin = login_as(Role.ADMIN)
    set_vote_window(app, scenario.edition.id, open_=False)
    compute(admin)
    assert post_form(admin, f"{PAGE}/publier", {"confirm": "y"}, token_from=PAGE).status_code == 302
    command = re.search(
        r"<code>(budgetcitoyen allocate [^<]+)</code>", admin.get(PAGE).get_data(as_text=True)
    )
    assert command is not None
    arguments = command.group(1).split()[2:]
    pb_path = results_folder(app.instance_path, YEAR) / PB_NAME.format(year=YEAR)
    arguments[arguments.index("--pb") + 1] = str(pb_path)
    outcome = CliRunner().invoke(allocate_command, arguments)
    assert outcome.exit_code == 0, outcome.output
    data = json.loads(outcome.output)
    assert data["selected"] == [str(scenario.ids[key]) for key in "ABD"]
    assert data["spent"] == 21500


def test_only_admins_run_the_allocation(login_as: Callable[..., FlaskClient], scenario: Scenario) -> None:
    agent = login_as(Role.AGENT)
    assert agent.get(PAGE).status_code == 403
    assert post_form(agent, f"{PAGE}/calculer", {}, token_from="/compte").status_code == 403
    assert agent.get(f"/gestion/editions/{YEAR}/commission-permanente").status_code == 200


def test_an_edition_without_vote_dates(
    login_as: Callable[..., FlaskClient], make_edition: Callable[..., Edition], app: Flask
) -> None:
    admin = login_as(Role.ADMIN)
    edition = make_edition(year=2031)
    with app.extensions["db_sessionmaker"]() as session:
        for phase in session.scalars(
            select(EditionPhase).where(
                EditionPhase.edition_id == edition.id, EditionPhase.phase == Phase.VOTE.value
            )
        ):
            session.delete(phase)
        session.commit()
    page = visible(admin.get("/gestion/editions/2031/repartition"))
    assert "Le vote de cette édition n'a pas de dates." in page
    response = post_form(
        admin,
        "/gestion/editions/2031/repartition/calculer",
        {},
        token_from="/gestion/editions/2031/repartition",
    )
    assert response.status_code == 409 and "n'a pas de dates de vote" in text_of(response)


def test_the_charts_are_drawn_after_the_publication_answers(
    login_as: Callable[..., FlaskClient], app: Flask, scenario: Scenario, client: FlaskClient
) -> None:
    """The admin's publication answers before drawing the charts; a chart asked for in between is drawn
    from the same frozen figures (the same bytes as the one stored next, whose SHA-256 is its ETag)."""
    admin = login_as(Role.ADMIN)
    set_vote_window(app, scenario.edition.id, open_=False)
    compute(admin)
    response = post_form(admin, f"{PAGE}/publier", {"confirm": "y"}, token_from=PAGE)
    assert response.status_code == 302, text_of(response)[:3000]
    with app.extensions["db_sessionmaker"]() as session:
        result = session.scalar(select(AllocationResult))
        assert figures.frozen_figures(session, result).charts == {}
    before = {name: client.get(f"/resultats/{YEAR}/graphiques/{name}.svg") for name in figures.CHART_NAMES}
    assert all(chart.status_code == 200 for chart in before.values())
    response.close()  # what the WSGI server does once the answer is sent: the charts are drawn
    with app.extensions["db_sessionmaker"]() as session:
        result = session.scalar(select(AllocationResult))
        stored = figures.frozen_figures(session, result).charts
    assert sorted(stored) == sorted(figures.CHART_NAMES)
    files = app.extensions["storage"]
    for name, chart in before.items():
        assert files.read(figures.chart_key(YEAR, name)) == chart.data
        assert hashlib.sha256(chart.data).hexdigest() == stored[name] == chart.headers["ETag"].strip('"')
        after = client.get(f"/resultats/{YEAR}/graphiques/{name}.svg")
        assert after.data == chart.data and after.headers["ETag"] == chart.headers["ETag"]
    response.close()  # drawn once: a second call finds them
    with app.extensions["db_sessionmaker"]() as session:
        assert figures.frozen_figures(session, session.scalar(select(AllocationResult))).charts == stored


def test_the_worker_draws_the_charts_a_stopped_publication_left(
    login_as: Callable[..., FlaskClient], app: Flask, scenario: Scenario, client: FlaskClient
) -> None:
    """The publishing process stopped (a deploy, a kill) between its commit and the drawing: the answer is
    never closed. The mail worker's chore draws the charts, the same bytes the chart pages were drawing,
    once; a worker with nothing to draw changes nothing."""
    admin = login_as(Role.ADMIN)
    set_vote_window(app, scenario.edition.id, open_=False)
    compute(admin)
    response = post_form(admin, f"{PAGE}/publier", {"confirm": "y"}, token_from=PAGE)
    assert response.status_code == 302  # and never closed: its process is gone
    live = {name: client.get(f"/resultats/{YEAR}/graphiques/{name}.svg").data for name in figures.CHART_NAMES}
    with app.extensions["db_sessionmaker"]() as session:
        assert figures.editions_missing_charts(session) == [scenario.edition.id]
    worker.run_chores(app)  # what `budgetcitoyen worker` does at its start and every minute
    with app.extensions["db_sessionmaker"]() as session:
        assert figures.editions_missing_charts(session) == []
        stored = figures.frozen_figures(session, session.scalar(select(AllocationResult))).charts
    files = app.extensions["storage"]
    for name, data in live.items():
        assert files.read(figures.chart_key(YEAR, name)) == data
        assert hashlib.sha256(data).hexdigest() == stored[name]
    worker.run_chores(app)  # nothing left: nothing redrawn
    with app.extensions["db_sessionmaker"]() as session:
        assert figures.frozen_figures(session, session.scalar(select(AllocationResult))).charts == stored
