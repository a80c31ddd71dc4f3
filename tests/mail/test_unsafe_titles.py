"""Titles with line breaks of every kind (CR/LF, U+2028, U+0085…) through the three actions that mail
holders with their dossier's title in the subject: an admin's status change, a labelling decision and
the publication of results. No 500, the work is saved, the mail goes out through the worker with a
one-line subject and no added header. And a publication while the mail server is down: every holder's
mail is delivered once the server is back, once."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from budgetcitoyen.accounts.models import Role
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.models import Category
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.mail import outbox
from budgetcitoyen.mail.models import OutboxMail
from budgetcitoyen.mail.worker import deliver_all, deliver_batch
from tests.conftest import SmtpServer
from tests.helpers import post_form, text_of
from tests.results.helpers import YEAR, make_scenario, set_vote_window

UNSAFE_TITLES = {
    "crlf": "Jardin\r\nBcc: victime@example.org",
    "lf": "Jardin\nX-Injected: oui",
    "u2028": "Jardin\u2028partagé",
    "u2029": "Jardin\u2029partagé",
    "nel": "Jardin\x85partagé",
}
LINE_BREAKS = ("\r", "\n", "\u2028", "\u2029", "\x85", "\x0b", "\x0c")
ALLOCATION = f"/gestion/editions/{YEAR}/repartition"


def assert_safe(message: EmailMessage) -> None:
    subject = str(message["Subject"])
    assert not any(mark in subject for mark in LINE_BREAKS), repr(subject)
    assert "Jardin" in subject or "Ressourcerie" in subject or "Café" in subject or "Atelier" in subject
    assert message["Bcc"] is None and message["X-Injected"] is None
    assert len(message.get_all("Subject")) == 1


def mails_to(smtp: SmtpServer, address: str) -> list[EmailMessage]:
    return [m for m in smtp.messages if address in str(m["To"])]


@pytest.mark.parametrize("title", UNSAFE_TITLES.values(), ids=UNSAFE_TITLES.keys())
def test_status_change(
    login_as: Callable[..., FlaskClient], make_edition: Callable, make_initiative: Callable,
    make_user: Callable, smtp: SmtpServer, db_session, title: str,
) -> None:
    edition = make_edition(open_phase=Phase.DOSSIERS)
    initiative = make_initiative(edition, title=title, holder=make_user(email="porteur@example.org"))
    admin = login_as(Role.ADMIN)
    response = post_form(admin, f"/gestion/dossiers/{initiative.id}", {"target": "in_review", "reason": ""})
    assert response.status_code == 302
    assert db_session.get(Initiative, initiative.id).status == Status.IN_REVIEW.value
    [mail] = mails_to(smtp, "porteur@example.org")
    assert_safe(mail)


@pytest.mark.parametrize("title", UNSAFE_TITLES.values(), ids=UNSAFE_TITLES.keys())
def test_labelling_decision(
    login_as: Callable[..., FlaskClient], make_edition: Callable, make_initiative: Callable,
    make_user: Callable, smtp: SmtpServer, db_session, title: str,
) -> None:
    edition = make_edition(open_phase=Phase.LABELLING)
    initiative = make_initiative(edition, Status.IN_REVIEW, title=title,
                                 holder=make_user(email="porteur@example.org"))
    category = db_session.scalars(select(Category).where(Category.edition_id == edition.id)).first()
    admin = login_as(Role.ADMIN)
    response = post_form(admin, f"/gestion/dossiers/{initiative.id}/decision",
                         {"labelled": "yes", "category_id": category.id, "motivation": "Solide.",
                          # No committee sheet here: the decision is confirmed as such.
                          "without_evaluations": "y"})
    assert response.status_code == 302, text_of(response)[:2000]
    assert db_session.get(Initiative, initiative.id).status == Status.LABELLED.value
    [mail] = mails_to(smtp, "porteur@example.org")
    assert_safe(mail)


def unsafe_scenario(app: Flask, make_edition: Callable, make_user: Callable, db_session):  # type: ignore[no-untyped-def]
    """The results scenario (four labelled dossiers, five ballots, vote closed) with an unsafe title each."""
    scenario = make_scenario(app, make_edition, make_user)
    titles = list(UNSAFE_TITLES.values())
    for n, (key, initiative_id) in enumerate(sorted(scenario.ids.items())):
        renamed = update(Initiative).where(Initiative.id == initiative_id).values(title=f"{titles[n]} {key}")
        db_session.execute(renamed)
    set_vote_window(app, scenario.edition.id, open_=False)
    return scenario


def publish(admin: FlaskClient) -> None:
    assert post_form(admin, f"{ALLOCATION}/calculer", {}, token_from=ALLOCATION).status_code == 302
    response = post_form(admin, f"{ALLOCATION}/publier", {"confirm": "y"}, token_from=ALLOCATION)
    assert response.status_code == 302, text_of(response)[:2000]


def test_results_publication(
    app: Flask, login_as: Callable[..., FlaskClient], make_edition: Callable, make_user: Callable,
    smtp: SmtpServer, db_session,
) -> None:
    scenario = unsafe_scenario(app, make_edition, make_user, db_session)
    publish(login_as(Role.ADMIN))
    for holder in scenario.holders.values():
        [mail] = mails_to(smtp, holder)
        assert_safe(mail)


def test_mail_server_down_during_a_publication_then_back(
    app: Flask, login_as: Callable[..., FlaskClient], make_edition: Callable, make_user: Callable,
    smtp: SmtpServer, db_session, monkeypatch: pytest.MonkeyPatch,
) -> None:
    scenario = unsafe_scenario(app, make_edition, make_user, db_session)
    smtp.app = None  # look at the server without delivering
    monkeypatch.setitem(app.config, "MAIL_PORT", 1)  # the mail server is down
    publish(login_as(Role.ADMIN))  # the request never talks to it: the publication succeeds
    holders = sorted(scenario.holders.values())
    report = deliver_batch(app)
    assert report.sent == 0 and report.retried >= len(holders)
    monkeypatch.setitem(app.config, "MAIL_PORT", smtp.port)  # back
    db_session.execute(update(OutboxMail).values(next_attempt_at=now_utc()))
    deliver_all(app)
    db_session.execute(update(OutboxMail).values(next_attempt_at=now_utc()))
    assert deliver_all(app) == 0  # nothing left, nothing sent twice
    received = sorted(str(m["To"]) for m in smtp.messages if str(m["To"]) in holders)
    assert received == holders  # every holder, once
    with app.extensions["db_sessionmaker"]() as session:
        assert outbox.counts(session)["queued"] == outbox.counts(session)["failed"] == 0
