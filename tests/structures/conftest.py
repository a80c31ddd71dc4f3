from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from budgetcitoyen.accounts.models import User
from budgetcitoyen.editions.models import Edition
from tests.structures.helpers import World, make_world


@pytest.fixture
def world(app: Flask, make_edition: Callable[..., Edition], make_user: Callable[..., User]) -> World:
    return make_world(app, make_edition, make_user)
