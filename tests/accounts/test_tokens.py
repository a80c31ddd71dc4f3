"""Signed, expiring tokens: valid, expired, tampered, wrong purpose."""

import time

import pytest

from budgetcitoyen.accounts import tokens

SECRET = "unit-test-secret"


def test_valid_token_round_trips() -> None:
    token = tokens.make_token(SECRET, tokens.CONFIRM_EMAIL, {"uid": 7, "email": "a@example.org"})
    assert tokens.read_token(SECRET, tokens.CONFIRM_EMAIL, token, max_age=60) == {
        "uid": 7,
        "email": "a@example.org",
    }


def test_expired_token_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    issued = time.time() - 3 * 24 * 3600
    monkeypatch.setattr(time, "time", lambda: issued)
    token = tokens.make_token(SECRET, tokens.CONFIRM_EMAIL, {"uid": 7})
    monkeypatch.undo()
    with pytest.raises(tokens.ExpiredToken) as caught:
        tokens.read_token(SECRET, tokens.CONFIRM_EMAIL, token, max_age=2 * 24 * 3600)
    assert "expiré" in caught.value.message


def _tamper_payload(token: str) -> str:
    # Change a character in the middle of the payload: unlike the last base64 character,
    # every bit of it is significant, so the test cannot pass by luck.
    flipped = "A" if token[5] != "A" else "B"
    return token[:5] + flipped + token[6:]


def _tamper_signature(token: str) -> str:
    body, signature = token.rsplit(".", 1)
    return body + "." + ("A" * len(signature) if set(signature) != {"A"} else "B" * len(signature))


def _tamper_timestamp(token: str) -> str:
    payload, timestamp, signature = token.split(".")
    replacement = "AA" if not timestamp.endswith("AA") else "BB"
    return f"{payload}.{timestamp[:-2]}{replacement}.{signature}"


@pytest.mark.parametrize(
    "tamper", [_tamper_payload, _tamper_signature, _tamper_timestamp, lambda t: t[:-4], lambda t: "x" + t]
)
def test_tampered_token_is_refused(tamper) -> None:  # type: ignore[no-untyped-def]
    token = tokens.make_token(SECRET, tokens.RESET_PASSWORD, {"uid": 7, "pw": "abc"})
    with pytest.raises(tokens.InvalidToken):
        tokens.read_token(SECRET, tokens.RESET_PASSWORD, tamper(token), max_age=3600)


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
