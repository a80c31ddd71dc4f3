"""The rate-limit tests' clock: the whole process stopped at T0, moved by hand, never slept."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from tests.conftest import FrozenTime

T0 = datetime(2026, 9, 14, 17, 45, tzinfo=UTC)


@pytest.fixture
def clock(freeze_time: Callable[[datetime], FrozenTime]) -> FrozenTime:
    return freeze_time(T0)
