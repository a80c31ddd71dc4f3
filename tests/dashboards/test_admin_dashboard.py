"""The back-office home page says what to do: the phase and its deadline, then one link per thing
waiting (dossiers to take in, evaluations missing, ballots, late final reports, failed mails)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import Flask
from flask.testing import FlaskClient

from budgetcitoyen.accounts.models import Role, User
from budgetcitoyen.clock import now_utc, to_local
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.labelling.models import Assignment, Evaluation
from budgetcitoyen.mail.models import OutboxMail
from tests.conventions.helpers import make_convention, winner_maker
from tests.helpers import login, text_of


def test_dashboard_lists_what_waits_with_links(
    app: Flask,
    client: FlaskClient,
    db_session,
    make_user: Callable[..., User],
    make_edition: Callable[..., Edition],
    make_initiative: Callable[..., Initiative],
) -> None:
    admin = make_user(roles=(Role.ADMIN,))
    edition = make_edition(year=2026, open_phase=Phase.LABELLING)
    for title in ("Recyclerie", "Café"):
        make_initiative(edition, Status.FILED, title)
    reviewed = make_initiative(edition, Status.IN_REVIEW, "Jardin")
    members = [make_user(), make_user(), make_user()]
    now = now_utc()
    for member in members:
        db_session.add(Assignment(initiative_id=reviewed.id, member_id=member.id, assigned_at=now))
    db_session.add(Evaluation(initiative_id=reviewed.id, member_id=members[0].id, updated_at=now,
                              submitted_at=now))
    db_session.add(Evaluation(initiative_id=reviewed.id, member_id=members[1].id, updated_at=now))  # draft
    db_session.add(OutboxMail(created_at=now, recipient="x@example.org", subject="Reçu", template="t",
                              message=b"", keep_after_sending=False, status="failed", attempts=9,
                              next_attempt_at=now, last_error="refusé"))
    db_session.commit()
    old = make_edition(year=to_local(now).year - 3)
    winner = winner_maker(make_initiative)(old, make_user(), title="Ressourcerie en retard")
    make_convention(app, winner, admin, signed_on=date(old.year, 1, 15), paid=True)

    login(client, admin.email)
    page = text_of(client.get("/gestion/"))
    assert "Étape en cours : <strong>Labellisation</strong>, jusqu'au" in page
    assert f'href="/gestion/dossiers?edition={edition.id}&amp;statut=filed"><strong>2</strong> dossiers' in \
        client.get("/gestion/").get_data(as_text=True)
    progress = f"/gestion/editions/{edition.id}/labellisation"
    assert f'href="{progress}"><strong>2</strong> évaluations du comité' in page
    assert "<strong>0</strong> bulletins comptés" in page
    assert "<strong>1</strong> bilan final en retard" in page
    assert 'href="/gestion/courriels?etat=failed"><strong>1</strong> courriel en échec' in page

    # An agent sees the same, without the mail queue (the administrators' page).
    agent = app.test_client()
    login(agent, make_user(roles=(Role.AGENT,)).email)
    agent_page = text_of(agent.get("/gestion/"))
    assert "dossiers déposés à instruire" in agent_page and "courriel en échec" not in agent_page


def test_commission_permanente_table_names_each_initiative(
    app: Flask, client: FlaskClient, make_user: Callable[..., User], make_edition: Callable[..., Edition]
) -> None:
    from tests.results.helpers import YEAR, make_scenario, set_vote_window, write_result

    scenario = make_scenario(app, make_edition, make_user)
    set_vote_window(app, scenario.edition.id, open_=False)
    write_result(app, scenario, published=False)
    admin = make_user(roles=(Role.ADMIN,))
    login(client, admin.email)
    page = text_of(client.get(f"/gestion/editions/{YEAR}/commission-permanente"))
    table = page.split('id="legende-imputation"')[1].split("</table>")[0]
    rows = table.split("<tbody>")[1].split("</tbody>")[0]
    # Each row shows (not only to screen readers) which initiative it books.
    names = [cell.split("</strong>")[0] for cell in rows.split("Mission ESS — <strong>")[1:]]
    assert len(names) == 3 and len(set(names)) == 3, names
    assert "sr-only" not in rows
