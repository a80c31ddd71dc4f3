"""Lockout without denial of service: a flood of wrong passwords from one address locks that address
out of the account, never its owner elsewhere; guessing spread over many addresses is capped per
account, except for the browsers the account logged in from before."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import SmtpServer, body_of
from tests.factories import DEFAULT_PASSWORD
from tests.helpers import csrf_token, post_form, text_of

WRONG = "Mauvais-Mot-2-Passe"
NEW = "Nouveau-Mot-2-Passe"
VICTIM = "cible@example.org"


def attempt(client: FlaskClient, address: str, password: str, email: str = VICTIM) -> int:
    data = {"csrf_token": csrf_token(client), "email": email, "password": password}
    return client.post("/connexion", data=data, environ_base={"REMOTE_ADDR": address}).status_code


def test_a_flood_from_one_address_does_not_lock_the_owner_out_elsewhere(app: Flask, make_user) -> None:
    make_user(email=VICTIM)
    attacker = app.test_client()
    statuses = [attempt(attacker, "203.0.113.66", WRONG) for _ in range(40)]
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    assert statuses[:limit] == [401] * limit and set(statuses[limit:]) == {429}
    # The attacker's address is locked out of the account, even with the right password...
    assert attempt(attacker, "203.0.113.66", DEFAULT_PASSWORD) == 429
    # ...while the owner, from home, with no history on this browser, logs in at once.
    assert attempt(app.test_client(), "198.51.100.7", DEFAULT_PASSWORD) == 302


def test_the_owner_logging_in_does_not_reset_the_attackers_allowance(app: Flask, make_user) -> None:
    make_user(email=VICTIM)
    attacker = app.test_client()
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        attempt(attacker, "203.0.113.66", WRONG)
    assert attempt(app.test_client(), "198.51.100.7", DEFAULT_PASSWORD) == 302
    assert attempt(attacker, "203.0.113.66", WRONG) == 429


def test_guessing_spread_over_many_addresses_is_capped_per_account(
    app: Flask, make_user, monkeypatch
) -> None:
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_ACCOUNT_EVERYWHERE", 30)
    make_user(email=VICTIM)
    owner = app.test_client()
    assert attempt(owner, "198.51.100.7", DEFAULT_PASSWORD) == 302  # the owner's usual browser
    owner.post("/deconnexion", data={"csrf_token": csrf_token(owner, "/compte")})
    botnet = app.test_client()
    # Two guesses from each of 15 addresses: no address reaches its own limit of 5...
    statuses = [attempt(botnet, f"10.0.{n}.1", WRONG) for n in range(15) for _ in range(2)]
    assert statuses == [401] * 30
    # ...but the account now refuses every new address, right password or not: the guessing stops.
    refused = attempt(botnet, "10.0.99.1", DEFAULT_PASSWORD)
    assert refused == 429
    page = botnet.post("/connexion", data={"csrf_token": csrf_token(botnet), "email": VICTIM,
                                           "password": WRONG}, environ_base={"REMOTE_ADDR": "10.0.98.1"})
    assert "appareil où vous vous êtes déjà connecté" in text_of(page)
    # The owner's browser, known to the account, still logs in, from a new address too.
    assert attempt(owner, "192.0.2.44", DEFAULT_PASSWORD) == 302


def test_a_forged_known_device_cookie_is_worth_nothing(app: Flask, make_user, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_ACCOUNT_EVERYWHERE", 3)
    make_user(email=VICTIM)
    botnet = app.test_client()
    for n in range(3):
        attempt(botnet, f"10.0.{n}.1", WRONG)
    botnet.set_cookie("appareil_connu", "eyJrIjpbXX0.forged.signature")
    assert attempt(botnet, "10.0.50.1", DEFAULT_PASSWORD) == 429


def test_during_such_an_attack_a_reset_link_lets_its_browser_log_in(
    app: Flask, make_user, monkeypatch, smtp: SmtpServer
) -> None:
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_ACCOUNT_EVERYWHERE", 3)
    make_user(email=VICTIM)
    botnet = app.test_client()
    for n in range(3):
        attempt(botnet, f"10.0.{n}.1", WRONG)
    new_phone = app.test_client()
    assert attempt(new_phone, "192.0.2.44", DEFAULT_PASSWORD) == 429
    post_form(new_phone, "/mot-de-passe-oublie", {"email": VICTIM})
    link = re.search(r"https?://\S+", body_of(smtp.last_to(VICTIM))).group(0).replace("http://localhost", "")
    assert post_form(new_phone, link, {"password": NEW, "password_confirm": NEW}).status_code == 302
    assert attempt(new_phone, "192.0.2.44", NEW) == 302
    assert attempt(app.test_client(), "192.0.2.45", NEW) == 429  # other new browsers still wait
