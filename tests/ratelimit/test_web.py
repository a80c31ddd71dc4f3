"""Rate limits and bot checks through the real forms: sign-up, log-in, forgotten password, confirmation
link again, and the helper the vote view calls. Time is frozen and moved, never slept."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from budgetcitoyen import create_app
from budgetcitoyen.accounts.models import User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.ratelimit import web as ratelimit
from budgetcitoyen.ratelimit.models import RateCounter
from budgetcitoyen.ratelimit.services import Limit
from budgetcitoyen.ratelimit.stamp import REFUSED_MESSAGE, make_stamp
from tests.conftest import FrozenTime, SmtpServer
from tests.factories import DEFAULT_PASSWORD
from tests.helpers import csrf_token, post_form, text_of

PASSWORD = "Nouveau-Mot-2-Passe"
STAMP_INPUT = re.compile(r'name="stamp"[^>]*value="([^"]+)"')
LIMITED = "Trop de tentatives en peu de temps"


def client_at(app: Flask, address: str) -> FlaskClient:
    """A browser seen from `address` (documentation ranges: nothing is ever sent there)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def users(db_session: Any) -> int:
    return db_session.scalar(select(func.count()).select_from(User)) or 0


def signup(client: FlaskClient, email: str, **extra: str) -> Any:
    return post_form(
        client, "/inscription", {"email": email, "password": PASSWORD, "password_confirm": PASSWORD, **extra}
    )


def stamp_on(page: Any) -> str:
    match = STAMP_INPUT.search(page.get_data(as_text=True))
    assert match, "no stamp on the sign-up form"
    return match.group(1)


# --- Sign-up ---------------------------------------------------------------------------------


def test_signup_is_limited_per_address_and_released_after_the_window(
    app: Flask, clock: FrozenTime, db_session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "RATE_LIMIT_SIGNUP_PER_ADDRESS", "2/3600")
    assert signup(client_at(app, "198.51.100.7"), "un@example.org").status_code == 302
    clock.shift(minutes=20)
    assert signup(client_at(app, "198.51.100.7"), "deux@example.org").status_code == 302

    refused = signup(client_at(app, "198.51.100.7"), "trois@example.org")
    assert refused.status_code == 429
    page = text_of(refused)
    assert f"{LIMITED}. Merci de patienter 40 minutes avant de recommencer." in page
    assert 'value="trois@example.org"' in page and PASSWORD not in page  # kept what was typed, but passwords
    assert users(db_session) == 2

    # Other addresses are not held up.
    assert signup(client_at(app, "198.51.100.8"), "quatre@example.org").status_code == 302
    # Once the first sign-up is an hour old, this address may create one more account.
    clock.shift(minutes=40, seconds=1)
    assert signup(client_at(app, "198.51.100.7"), "trois@example.org").status_code == 302
    assert signup(client_at(app, "198.51.100.7"), "cinq@example.org").status_code == 429
    assert users(db_session) == 4


def test_refused_signups_count_too(app: Flask, clock: FrozenTime, make_user, monkeypatch) -> None:
    # Otherwise the "address already used" answer could be asked for every address of a list.
    monkeypatch.setitem(app.config, "RATE_LIMIT_SIGNUP_PER_ADDRESS", "3/3600")
    make_user(email="deja@example.org")
    client = client_at(app, "198.51.100.7")
    for _ in range(3):
        assert signup(client, "deja@example.org").status_code == 422
    assert signup(client, "nouvelle@example.org").status_code == 429


# --- Log-in ----------------------------------------------------------------------------------


def login_attempt(app: Flask, address: str, email: str, password: str = DEFAULT_PASSWORD) -> Any:
    return post_form(client_at(app, address), "/connexion", {"email": email, "password": password})


def test_every_login_attempt_is_limited_per_address(
    app: Flask, clock: FrozenTime, make_user, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "RATE_LIMIT_LOGIN_PER_ADDRESS", "3/600")
    make_user(email="jeanne@example.org")
    make_user(email="paul@example.org")
    assert login_attempt(app, "198.51.100.7", "jeanne@example.org").status_code == 302
    assert login_attempt(app, "198.51.100.7", "paul@example.org", "Pas-Le-Bon-123").status_code == 401
    assert login_attempt(app, "198.51.100.7", "paul@example.org").status_code == 302

    # Successes count as well: the failure throttle alone would let these through.
    refused = login_attempt(app, "198.51.100.7", "jeanne@example.org")
    assert refused.status_code == 429
    page = text_of(refused)
    assert LIMITED in page and 'value="jeanne@example.org"' in page and DEFAULT_PASSWORD not in page

    assert login_attempt(app, "198.51.100.99", "jeanne@example.org").status_code == 302
    clock.shift(minutes=10, seconds=1)
    assert login_attempt(app, "198.51.100.7", "jeanne@example.org").status_code == 302


def test_the_failure_throttle_still_applies_under_the_address_limit(
    app: Flask, clock: FrozenTime, make_user
) -> None:
    make_user(email="cible@example.org")
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        assert login_attempt(app, "198.51.100.7", "cible@example.org", "Pas-Le-Bon-123").status_code == 401
    assert login_attempt(app, "198.51.100.7", "cible@example.org").status_code == 429
    # Per account and address: the owner elsewhere is not locked out (tests/accounts/test_lockout.py).
    assert login_attempt(app, "198.51.100.8", "cible@example.org").status_code == 302


# --- Forgotten password and confirmation link again -------------------------------------------

LINK_FORMS = [
    pytest.param("/mot-de-passe-oublie", "FORGOT", "Si un compte existe pour cette adresse", id="forgot"),
    pytest.param("/confirmation/renvoyer", "RESEND", "Si un compte non confirmé existe", id="resend"),
]


def ask_link(app: Flask, url: str, address: str, email: str, **kwargs: Any) -> Any:
    return post_form(client_at(app, address), url, {"email": email}, **kwargs)


@pytest.mark.parametrize(("url", "action", "answer"), LINK_FORMS)
def test_link_forms_are_limited_per_address(
    app: Flask,
    clock: FrozenTime,
    smtp: SmtpServer,
    url: str,
    action: str,
    answer: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, f"RATE_LIMIT_{action}_PER_ADDRESS", "3/3600")
    for n in range(3):
        assert ask_link(app, url, "198.51.100.7", f"essai{n}@example.org").status_code == 302
    refused = ask_link(app, url, "198.51.100.7", "essai9@example.org")
    assert refused.status_code == 429
    assert LIMITED in text_of(refused) and 'value="essai9@example.org"' in text_of(refused)
    assert ask_link(app, url, "198.51.100.8", "essai9@example.org").status_code == 302
    clock.shift(hours=1, seconds=1)
    assert ask_link(app, url, "198.51.100.7", "essai9@example.org").status_code == 302


@pytest.mark.parametrize(("url", "action", "answer"), LINK_FORMS)
def test_link_forms_are_limited_per_email_typed(
    app: Flask,
    clock: FrozenTime,
    smtp: SmtpServer,
    make_user,
    url: str,
    action: str,
    answer: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, f"RATE_LIMIT_{action}_PER_ACCOUNT", "2/3600")
    make_user(email="jeanne@example.org", confirmed=False)
    # From two addresses, typed two ways: one e-mail, one count.
    assert ask_link(app, url, "198.51.100.7", "jeanne@example.org").status_code == 302
    clock.shift(minutes=1)
    assert ask_link(app, url, "198.51.100.8", "Jeanne@Example.ORG").status_code == 302
    assert len(smtp.messages) == 2
    refused = ask_link(app, url, "198.51.100.9", "jeanne@example.org")
    assert refused.status_code == 429 and LIMITED in text_of(refused)
    assert len(smtp.messages) == 2  # the mailbox is not flooded
    assert ask_link(app, url, "198.51.100.9", "paul@example.org").status_code == 302
    clock.shift(minutes=59, seconds=1)
    assert ask_link(app, url, "198.51.100.9", "jeanne@example.org").status_code == 302
    # Both forms answer by mail for an unknown address too (paul: "no account uses it").
    assert len(smtp.messages) == 4


def comparable(response: Any, email: str) -> str:
    """The page with what differs by design taken out: the e-mail typed and the CSRF token."""
    page = text_of(response).replace(email, "EMAIL")
    return re.sub(r'name="csrf_token"[^>]*value="[^"]+"', 'name="csrf_token"', page)


@pytest.mark.parametrize(("url", "action", "answer"), LINK_FORMS)
def test_known_and_unknown_emails_get_the_same_answers(
    app: Flask,
    clock: FrozenTime,
    smtp: SmtpServer,
    make_user,
    db_session,
    url: str,
    action: str,
    answer: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, f"RATE_LIMIT_{action}_PER_ACCOUNT", "1/3600")
    make_user(email="connue@example.org", confirmed=False)
    pages = {}
    for email in ("connue@example.org", "inconnue@example.org"):
        client = client_at(app, "198.51.100.7")
        accepted = post_form(client, url, {"email": email})
        assert accepted.status_code == 302
        followed = client.get(accepted.headers["Location"])
        limited = post_form(client, url, {"email": email})
        assert limited.status_code == 429
        pages[email] = (accepted.headers["Location"], comparable(followed, email), comparable(limited, email))
    assert answer in pages["connue@example.org"][1]
    assert pages["connue@example.org"] == pages["inconnue@example.org"]
    # The table stores the unknown address's count exactly like the known one's, and nothing readable.
    rows = db_session.execute(
        select(RateCounter.key, RateCounter.count).where(RateCounter.action == action.lower())).all()
    # One address, two e-mails: the address counted twice, each e-mail once.
    assert sorted(count for _, count in rows) == [1, 1, 2]
    assert not any("@" in key or "198.51" in key for key, _ in rows)
    # Both addresses get a mail (a link, or "no account uses this address"): same path, same time.
    assert [str(m["To"]) for m in smtp.messages] == ["connue@example.org", "inconnue@example.org"]


# --- The helper the vote view calls ------------------------------------------------------------


def cast(app: Flask, address: str, account: str) -> None:
    with app.test_request_context("/vote", method="POST", environ_base={"REMOTE_ADDR": address}):
        ratelimit.limit("ballot", account=account)


def test_ballots_are_limited_per_account_with_the_default_settings(app: Flask, clock: FrozenTime) -> None:
    per_account = ratelimit.parse_limit("", app.config["RATE_LIMIT_BALLOT_PER_ACCOUNT"])
    assert per_account == Limit(20, timedelta(minutes=10))
    for n in range(20):  # from changing addresses (a phone on the move): still one account
        cast(app, f"198.51.100.{n}", "42")
    with pytest.raises(ratelimit.RateLimited):
        cast(app, "198.51.100.200", "42")
    cast(app, "198.51.100.200", "43")
    clock.shift(minutes=10, seconds=1)
    cast(app, "198.51.100.200", "42")


def test_ballots_are_limited_per_address_generously(
    app: Flask, clock: FrozenTime, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert ratelimit.parse_limit("", app.config["RATE_LIMIT_BALLOT_PER_ADDRESS"]).count >= 500  # a town hall
    monkeypatch.setitem(app.config, "RATE_LIMIT_BALLOT_PER_ADDRESS", "3/600")
    for account in ("1", "2", "3"):
        cast(app, "198.51.100.7", account)
    with pytest.raises(ratelimit.RateLimited) as caught:
        cast(app, "198.51.100.7", "4")
    assert caught.value.status_code == 429
    cast(app, "198.51.100.8", "4")
    clock.shift(minutes=10, seconds=1)
    cast(app, "198.51.100.7", "4")


def test_an_action_without_a_limit_on_a_dimension_is_not_limited_on_it(
    app: Flask, clock: FrozenTime, db_session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "RATE_LIMIT_BALLOT_PER_ADDRESS", None)
    monkeypatch.setitem(app.config, "RATE_LIMIT_BALLOT_PER_ACCOUNT", "")
    for _ in range(30):
        cast(app, "198.51.100.7", "42")
    assert db_session.scalar(select(func.count()).select_from(RateCounter)) == 0
    with app.test_request_context("/"):
        assert ratelimit.limits_for("ballot") == {}
        assert ratelimit.limits_for("inconnue") == {}


@pytest.mark.parametrize("value", ["10", "dix/3600", "0/3600", "10/0", "10/-5", "10/172800", "10/3600/2"])
def test_a_malformed_limit_stops_loudly(app: Flask, value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "RATE_LIMIT_BALLOT_PER_ACCOUNT", value)
    with app.test_request_context("/"), pytest.raises(RuntimeError, match="RATE_LIMIT_BALLOT_PER_ACCOUNT"):
        ratelimit.limits_for("ballot")


def test_settings_can_be_checked_at_start_up(app: Flask) -> None:
    ratelimit.check_settings(app.config)  # the defaults are sound
    for setting, value in [
        ("RATE_LIMIT_SIGNUP_PER_ADDRESS", "10 par heure"),
        ("SIGNUP_MIN_FILL_SECONDS", "trois"),
        ("SIGNUP_MIN_FILL_SECONDS", -1),
        ("RATE_LIMIT_NEW_ACTION_PER_ACCOUNT", "5/99999"),
    ]:
        with pytest.raises(RuntimeError, match=setting):
            ratelimit.check_settings({**app.config, setting: value})


def test_limits_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUDGETCITOYEN_RATE_LIMIT_BALLOT_PER_ACCOUNT", "3/60")
    monkeypatch.setenv("BUDGETCITOYEN_RATE_LIMIT_SIGNUP_PER_ADDRESS", "")
    monkeypatch.setenv("BUDGETCITOYEN_RATE_LIMIT_LOGIN_PER_ADDRESS", "null")
    monkeypatch.setenv("BUDGETCITOYEN_SIGNUP_MIN_FILL_SECONDS", "7")
    configured = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "test-secret-key-0123456789"})
    with configured.test_request_context("/"):
        assert ratelimit.limits_for("ballot") == {
            "address": Limit(600, timedelta(minutes=10)),
            "account": Limit(3, timedelta(seconds=60)),
        }
        assert ratelimit.limits_for("signup") == {}
        assert ratelimit.limits_for("login") == {}
    assert configured.config["SIGNUP_MIN_FILL_SECONDS"] == 7


# --- Bot checks on sign-up -----------------------------------------------------------------------


@pytest.fixture
def min_fill(app: Flask, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setitem(app.config, "SIGNUP_MIN_FILL_SECONDS", 5)
    return 5


def test_a_normal_signup_is_accepted(
    app: Flask, clock: FrozenTime, min_fill: int, smtp: SmtpServer, db_session
) -> None:
    client = app.test_client()
    page = client.get("/inscription")
    clock.shift(seconds=min_fill + 1)  # the time a person takes to fill the form
    response = signup(client, "claire@example.org", stamp=stamp_on(page))
    assert response.status_code == 302
    assert users(db_session) == 1 and smtp.last_to("claire@example.org")


def test_a_signup_with_a_faked_old_stamp_is_accepted(
    app: Flask, clock: FrozenTime, min_fill: int, db_session
) -> None:
    stamp = make_stamp(app.config["SECRET_KEY"], "signup", now_utc() - timedelta(minutes=2))
    assert signup(app.test_client(), "claire@example.org", stamp=stamp).status_code == 302
    assert users(db_session) == 1


def assert_refused(response: Any, db_session: Any, smtp: SmtpServer) -> str:
    assert response.status_code == 422
    page = text_of(response)
    assert REFUSED_MESSAGE in page
    assert users(db_session) == 0 and smtp.messages == []
    return page


def test_a_signup_sent_too_fast_is_refused_then_accepted_when_sent_again(
    app: Flask, clock: FrozenTime, min_fill: int, smtp: SmtpServer, db_session
) -> None:
    client = app.test_client()
    first_stamp = stamp_on(client.get("/inscription"))
    clock.shift(seconds=2)
    refused = signup(client, "claire@example.org", stamp=first_stamp)
    page = assert_refused(refused, db_session, smtp)
    assert 'value="claire@example.org"' in page and PASSWORD not in page
    # The form shown again carries a new stamp: a person who types the password again gets through.
    second_stamp = stamp_on(refused)
    assert second_stamp != first_stamp
    clock.shift(seconds=min_fill)
    assert signup(client, "claire@example.org", stamp=second_stamp).status_code == 302
    assert users(db_session) == 1


def test_a_tampered_stamp_is_refused(
    app: Flask, clock: FrozenTime, min_fill: int, smtp: SmtpServer, db_session
) -> None:
    client = app.test_client()
    value, timestamp, signature = stamp_on(client.get("/inscription")).split(".")
    clock.shift(minutes=1)
    older = make_stamp("un-autre-secret-que-celui-du-site", "signup", now_utc() - timedelta(hours=1))
    for forged in (
        f"{value}.{older.split('.')[1]}.{signature}",
        older,
        f"{value}.{timestamp}.{signature[::-1]}",
    ):
        assert_refused(signup(client, "claire@example.org", stamp=forged), db_session, smtp)


def test_a_missing_stamp_is_refused(
    app: Flask, clock: FrozenTime, min_fill: int, smtp: SmtpServer, db_session
) -> None:
    assert_refused(signup(app.test_client(), "claire@example.org"), db_session, smtp)


@pytest.mark.parametrize("fill_time", [0, 5])
def test_a_filled_trap_field_is_refused(
    app: Flask,
    clock: FrozenTime,
    smtp: SmtpServer,
    db_session,
    fill_time: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "SIGNUP_MIN_FILL_SECONDS", fill_time)
    stamp = make_stamp(app.config["SECRET_KEY"], "signup", now_utc() - timedelta(minutes=2))
    refused = signup(app.test_client(), "claire@example.org", stamp=stamp, site_web="https://promo.example")
    page = assert_refused(refused, db_session, smtp)
    assert "https://promo.example" not in page  # the trap comes back empty


def test_bot_refusals_do_not_use_up_the_address_limit(
    app: Flask, clock: FrozenTime, db_session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # People behind the same address as a script must not be locked out by its attempts.
    monkeypatch.setitem(app.config, "RATE_LIMIT_SIGNUP_PER_ADDRESS", "1/3600")
    client = client_at(app, "198.51.100.7")
    for n in range(3):
        assert signup(client, f"robot{n}@example.org", site_web="x").status_code == 422
    assert signup(client, "claire@example.org").status_code == 302
    assert users(db_session) == 1


def test_the_trap_field_is_hidden_from_people_and_labelled(client: FlaskClient) -> None:
    page = client.get("/inscription").get_data(as_text=True)
    trap = re.search(r'<div class="sr-only" aria-hidden="true">(.*?)</div>', page, re.DOTALL)
    assert trap, "the trap field is not in a hidden block"
    assert '<label for="site_web">Laissez ce champ vide' in trap.group(1)
    field = re.search(r"<input[^>]*name=\"site_web\"[^>]*>", trap.group(1))
    assert field and 'tabindex="-1"' in field.group(0) and 'autocomplete="off"' in field.group(0)
    assert 'value=""' in field.group(0)
    assert STAMP_INPUT.search(page) and csrf_token(client, "/inscription")
