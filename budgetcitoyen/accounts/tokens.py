"""Signed, expiring, single-purpose tokens for links sent by e-mail (itsdangerous)."""

from __future__ import annotations

import hashlib
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from budgetcitoyen.errors import DomainError

CONFIRM_EMAIL = "confirm-email"
RESET_PASSWORD = "reset-password"
CHANGE_EMAIL = "change-email"
KNOWN_DEVICE = "known-device"  # the cookie of a browser an account logged in from (accounts/passwords.py)


class InvalidToken(DomainError):
    """A token that was tampered with, was made for another purpose, or is used up."""

    def __init__(self) -> None:
        super().__init__(
            "Ce lien n'est pas valide. Vérifiez qu'il a été copié en entier, ou demandez-en un nouveau."
        )


class ExpiredToken(DomainError):
    """A genuine token past its lifetime."""

    def __init__(self) -> None:
        super().__init__("Ce lien a expiré. Demandez-en un nouveau.")


def make_token(secret: str, purpose: str, payload: dict[str, Any]) -> str:
    """Sign `payload`; the purpose is the salt, so a token made for one use is refused for another."""
    return URLSafeTimedSerializer(secret, salt=purpose).dumps(payload)


def read_token(secret: str, purpose: str, token: str, max_age: int) -> dict[str, Any]:
    """The payload of a valid token, or ExpiredToken / InvalidToken."""
    serializer = URLSafeTimedSerializer(secret, salt=purpose)
    try:
        payload = serializer.loads(token, max_age=max_age)
    except SignatureExpired as exc:
        # Only a correctly signed token can be "expired"; anything else is invalid.
        raise ExpiredToken() from exc
    except BadSignature as exc:
        raise InvalidToken() from exc
    if not isinstance(payload, dict):
        raise InvalidToken()
    return payload


def password_fingerprint(password_hash: str | None) -> str:
    """A short digest of the current hash: a reset token dies as soon as the password changes (single use)."""
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]
