"""The yearly survey of past winners: mailed through the queue once per winner and year, answered through
a signed link without an account; a tampered, expired or reused link is refused with a clear message."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from budgetcitoyen.accounts import tokens
from budgetcitoyen.clock import now_utc
from budgetcitoyen.impact.models import SurveyAnswer, SurveyCampaign, SurveyInvitation
from budgetcitoyen.mail.models import OutboxMail
from tests.conftest import SmtpServer, body_of
from tests.conventions.helpers import IMPACT_FORM
from tests.helpers import csrf_token, text_of
from tests.impact.helpers import PastWinners, make_past_winners, send, token_for


@pytest.fixture
def winners(app: Flask, make_edition: Callable[..., Any], make_initiative: Callable[..., Any],
            make_user: Callable[..., Any]) -> PastWinners:
    return make_past_winners(app, make_edition, make_initiative, make_user)


def survey_mails(db_session: Any) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count()).select_from(OutboxMail)
                             .where(OutboxMail.template == "impact_survey"))


def count(db_session: Any, model: Any) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count()).select_from(model))


def test_the_survey_goes_through_the_mail_queue_once_per_winner(
    app: Flask, winners: PastWinners, db_session: Any, smtp: SmtpServer
) -> None:
    sent = send(app, winners.year)
    # The signed winners of past editions only: not the convention still to sign, not this year's winner.
    assert (sent.queued, sent.already, sent.without_address) == (6, 0, [])
    queued = db_session.scalars(select(OutboxMail).where(OutboxMail.template == "impact_survey")).all()
    assert len(queued) == 6 and {m.status for m in queued} == {"queued"}
    # Nothing was sent by the use case itself: the SMTP server has received nothing yet.
    with smtp.handler.lock:
        assert smtp.handler.messages == []
    # Sending again (a second click, a second cron run) mails nobody twice.
    again = send(app, winners.year)
    assert (again.queued, again.already) == (0, 6)
    assert count(db_session, SurveyInvitation) == 6 and count(db_session, SurveyCampaign) == 1
    assert survey_mails(db_session) == 6
    # The worker delivers them, each with its own link.
    mail = smtp.last_to("porteur0@example.org")
    assert "Que devient « Initiative A0 »" in str(mail["Subject"])
    body = body_of(mail)
    assert "valable 120 jours, il ne sert qu'une fois" in body
    link = re.search(r"http://[^/\s]+(/impact/questionnaire/\S+)", body)
    assert link
    opened = app.test_client().get(link.group(1))
    assert opened.status_code == 200 and "Que devient « Initiative A0 » ?" in text_of(opened)
    assert len({body_of(m) for m in smtp.messages if "Que devient" in str(m["Subject"])}) == 6


def test_the_command_sends_the_survey(app: Flask, winners: PastWinners, db_session: Any) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["impact", "send-survey", "--year", str(winners.year)])
    assert result.exit_code == 0, result.output
    assert f"Enquête {winners.year} : 6 courriel(s) mis en file d'envoi, 0 lauréat(s) déjà interrogé(s)." \
        in result.output
    result = runner.invoke(args=["impact", "send-survey", "--year", str(winners.year)])
    assert "0 courriel(s) mis en file d'envoi, 6 lauréat(s) déjà interrogé(s)." in result.output
    assert survey_mails(db_session) == 6


def _answer_page(app: Flask, winners: PastWinners) -> tuple[str, int]:
    send(app, winners.year)
    convention_id = winners.surveyed["Initiative A1"]
    return f"/impact/questionnaire/{token_for(app, convention_id)}", convention_id


def post_answers(client: Any, url: str, **changes: str) -> Any:
    data = {**IMPACT_FORM, **changes}
    return client.post(url, data={"csrf_token": csrf_token(client),
                                  **{k: v for k, v in data.items() if v != ""}})


def test_a_link_answers_once_without_an_account(app: Flask, winners: PastWinners, db_session: Any,
                                                client: Any) -> None:
    url, convention_id = _answer_page(app, winners)
    page = client.get(url)
    assert page.status_code == 200
    # A second browser opens the same link before the first one answers.
    other_browser = app.test_client()
    assert other_browser.get(url).status_code == 200
    assert "Que devient « Initiative A1 » ?" in text_of(page)

    refused = post_answers(client, url, still_active="", employees_before="")
    assert refused.status_code == 422
    assert "Indiquez si l'initiative est toujours active." in text_of(refused)
    assert "Indiquez le nombre de salariés au début du projet (0 s'il n'y en avait pas)." in text_of(refused)
    assert count(db_session, SurveyAnswer) == 0

    done = post_answers(client, url)
    assert done.status_code == 302 and done.headers["Location"].endswith("/impact/merci")
    stored = db_session.scalars(select(SurveyAnswer)).one()
    assert (stored.still_active, stored.volunteers_after, stored.story_public) == (True, 8, True)
    assert stored.invitation.convention_id == convention_id

    # Reused: the link says, in French, that it was already answered; nothing more is stored.
    again = client.get(url)
    assert again.status_code == 409
    assert "Ce questionnaire a déjà reçu une réponse : merci ! Le lien ne sert qu'une fois." in text_of(again)
    late = post_answers(other_browser, url)
    assert late.status_code == 409 and "déjà reçu une réponse" in text_of(late)
    assert count(db_session, SurveyAnswer) == 1


def test_a_tampered_link_is_refused(app: Flask, winners: PastWinners, client: Any) -> None:
    url, convention_id = _answer_page(app, winners)
    token = url.rsplit("/", 1)[1]
    payload, rest = token.split(".", 1)
    other = "A" if payload[-2] != "A" else "B"
    tampered = [
        payload[:-2] + other + payload[-1] + "." + rest,  # the payload changed
        token[:-3] + ("abc" if not token.endswith("abc") else "xyz"),  # the signature changed
        token_for(app, convention_id, v=winners.surveyed["Initiative A2"]),  # bound to another convention
        token_for(app, convention_id, c=999),  # another campaign
        token_for(app, convention_id, purpose=tokens.RESET_PASSWORD),  # signed for another purpose
        token_for(app, convention_id, secret="une autre clé"),  # not signed by this site
        "n-importe-quoi",
    ]
    for bad in tampered:
        response = client.get(f"/impact/questionnaire/{bad}")
        assert response.status_code == 400, bad
        assert "Ce lien de questionnaire n'est pas valide : il a peut-être été coupé ou modifié." \
            in text_of(response)
        assert post_answers(client, f"/impact/questionnaire/{bad}").status_code == 400


def test_an_expired_link_is_refused(app: Flask, winners: PastWinners, client: Any, db_session: Any,
                                    freeze_time: Callable[..., Any]) -> None:
    url, _ = _answer_page(app, winners)
    frozen = freeze_time(now_utc() + timedelta(days=119))
    assert client.get(url).status_code == 200
    frozen.move_to(now_utc() + timedelta(days=2))
    response = client.get(url)
    assert response.status_code == 400
    assert "Ce lien de questionnaire a expiré : il était valable 120 jours." in text_of(response)
    assert count(db_session, SurveyAnswer) == 0


def test_staff_see_the_answers_admins_send(app: Flask, winners: PastWinners, login_as: Callable[..., Any],
                                            db_session: Any) -> None:
    from budgetcitoyen.accounts.models import Role

    agent = login_as(Role.AGENT)
    page = text_of(agent.get("/gestion/impact"))
    assert "Aucune enquête n'a encore été envoyée." in page and "Envoyer l'enquête" not in page
    admin = login_as(winners.admin)
    refused = admin.post("/gestion/impact/envoyer", data={"csrf_token": csrf_token(admin, "/gestion/impact"),
                                                          "year": "1990"})
    assert refused.status_code == 422
    assert "L'année de l'enquête doit être comprise entre 2000" in text_of(refused)
    response = admin.post("/gestion/impact/envoyer", data={
        "csrf_token": csrf_token(admin, "/gestion/impact"), "year": str(winners.year)}, follow_redirects=True)
    assert f"Enquête {winners.year} : 6 courriel(s) mis en file d'envoi" in text_of(response)
    assert survey_mails(db_session) == 6
    page = text_of(agent.get("/gestion/impact"))
    assert "Initiative A0" in page and "pas de réponse" in page


def test_nobody_to_survey_is_said(app: Flask, make_edition: Callable[..., Any], db_session: Any) -> None:
    make_edition(year=2024)
    from budgetcitoyen.errors import DomainError

    with pytest.raises(DomainError, match="Aucun lauréat d'une édition antérieure à 2026"):
        send(app, 2026)
    assert count(db_session, SurveyCampaign) == 0


def test_two_browsers_answering_at_once_record_one_answer(app: Flask, winners: PastWinners,
                                                           db_session: Any) -> None:
    """The race itself, on PostgreSQL: both read the link as unanswered; the second insert waits on the
    first's uncommitted answer, then meets the unique key and is told the survey is answered."""
    import threading

    from budgetcitoyen.conventions.indicators import Indicators
    from budgetcitoyen.impact import services
    from budgetcitoyen.web import run_use_case
    from tests.conventions.helpers import IMPACT
    from tests.impact.helpers import SECRET

    if app.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("SQLite has one writer: no two answers are written at once")
    send(app, winners.year)
    token = token_for(app, winners.surveyed["Initiative A0"])
    sessions = app.extensions["db_sessionmaker"]
    outcome: dict[str, str] = {}
    with sessions() as first:
        services.answer_survey(first, SECRET, token, IMPACT, now_utc())  # not committed yet

        def second_browser() -> None:
            with sessions() as second:
                try:
                    run_use_case(second, services.answer_survey, SECRET, token, Indicators(**{
                        **IMPACT.__dict__, "volunteers_after": 99}), now_utc())
                    outcome["second"] = "recorded"
                except services.AlreadyAnswered as error:
                    outcome["second"] = error.message

        other = threading.Thread(target=second_browser)
        other.start()
        other.join(timeout=1.0)
        assert other.is_alive()  # its insert waits on the first answer's unique key
        first.commit()
        other.join(timeout=10)
    assert outcome["second"].startswith("Ce questionnaire a déjà reçu une réponse")
    assert count(db_session, SurveyAnswer) == 1
    assert db_session.scalars(select(SurveyAnswer)).one().volunteers_after == 8
