"""Signed time stamps that tell a form filled by a person from one posted by a script (no Flask).

The page hands out a stamp signed with the app secret; the form must come back with it, unaltered,
no sooner than a minimum fill time. A script that posts straight away, or forges or drops the stamp,
is refused. The clock is a parameter so tests move it instead of sleeping.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

from budgetcitoyen.errors import DomainError

# A salt of its own: a stamp is worth nothing as any other signed value of the app, and the reverse.
SALT = "budgetcitoyen.form-stamp"
# Past this a stamp is stale: a page harvested once cannot feed a script for ever. Far longer
# than anyone takes to fill a form (the CSRF token expires sooner anyway).
MAX_AGE = timedelta(days=1)

# The same words whatever the cause, so a script learns nothing about which check it failed; a
# person who meets it (a form sent very fast with autofill) just sends it again.
REFUSED_MESSAGE = (
    "Votre envoi n'a pas pu être vérifié. Vérifiez le formulaire, saisissez à nouveau le mot de passe "
    "puis envoyez-le une nouvelle fois."
)


class FormRefused(DomainError):
    """The form does not look filled by a person; `reason` is for the logs, never for the page."""

    status_code = 422

    def __init__(self, reason: str) -> None:
        super().__init__(REFUSED_MESSAGE)
        self.reason = reason


class _FixedClockSigner(TimestampSigner):
    """itsdangerous reads time.time(); this one reads the instant it is given."""

    def __init__(self, secret: str, now: datetime, purpose: str) -> None:
        super().__init__(secret, salt=f"{SALT}.{purpose}")
        self._now = int(now.timestamp())

    def get_timestamp(self) -> int:
        return self._now


def make_stamp(secret: str, purpose: str, now: datetime) -> str:
    """A stamp for a form shown at `now`; `purpose` names the form (a sign-up stamp is no log-in stamp)."""
    return _FixedClockSigner(secret, now, purpose).sign(purpose).decode("ascii")


def check_stamp(secret: str, purpose: str, stamp: str | None, now: datetime, min_fill: timedelta) -> None:
    """Raise FormRefused unless `stamp` is genuine, for `purpose`, at least `min_fill` old and not stale."""
    if not stamp:
        raise FormRefused("stamp missing")
    signer = _FixedClockSigner(secret, now, purpose)
    try:
        value, signed_at = signer.unsign(stamp, max_age=int(MAX_AGE.total_seconds()), return_timestamp=True)
    except SignatureExpired:
        # Older than MAX_AGE, or signed "in the future" (a forgery or a clock gone backwards).
        raise FormRefused("stamp expired") from None
    except BadSignature:
        raise FormRefused("stamp tampered") from None
    if value.decode("utf-8", "replace") != purpose:
        raise FormRefused("stamp for another form")
    if now - signed_at.astimezone(UTC) < min_fill:
        raise FormRefused("sent too fast")


def check_trap(value: str | None) -> None:
    """Raise FormRefused if the hidden trap field holds anything: people never see it, scripts fill it."""
    if value:
        raise FormRefused("trap field filled")
