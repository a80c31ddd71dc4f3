"""Who may open, change and read a dossier: pure predicates, tested on plain values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from budgetcitoyen.accounts.models import Role
from budgetcitoyen.editions.rules import Phase, PhaseWindow
from budgetcitoyen.initiatives.permissions import (
    can_edit_dossier,
    can_manage_submissions,
    can_view_dossier,
    is_holder_of,
)
from budgetcitoyen.initiatives.rules import Status

NOW = datetime(2026, 3, 15, 12, tzinfo=UTC)
HOLDER = SimpleNamespace(id=1, role_set={Role.HOLDER})
NEIGHBOUR = SimpleNamespace(id=2, role_set=set())
AGENT = SimpleNamespace(id=3, role_set={Role.AGENT})
ADMIN = SimpleNamespace(id=4, role_set={Role.ADMIN})


class Calendar:
    """An edition whose dossier phase opens and closes as given."""

    def __init__(self, starts: datetime, ends: datetime) -> None:
        self.dossiers = PhaseWindow(Phase.DOSSIERS, starts, ends)

    def window(self, phase: Phase) -> PhaseWindow | None:
        return self.dossiers if phase is Phase.DOSSIERS else None


OPEN = Calendar(NOW - timedelta(days=1), NOW + timedelta(days=1))
CLOSED = Calendar(NOW - timedelta(days=10), NOW - timedelta(days=1))


def initiative(
    status: Status = Status.DRAFT, edition: Calendar = OPEN, reopened_until: datetime | None = None
) -> SimpleNamespace:
    return SimpleNamespace(
        holder_id=HOLDER.id, status_enum=status, edition=edition, reopened_until=reopened_until
    )


def test_only_the_holder_works_on_the_dossier() -> None:
    assert is_holder_of(HOLDER, initiative())
    assert not is_holder_of(NEIGHBOUR, initiative()) and not is_holder_of(ADMIN, initiative())
    assert not is_holder_of(None, initiative())


@pytest.mark.parametrize(
    ("actor", "dossier", "editable"),
    [
        (HOLDER, initiative(Status.IDEA), True),
        (HOLDER, initiative(Status.DRAFT), True),
        (HOLDER, initiative(Status.FILED), False),  # filed: frozen
        (HOLDER, initiative(Status.DRAFT, CLOSED), False),  # the deadline has passed
        (HOLDER, initiative(Status.DRAFT, CLOSED, reopened_until=NOW + timedelta(hours=1)), True),
        (HOLDER, initiative(Status.DRAFT, CLOSED, reopened_until=NOW), False),  # the reopening is over
        (NEIGHBOUR, initiative(Status.DRAFT), False),
        (ADMIN, initiative(Status.DRAFT), False),
        (None, initiative(Status.DRAFT), False),
    ],
)
def test_the_holder_edits_an_idea_or_a_draft_while_the_phase_or_a_reopening_lasts(
    actor: SimpleNamespace | None, dossier: SimpleNamespace, editable: bool
) -> None:
    assert can_edit_dossier(actor, dossier, NOW) is editable


def test_the_holder_the_staff_and_a_reviewing_member_read_the_dossier() -> None:
    dossier = initiative(Status.IN_REVIEW)
    assert can_view_dossier(HOLDER, dossier) and can_view_dossier(AGENT, dossier)
    assert can_view_dossier(ADMIN, dossier)
    assert not can_view_dossier(NEIGHBOUR, dossier)
    assert can_view_dossier(NEIGHBOUR, dossier, reviewing=True)
    assert not can_view_dossier(None, dossier) and not can_view_dossier(None, dossier, reviewing=True)


def test_only_administrators_change_dossiers_and_comptoirs() -> None:
    assert can_manage_submissions(ADMIN)
    assert not can_manage_submissions(AGENT) and not can_manage_submissions(HOLDER)
    assert not can_manage_submissions(None)
