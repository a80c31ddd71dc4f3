"""Gestion → Courriels: the mail queue, each mail readable, a failed mail retried."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from sqlalchemy import select, update

from budgetcitoyen.accounts.models import Role
from budgetcitoyen.mail.models import OutboxMail
from tests.helpers import post_form, text_of


def test_the_mail_queue_shows_every_mail_and_its_state(
    app: Flask, login_as: Callable, make_user: Callable, monkeypatch, smtp
) -> None:
    admin = login_as(Role.ADMIN, email="admin@example.org")
    monkeypatch.setitem(app.config, "MAIL_HOST", None)  # the demo: nothing leaves the machine
    make_user(email="oubli@example.org")
    post_form(app.test_client(), "/mot-de-passe-oublie", {"email": "oubli@example.org"})
    page = text_of(admin.get("/gestion/courriels"))
    assert "oubli@example.org" in page and "Réinitialisation de votre mot de passe" in page
    assert "En attente" in page
    assert smtp.messages == []  # the worker ran: nothing went to SMTP
    page = text_of(admin.get("/gestion/courriels?etat=sent"))
    assert "oubli@example.org" in page
    mail_id = re.search(r"/gestion/courriels/(\d+)\"", page).group(1)
    mail_page = text_of(admin.get(f"/gestion/courriels/{mail_id}"))
    assert '<a href="http://localhost/mot-de-passe/' in mail_page and "Envoyé" in mail_page


def test_a_failed_mail_is_retried_from_its_page(
    app: Flask, login_as: Callable, make_user: Callable, monkeypatch, smtp, db_session
) -> None:
    admin = login_as(Role.ADMIN, email="admin@example.org")
    monkeypatch.setitem(app.config, "MAIL_PORT", 1)  # nothing listens there
    make_user(email="oubli@example.org")
    post_form(app.test_client(), "/mot-de-passe-oublie", {"email": "oubli@example.org"})
    with app.extensions["db_sessionmaker"]() as session:  # as if every retry had failed
        session.execute(
            update(OutboxMail).values(status="failed", attempts=12, last_error="Connexion refusée")
        )
        session.commit()
    mail_id = db_session.scalar(select(OutboxMail.id))
    page = text_of(admin.get(f"/gestion/courriels/{mail_id}"))
    assert "En échec" in page and "Connexion refusée" in page
    monkeypatch.undo()
    page_url = f"/gestion/courriels/{mail_id}"
    response = post_form(admin, f"{page_url}/relancer", {}, token_from=page_url)
    assert response.status_code == 302
    assert smtp.last_to("oubli@example.org")["Subject"] == "Réinitialisation de votre mot de passe"
    db_session.expire_all()
    assert db_session.get(OutboxMail, int(mail_id)).status == "sent"


def test_a_mail_not_rendered_yet_is_shown_as_it_will_be_sent(
    app: Flask, login_as: Callable, db_session
) -> None:
    from budgetcitoyen.mail import Link, queue

    admin = login_as(Role.ADMIN, email="admin@example.org")
    with app.app_context(), app.extensions["db_sessionmaker"]() as session:
        queue(session, "plus-tard@example.org", "Rendu à l'envoi", "confirm_email", render_later=True,
              link=Link.to("accounts.login"), hours=48)
        session.commit()
    mail_id = db_session.scalar(select(OutboxMail.id).where(OutboxMail.message.is_(None)))
    page = text_of(admin.get(f"/gestion/courriels/{mail_id}"))
    assert "Rendu à l&#39;envoi" in page or "Rendu à l'envoi" in page
    assert "plus-tard@example.org" in page and "/connexion" in page and "En attente" in page
