"""Account journeys through the real forms, with mail delivered to a real SMTP server."""

from __future__ import annotations

import json
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from budgetcitoyen.accounts.models import LoginAttempt, Role, User
from budgetcitoyen.audit.models import AuditEntry
from budgetcitoyen.clock import now_utc
from budgetcitoyen.mail.models import OutboxMail
from budgetcitoyen.mail.worker import deliver_all
from tests.conftest import SmtpServer, body_of
from tests.factories import DEFAULT_PASSWORD
from tests.helpers import login, post_form, text_of

NEW_PASSWORD = "Nouveau-Mot-2-Passe"
LINK = re.compile(r"https?://\S+")


def link_in(smtp: SmtpServer, address: str) -> str:
    match = LINK.search(body_of(smtp.last_to(address)))
    assert match
    return match.group(0).replace("http://localhost", "")


def signup(
    client: FlaskClient,
    email: str = "claire@example.org",
    password: str = NEW_PASSWORD,
    confirm: str | None = None,
):  # type: ignore[no-untyped-def]
    return post_form(
        client,
        "/inscription",
        {"email": email, "password": password, "password_confirm": confirm or password},
    )


def count_users(db_session) -> int:  # type: ignore[no-untyped-def]
    return db_session.scalar(select(func.count()).select_from(User))


def test_signup_mails_a_link_that_confirms_the_address(
    client: FlaskClient, smtp: SmtpServer, db_session
) -> None:
    response = signup(client, "Claire@Example.org")
    assert response.status_code == 302
    mail = smtp.last_to("claire@example.org")
    assert mail["Subject"] == "Confirmez votre adresse e-mail"
    user = db_session.scalar(select(User).where(User.email == "claire@example.org"))
    assert user is not None and user.email_confirmed_at is None
    assert user.password_hash != NEW_PASSWORD and user.password_hash.startswith("scrypt:")

    response = client.get(link_in(smtp, "claire@example.org"))
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(User, user.id).email_confirmed_at is not None
    # Following the link again is harmless.
    assert client.get(link_in(smtp, "claire@example.org")).status_code == 302


def test_duplicate_email_is_refused_whatever_the_case(client: FlaskClient, make_user, db_session) -> None:
    make_user(email="paul@example.org")
    before = count_users(db_session)
    response = signup(client, "PAUL@example.org")
    assert response.status_code == 422
    assert "Un compte existe déjà avec cette adresse e-mail" in text_of(response)
    assert count_users(db_session) == before


def test_weak_password_is_refused_and_no_account_is_created(client: FlaskClient, db_session) -> None:
    response = signup(client, password="court")
    assert response.status_code == 422
    assert "au moins 12 caractères" in text_of(response)
    assert count_users(db_session) == 0


def test_mismatched_confirmation_is_refused(client: FlaskClient, db_session) -> None:
    response = signup(client, confirm="Autre-Mot-2-Passe")
    assert response.status_code == 422
    assert "ne sont pas identiques" in text_of(response)
    assert count_users(db_session) == 0


def test_empty_and_overlong_fields_get_french_messages(client: FlaskClient, db_session) -> None:
    response = post_form(client, "/inscription", {"email": "", "password": "", "password_confirm": ""})
    assert response.status_code == 422
    page = text_of(response)
    assert "Indiquez votre adresse e-mail." in page and "Choisissez un mot de passe." in page
    response = signup(client, email="a" * 250 + "@example.org")
    assert response.status_code == 422
    assert "ne doit pas dépasser 254 caractères" in text_of(response)
    response = signup(client, email="pas-une-adresse")
    assert "Indiquez une adresse e-mail valide" in text_of(response)
    assert count_users(db_session) == 0


def test_tampered_confirmation_link_is_refused(client: FlaskClient, smtp: SmtpServer) -> None:
    signup(client)
    link = link_in(smtp, "claire@example.org")
    response = client.get(link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb"))
    assert response.status_code == 400
    assert "Ce lien n'est pas valide" in text_of(response)


def test_expired_confirmation_link_is_refused(
    app: Flask, client: FlaskClient, smtp: SmtpServer, monkeypatch
) -> None:
    signup(client)
    monkeypatch.setitem(app.config, "EMAIL_TOKEN_MAX_AGE", -1)
    response = client.get(link_in(smtp, "claire@example.org"))
    assert response.status_code == 400
    assert "Ce lien a expiré" in text_of(response)


def test_login_and_logout(client: FlaskClient, make_user) -> None:
    make_user(email="jeanne@example.org")
    login(client, "jeanne@example.org")
    assert client.get("/compte").status_code == 200
    # Log-out is a POST with CSRF: a GET cannot log anybody out.
    assert client.get("/deconnexion").status_code == 405
    assert post_form(client, "/deconnexion", {}, token_from="/compte").status_code == 302
    assert client.get("/compte").status_code == 302


def test_wrong_password_gets_one_message_for_both_unknown_and_known_accounts(
    client: FlaskClient, make_user
) -> None:
    make_user(email="jeanne@example.org")
    wrong = post_form(
        client, "/connexion", {"email": "jeanne@example.org", "password": "Mauvais-Mot-2-Passe"}
    )
    unknown = post_form(
        client, "/connexion", {"email": "inconnu@example.org", "password": "Mauvais-Mot-2-Passe"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert "Adresse e-mail ou mot de passe incorrect." in text_of(wrong)
    assert "Adresse e-mail ou mot de passe incorrect." in text_of(unknown)


def test_login_is_throttled_per_account_even_with_the_right_password(
    app: Flask, client: FlaskClient, make_user, db_session
) -> None:
    make_user(email="cible@example.org")
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        post_form(client, "/connexion", {"email": "cible@example.org", "password": "Mauvais-Mot-2-Passe"})
    response = post_form(client, "/connexion", {"email": "cible@example.org", "password": DEFAULT_PASSWORD})
    assert response.status_code == 429
    assert "Trop de tentatives" in text_of(response)
    # The table holds no readable e-mail.
    keys = db_session.scalars(select(LoginAttempt.account_key)).all()
    assert keys and all("@" not in key for key in keys)


def test_login_is_throttled_per_address_across_accounts(
    app: Flask, client: FlaskClient, make_user, monkeypatch
) -> None:
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_ADDRESS", 3)
    make_user(email="autre@example.org")
    for n in range(3):
        post_form(client, "/connexion", {"email": f"essai{n}@example.org", "password": "Mauvais-Mot-2-Passe"})
    response = post_form(client, "/connexion", {"email": "autre@example.org", "password": DEFAULT_PASSWORD})
    assert response.status_code == 429


def test_successful_login_clears_the_account_failures(client: FlaskClient, make_user, db_session) -> None:
    make_user(email="jeanne@example.org")
    post_form(client, "/connexion", {"email": "jeanne@example.org", "password": "Mauvais-Mot-2-Passe"})
    login(client, "jeanne@example.org")
    assert db_session.scalar(select(func.count()).select_from(LoginAttempt)) == 0


def test_remember_me_sets_a_persistent_cookie(client: FlaskClient, make_user) -> None:
    make_user(email="jeanne@example.org")
    response = post_form(
        client, "/connexion", {"email": "jeanne@example.org", "password": DEFAULT_PASSWORD, "remember": "y"}
    )
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("remember_token=") and "Expires=" in c and "HttpOnly" in c for c in cookies)


def test_login_next_parameter_cannot_redirect_off_site(client: FlaskClient, make_user) -> None:
    make_user(email="jeanne@example.org")
    response = post_form(
        client,
        "/connexion?next=https://exemple-malveillant.test/",
        {"email": "jeanne@example.org", "password": DEFAULT_PASSWORD},
        token_from="/connexion",
    )
    assert response.headers["Location"] == "/"
    post_form(client, "/deconnexion", {}, token_from="/compte")
    response = post_form(
        client,
        "/connexion?next=/compte",
        {"email": "jeanne@example.org", "password": DEFAULT_PASSWORD},
        token_from="/connexion",
    )
    assert response.headers["Location"] == "/compte"


def test_password_reset_link_works_once(client: FlaskClient, make_user, smtp: SmtpServer) -> None:
    make_user(email="jeanne@example.org")
    response = post_form(client, "/mot-de-passe-oublie", {"email": "jeanne@example.org"})
    assert response.status_code == 302
    link = link_in(smtp, "jeanne@example.org")
    response = post_form(client, link, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 302
    login(client, "jeanne@example.org", NEW_PASSWORD)
    assert client.get(link).status_code == 400  # used up: the password it was made for is gone


def test_password_reset_for_unknown_address_says_the_same_and_sends_no_link(
    client: FlaskClient, smtp: SmtpServer
) -> None:
    response = post_form(
        client, "/mot-de-passe-oublie", {"email": "personne@example.org"}, follow_redirects=True
    )
    assert "Si un compte existe pour cette adresse" in text_of(response)
    # The mailbox's owner learns that no account uses it (tests/accounts/test_forgot_password.py).
    [mail] = smtp.messages
    assert "aucun compte n'utilise cette adresse" in body_of(mail)
    assert "/mot-de-passe/" not in body_of(mail)


def test_change_password_logs_out_other_sessions(app: Flask, make_user) -> None:
    make_user(email="jeanne@example.org")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "jeanne@example.org")
    login(phone, "jeanne@example.org")
    response = post_form(
        laptop,
        "/compte/mot-de-passe",
        {"current_password": DEFAULT_PASSWORD, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert laptop.get("/compte").status_code == 200
    assert phone.get("/compte").status_code == 302


def test_change_password_with_wrong_current_password(client: FlaskClient, make_user) -> None:
    make_user(email="jeanne@example.org")
    login(client, "jeanne@example.org")
    response = post_form(
        client,
        "/compte/mot-de-passe",
        {"current_password": "Pas-Le-Bon-123", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert response.status_code == 422
    assert "Le mot de passe actuel est incorrect." in text_of(response)


def test_change_email_takes_effect_when_the_new_address_confirms(
    client: FlaskClient, make_user, smtp: SmtpServer, db_session
) -> None:
    user = make_user(email="jeanne@example.org")
    make_user(email="prise@example.org")
    login(client, "jeanne@example.org")
    taken = post_form(client, "/compte/adresse", {"email": "prise@example.org", "password": DEFAULT_PASSWORD})
    assert "déjà utilisée" in text_of(taken)
    post_form(client, "/compte/adresse", {"email": "jeanne.neuve@example.org", "password": DEFAULT_PASSWORD})
    assert db_session.get(User, user.id).email == "jeanne@example.org"
    client.get(link_in(smtp, "jeanne.neuve@example.org"))
    db_session.expire_all()
    assert db_session.get(User, user.id).email == "jeanne.neuve@example.org"


def test_download_my_data(client: FlaskClient, make_user) -> None:
    make_user(email="jeanne@example.org", roles=(Role.HOLDER,))
    login(client, "jeanne@example.org")
    response = client.get("/compte/mes-donnees.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["compte"]["email"] == "jeanne@example.org"
    assert data["compte"]["roles"] == ["holder"]


def test_delete_account_erases_personal_data_and_keeps_the_row(
    client: FlaskClient, make_user, db_session
) -> None:
    user = make_user(email="jeanne@example.org", roles=(Role.HOLDER,))
    login(client, "jeanne@example.org")
    refused = post_form(client, "/compte/supprimer", {"password": DEFAULT_PASSWORD})
    assert refused.status_code == 422 and "Cochez la case" in text_of(refused)
    response = post_form(client, "/compte/supprimer", {"password": DEFAULT_PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    db_session.expire_all()
    erased = db_session.get(User, user.id)
    assert erased is not None and erased.is_deleted
    assert "jeanne" not in erased.email and erased.password_hash is None and erased.roles == []
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "account.delete"))
    assert entry is not None and "jeanne" not in json.dumps([entry.summary, entry.before, entry.after])
    assert client.get("/compte").status_code == 302
    # The address is free again.
    assert signup(client, "jeanne@example.org").status_code == 302


def test_smtp_down_keeps_the_account_and_the_mail_goes_out_once_it_is_back(
    app: Flask, client: FlaskClient, monkeypatch, db_session, smtp: SmtpServer
) -> None:
    monkeypatch.setitem(app.config, "MAIL_PORT", 1)  # nothing listens there
    response = signup(client)
    assert response.status_code == 302
    assert count_users(db_session) == 1
    smtp.app = None  # read the server without delivering
    assert deliver_all(app) == 0 and smtp.messages == []  # the worker fails, the mail stays queued
    monkeypatch.undo()
    with app.extensions["db_sessionmaker"]() as session:  # as if the retry's wait were over
        session.execute(update(OutboxMail).values(next_attempt_at=now_utc()))
        session.commit()
    smtp.app = app
    assert "Confirmez votre adresse" in smtp.last_to("claire@example.org")["Subject"]
