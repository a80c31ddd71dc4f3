"""The sign-up form's signed stamp and trap field, as pure functions with the clock as a parameter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer

from budgetcitoyen.ratelimit.stamp import (
    MAX_AGE,
    REFUSED_MESSAGE,
    FormRefused,
    check_stamp,
    check_trap,
    make_stamp,
)

SECRET = "un-secret-de-test-assez-long"
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
MIN = timedelta(seconds=5)


def refused_reason(stamp: str | None, now: datetime, *, secret: str = SECRET, purpose: str = "signup") -> str:
    with pytest.raises(FormRefused) as caught:
        check_stamp(secret, purpose, stamp, now, MIN)
    assert caught.value.message == REFUSED_MESSAGE  # one neutral message whatever the cause
    assert caught.value.status_code == 422
    return caught.value.reason


def test_a_stamp_old_enough_is_accepted() -> None:
    stamp = make_stamp(SECRET, "signup", T0)
    check_stamp(SECRET, "signup", stamp, T0 + MIN, MIN)
    check_stamp(SECRET, "signup", stamp, T0 + timedelta(hours=3), MIN)


def test_a_form_sent_too_fast_is_refused() -> None:
    stamp = make_stamp(SECRET, "signup", T0)
    assert refused_reason(stamp, T0) == "sent too fast"
    assert refused_reason(stamp, T0 + MIN - timedelta(seconds=1)) == "sent too fast"


@pytest.mark.parametrize("stamp", [None, "", "nimporte-quoi", "signup.AAAA.BBBB", "é" * 30])
def test_a_missing_or_made_up_stamp_is_refused(stamp: str | None) -> None:
    refused_reason(stamp, T0 + timedelta(minutes=1))


def test_a_tampered_stamp_is_refused() -> None:
    stamp = make_stamp(SECRET, "signup", T0)
    value, timestamp, signature = stamp.split(".")
    # An earlier time with the old signature: the trick a script would try to look patient.
    earlier = make_stamp(SECRET, "signup", T0 - timedelta(hours=1)).split(".")[1]
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    for forged in (
        f"{value}.{earlier}.{signature}",
        f"{value}.{timestamp}.{flipped}",
        f"login.{timestamp}.{signature}",
    ):
        assert refused_reason(forged, T0 + timedelta(minutes=1)) == "stamp tampered"


def test_a_stamp_of_another_secret_purpose_or_salt_is_refused() -> None:
    later = T0 + timedelta(minutes=1)
    assert (
        refused_reason(make_stamp("un-autre-secret-tout-aussi-long", "signup", T0), later) == "stamp tampered"
    )
    assert refused_reason(make_stamp(SECRET, "login", T0), later) == "stamp tampered"
    # Another signed value of the app, with the same secret: its own salt makes it worthless here.
    token = URLSafeTimedSerializer(SECRET, salt="email-confirm").dumps("signup")
    assert refused_reason(token, later) == "stamp tampered"


def test_a_stale_or_future_stamp_is_refused() -> None:
    stamp = make_stamp(SECRET, "signup", T0)
    assert refused_reason(stamp, T0 + MAX_AGE + timedelta(seconds=1)) == "stamp expired"
    assert refused_reason(make_stamp(SECRET, "signup", T0 + timedelta(hours=1)), T0) == "stamp expired"


@pytest.mark.parametrize("value", ["http://spam.example", " ", "x"])
def test_a_filled_trap_is_refused(value: str) -> None:
    with pytest.raises(FormRefused) as caught:
        check_trap(value)
    assert caught.value.reason == "trap field filled" and caught.value.message == REFUSED_MESSAGE


@pytest.mark.parametrize("value", [None, ""])
def test_an_empty_trap_passes(value: str | None) -> None:
    check_trap(value)
