"""Signed, expiring tokens: valid, expired, tampered, wrong purpose."""

import time

import pytest

from budgetcitoyen.accounts import tokens

SECRET = "unit-test-secret"


def test_valid_token_round_trips() -> None:
    token = tokens.make_token(SECRET, tokens.CONFIRM_EMAIL, {"uid": 7, "email": "a@example.org"})
    assert tokens.read_token(SECRET, tokens.CONFIRM_EMAIL, token, max_age=60) == {"uid": 7, "email": "a@example.org"}


def test_expired_token_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    issued = time.time() - 3 * 24 * 3600
    monkeypatch.setattr(time, "time", lambda: issued)
    token = tokens.make_token(SECRET, tokens.CONFIRM_EMAIL, {"uid": 7})
    monkeypatch.undo()
    with pytest.raises(tokens.ExpiredToken) as caught:
        tokens.read_token(SECRET, tokens.CONFIRM_EMAIL, token, max_age=2 * 24 * 3600)
    assert "expiré" in caught.value.message


@pytest.mark.parametrize("position", [0, 10, -1, -5])
def test_tampered_token_is_refused(position: int) -> None:
    token = tokens.make_token(SECRET, tokens.RESET_PASSWORD, {"uid": 7, "pw": "abc"})
    flipped = "A" if token[position] != "A" else "B"
    tampered = token[:position] + flipped + (token[position + 1:] if position != -1 else "")
    with pytest.raises(tokens.InvalidToken):
        tokens.read_token(SECRET, tokens.RESET_PASSWORD, tampered, max_age=3600)


def test_token_for_another_purpose_is_refused() -> None:
    token = tokens.make_token(SECRET, tokens.CONFIRM_EMAIL, {"uid": 7})
    with pytest.raises(tokens.InvalidToken):
        tokens.read_token(SECRET, tokens.RESET_PASSWORD, token, max_age=3600)


def test_token_signed_with_another_secret_is_refused() -> None:
    token = tokens.make_token("other-secret", tokens.CONFIRM_EMAIL, {"uid": 7})
    with pytest.raises(tokens.InvalidToken):
        tokens.read_token(SECRET, tokens.CONFIRM_EMAIL, token, max_age=3600)


def test_password_fingerprint_changes_with_the_hash() -> None:
    assert tokens.password_fingerprint("hash-a") != tokens.password_fingerprint("hash-b")
    assert tokens.password_fingerprint(None) == tokens.password_fingerprint("")
