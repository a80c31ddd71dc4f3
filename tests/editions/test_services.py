"""Edition services: phase gate, current edition."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from flask import Flask

from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.editions.services import current_edition, require_phase
from budgetcitoyen.errors import PhaseClosed


def test_require_phase_checks_the_server_clock(make_edition: Callable) -> None:
    edition = make_edition(year=2026)
    require_phase(edition, Phase.VOTE, datetime(2026, 9, 15, 12, tzinfo=UTC))
    with pytest.raises(PhaseClosed, match="elle ouvre le 01/09/2026"):
        require_phase(edition, Phase.VOTE, datetime(2026, 8, 31, 21, 59, tzinfo=UTC))
    with pytest.raises(PhaseClosed, match="close depuis le 30/09/2026"):
        require_phase(edition, Phase.VOTE, datetime(2026, 9, 30, 22, 0, tzinfo=UTC))


def test_current_edition_is_the_latest_published(app: Flask, make_edition: Callable, db_session) -> None:
    make_edition(year=2025)
    make_edition(year=2026)
    make_edition(year=2027, is_published=False)
    assert current_edition(db_session).year == 2026
