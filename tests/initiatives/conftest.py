"""Fixtures of the submission phase: comptoirs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.initiatives.models import Workshop
from budgetcitoyen.reference.models import Territory


@pytest.fixture
def make_workshop(app: Flask) -> Callable[..., Workshop]:
    """make_workshop(edition, capacity=12, territory="arrageois", starts_in=10 days, **columns) -> committed
    comptoir of three hours."""

    def make(
        edition: Edition,
        capacity: int = 12,
        territory: str = "arrageois",
        starts_in: timedelta = timedelta(days=10),
        **columns: Any,
    ) -> Workshop:
        with app.extensions["db_sessionmaker"]() as session:
            territory_id = session.scalar(select(Territory.id).where(Territory.code == territory))
            start = now_utc() + starts_in
            columns.setdefault("host_structure", "Tiers-lieu")
            columns.setdefault("address", "1 rue de la Paix, Arras")
            workshop = Workshop(
                edition_id=edition.id,
                territory_id=territory_id,
                starts_at=start,
                ends_at=start + timedelta(hours=3),
                capacity=capacity,
                **columns,
            )
            session.add(workshop)
            session.commit()
            return workshop

    return make
