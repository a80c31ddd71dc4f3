"""A clock the tests move by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import budgetcitoyen.clock

T0 = datetime(2026, 9, 14, 17, 45, tzinfo=UTC)


class FrozenClock:
    """What budgetcitoyen.clock.now_utc answers while a test runs; moved by hand, never slept."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    frozen = FrozenClock()
    monkeypatch.setattr(budgetcitoyen.clock, "now_utc", frozen)
    return frozen
