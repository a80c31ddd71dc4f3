"""The committee's permission predicates, on plain values (no database, no app)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.labelling.permissions import (
    CommitteeRecord,
    can_decide,
    can_open_dossier,
    can_read_review,
    can_score,
    is_on_a_committee,
    sits_on_committee_of,
)

MEMBER, EDITION, OTHER_EDITION, DOSSIER = 7, 2026, 2027, 40


def dossier(status: Status = Status.IN_REVIEW, holder_id: int = 99,
            edition_id: int = EDITION) -> SimpleNamespace:
    return SimpleNamespace(id=DOSSIER, edition_id=edition_id, holder_id=holder_id, status=status.value)


def record(seated: bool = True, assigned: bool = True, interested: bool = False,
           submitted: bool = False) -> CommitteeRecord:
    ids = frozenset({DOSSIER})
    return CommitteeRecord(
        MEMBER,
        seats=frozenset({EDITION}) if seated else frozenset({OTHER_EDITION}),
        assignments=ids if assigned else frozenset(),
        interests=ids if interested else frozenset(),
        submitted=ids if submitted else frozenset(),
    )


def test_an_assigned_member_without_interest_opens_and_scores() -> None:
    assert can_open_dossier(record(), dossier()) and can_score(record(), dossier())
    assert can_score(record(), dossier(Status.FILED))


@pytest.mark.parametrize("standing", [
    {"seated": False},  # sits on another edition's committee only
    {"assigned": False},
    {"interested": True},  # recused: the dossier leaves them
])
def test_no_seat_no_assignment_or_an_interest_close_the_dossier(standing: dict[str, bool]) -> None:
    assert not can_open_dossier(record(**standing), dossier())
    assert not can_score(record(**standing), dossier())
    assert not can_read_review(record(submitted=True, **standing), dossier())


def test_a_member_never_scores_their_own_dossier() -> None:
    own = dossier(holder_id=MEMBER)
    assert can_open_dossier(record(), own) and not can_score(record(), own)


@pytest.mark.parametrize("status", [Status.DRAFT, Status.LABELLED, Status.NOT_LABELLED, Status.ON_BALLOT])
def test_scoring_ends_with_the_review(status: Status) -> None:
    assert not can_score(record(), dossier(status))


def test_the_review_is_read_only_once_ones_own_sheet_is_submitted() -> None:
    assert not can_read_review(record(), dossier())
    assert can_read_review(record(submitted=True), dossier())


def test_seats_open_the_committee_pages_and_the_interest_declaration() -> None:
    assert is_on_a_committee(record()) and not is_on_a_committee(CommitteeRecord(MEMBER))
    assert sits_on_committee_of(record(assigned=False), dossier())
    assert not sits_on_committee_of(record(), dossier(edition_id=OTHER_EDITION))


def test_a_decision_is_recorded_once_on_a_dossier_under_review() -> None:
    assert can_decide(dossier(), decided=False)
    assert not can_decide(dossier(), decided=True)
    assert not can_decide(dossier(Status.FILED), decided=False)
