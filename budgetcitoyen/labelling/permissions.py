"""Pure predicates of the committee's work: who may open, score or read the review of a dossier, and
when a decision may be recorded. They read the values given (a member's committee record, the
initiative's attributes), never query; labelling.services.committee_record gathers the record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from budgetcitoyen.initiatives.rules import Status

if TYPE_CHECKING:
    from budgetcitoyen.initiatives.models import Initiative

# Dossiers the committee works on: filed, then under review until the decision.
REVIEWABLE = frozenset({Status.FILED.value, Status.IN_REVIEW.value})


@dataclass(frozen=True)
class CommitteeRecord:
    """What the committee knows of one person, as ids: the editions whose committee they sit on
    (`seats`), the dossiers given to them, those they declared an interest in, and those whose
    sheet they submitted."""

    member_id: int
    seats: frozenset[int] = frozenset()
    assignments: frozenset[int] = frozenset()
    interests: frozenset[int] = frozenset()
    submitted: frozenset[int] = frozenset()


def is_on_a_committee(record: CommitteeRecord) -> bool:
    """Sits on the committee of at least one edition: the committee pages are theirs."""
    return bool(record.seats)


def sits_on_committee_of(record: CommitteeRecord, initiative: Initiative) -> bool:
    """Sits on the committee of the dossier's edition (and may therefore declare an interest in it)."""
    return initiative.edition_id in record.seats


def can_open_dossier(record: CommitteeRecord, initiative: Initiative) -> bool:
    """On the committee of its edition, the dossier given to them, and no interest declared in it."""
    return (sits_on_committee_of(record, initiative) and initiative.id in record.assignments
            and initiative.id not in record.interests)


def can_score(record: CommitteeRecord, initiative: Initiative) -> bool:
    """May open it, does not hold it, and the dossier is still under review."""
    return (can_open_dossier(record, initiative) and initiative.holder_id != record.member_id
            and initiative.status in REVIEWABLE)


def can_read_review(record: CommitteeRecord, initiative: Initiative) -> bool:
    """The others' scores and the committee's radar: only once one's own sheet is submitted."""
    return can_open_dossier(record, initiative) and initiative.id in record.submitted


def can_decide(initiative: Initiative, *, decided: bool) -> bool:
    """A decision is recorded once, on a dossier under review (administrators record it)."""
    return initiative.status == Status.IN_REVIEW.value and not decided
