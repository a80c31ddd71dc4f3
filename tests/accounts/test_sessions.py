"""Sessions that end: logging out deletes the device's session on the server, so a saved copy of the
session cookie or of the "remember me" cookie opens nothing afterwards; other devices stay signed in."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from budgetcitoyen.accounts.models import UserSession
from budgetcitoyen.clock import now_utc
from tests.factories import DEFAULT_PASSWORD
from tests.helpers import login, post_form

NEW_PASSWORD = "Nouveau-Mot-2-Passe"


def session_rows(db_session) -> int:  # type: ignore[no-untyped-def]
    return db_session.scalar(select(func.count()).select_from(UserSession)) or 0


def cookies_of(client: FlaskClient) -> dict[str, str]:
    return {name: client.get_cookie(name).value for name in ("session", "remember_token")
            if client.get_cookie(name) is not None}


def log_in_remembered(client: FlaskClient) -> None:
    data = {"email": "jeanne@example.org", "password": DEFAULT_PASSWORD, "remember": "y"}
    assert post_form(client, "/connexion", data).status_code == 302


def replay(app: Flask, cookies: dict[str, str]) -> FlaskClient:
    """A new browser holding only these saved cookies."""
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief


def test_saved_cookies_replayed_after_logout_give_the_login_page(app: Flask, make_user, db_session) -> None:
    make_user(email="jeanne@example.org")
    client = app.test_client()
    log_in_remembered(client)
    saved = cookies_of(client)
    assert set(saved) == {"session", "remember_token"}
    # Each cookie alone opens the account before the log-out (so the replay below tests something).
    assert replay(app, {"session": saved["session"]}).get("/compte").status_code == 200
    assert replay(app, {"remember_token": saved["remember_token"]}).get("/compte").status_code == 200

    assert post_form(client, "/deconnexion", {}, token_from="/compte").status_code == 302
    assert session_rows(db_session) == 0
    for cookies in ({"session": saved["session"]}, {"remember_token": saved["remember_token"]}, saved):
        response = replay(app, cookies).get("/compte")
        assert response.status_code == 302 and response.headers["Location"].startswith("/connexion")


def test_logging_out_one_device_leaves_the_other_signed_in(app: Flask, make_user, db_session) -> None:
    make_user(email="jeanne@example.org")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "jeanne@example.org")
    login(phone, "jeanne@example.org")
    assert session_rows(db_session) == 2
    post_form(phone, "/deconnexion", {}, token_from="/compte")
    assert phone.get("/compte").status_code == 302
    assert laptop.get("/compte").status_code == 200
    assert session_rows(db_session) == 1


def test_a_password_change_ends_every_other_session_and_their_remember_cookies(
    app: Flask, make_user, db_session
) -> None:
    make_user(email="jeanne@example.org")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "jeanne@example.org")
    log_in_remembered(phone)
    phone_remember = cookies_of(phone)["remember_token"]
    response = post_form(
        laptop,
        "/compte/mot-de-passe",
        {"current_password": DEFAULT_PASSWORD, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert laptop.get("/compte").status_code == 200
    assert phone.get("/compte").status_code == 302
    assert replay(app, {"remember_token": phone_remember}).get("/compte").status_code == 302
    assert session_rows(db_session) == 1  # the laptop's new one


def test_session_rows_hold_no_token_and_no_time(app: Flask, make_user, db_session) -> None:
    make_user(email="jeanne@example.org")
    client = app.test_client()
    login(client, "jeanne@example.org")
    row = db_session.scalar(select(UserSession))
    token = client.get_cookie("session").value
    assert len(row.id) == 64 and row.id not in token
    assert not hasattr(row.created_on, "hour")  # a day, not an instant


def test_a_session_older_than_the_remember_cookie_is_over(app: Flask, make_user, db_session) -> None:
    make_user(email="jeanne@example.org")
    client = app.test_client()
    login(client, "jeanne@example.org")
    db_session.execute(update(UserSession).values(created_on=now_utc().date() - timedelta(days=32)))
    assert client.get("/compte").status_code == 302


def test_the_account_erasure_ends_every_session(app: Flask, make_user, db_session) -> None:
    make_user(email="jeanne@example.org")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "jeanne@example.org")
    login(phone, "jeanne@example.org")
    response = post_form(laptop, "/compte/supprimer", {"password": DEFAULT_PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    assert phone.get("/compte").status_code == 302
    assert session_rows(db_session) == 0
