"""The status workflow of an initiative: every allowed transition, and who may make it (pure, no Flask)."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Status(enum.StrEnum):
    """Where an initiative stands, from idea to closed convention."""

    IDEA = "idea"
    DRAFT = "draft"
    FILED = "filed"
    IN_REVIEW = "in_review"
    LABELLED = "labelled"
    NOT_LABELLED = "not_labelled"
    ON_BALLOT = "on_ballot"
    WINNER = "winner"
    NOT_SELECTED = "not_selected"
    UNDER_AGREEMENT = "under_agreement"
    CLOSED = "closed"
    ABANDONED = "abandoned"


STATUS_LABELS = {
    Status.IDEA: "Idée",
    Status.DRAFT: "Brouillon",
    Status.FILED: "Déposé",
    Status.IN_REVIEW: "En instruction",
    Status.LABELLED: "Labellisé",
    Status.NOT_LABELLED: "Non labellisé",
    Status.ON_BALLOT: "Soumis au vote",
    Status.WINNER: "Lauréat",
    Status.NOT_SELECTED: "Non retenu",
    Status.UNDER_AGREEMENT: "Conventionné",
    Status.CLOSED: "Soldé",
    Status.ABANDONED: "Abandonné",
}


class Actor(enum.StrEnum):
    """Who asks for the transition."""

    HOLDER = "holder"
    STAFF = "staff"  # the Mission ESS (admin)


@dataclass(frozen=True)
class Transition:
    """One allowed move, who may make it, and whether a reason must be given."""

    source: Status
    target: Status
    actor: Actor
    needs_reason: bool = False


# Statuses from which the holder may still withdraw: once the grant is agreed, stopping is a
# matter for the convention (reduction, claim back), handled by the Mission ESS.
_WITHDRAWABLE = (Status.IDEA, Status.DRAFT, Status.FILED, Status.IN_REVIEW, Status.LABELLED, Status.ON_BALLOT)

TRANSITIONS: tuple[Transition, ...] = (
    Transition(Status.IDEA, Status.DRAFT, Actor.HOLDER),
    Transition(Status.DRAFT, Status.FILED, Actor.HOLDER),
    Transition(Status.FILED, Status.DRAFT, Actor.STAFF, needs_reason=True),  # reopened for corrections
    Transition(Status.FILED, Status.IN_REVIEW, Actor.STAFF),
    Transition(Status.IN_REVIEW, Status.DRAFT, Actor.STAFF, needs_reason=True),
    Transition(Status.IN_REVIEW, Status.LABELLED, Actor.STAFF, needs_reason=True),
    Transition(Status.IN_REVIEW, Status.NOT_LABELLED, Actor.STAFF, needs_reason=True),
    Transition(Status.LABELLED, Status.ON_BALLOT, Actor.STAFF),
    Transition(Status.ON_BALLOT, Status.WINNER, Actor.STAFF),
    Transition(Status.ON_BALLOT, Status.NOT_SELECTED, Actor.STAFF),
    Transition(Status.WINNER, Status.UNDER_AGREEMENT, Actor.STAFF),
    Transition(Status.UNDER_AGREEMENT, Status.CLOSED, Actor.STAFF),
    *(Transition(source, Status.ABANDONED, Actor.HOLDER) for source in _WITHDRAWABLE),
    *(Transition(source, Status.ABANDONED, Actor.STAFF, needs_reason=True)
      for source in (*_WITHDRAWABLE, Status.WINNER, Status.UNDER_AGREEMENT)),
)

_BY_KEY = {(t.source, t.target, t.actor): t for t in TRANSITIONS}


class TransitionRefused(ValueError):
    """A move the workflow does not allow; the message is French."""


def allowed_targets(source: Status, actor: Actor) -> list[Status]:
    """The statuses `actor` may move an initiative to from `source`, in workflow order."""
    targets = {t.target for t in TRANSITIONS if t.source == source and t.actor == actor}
    return [s for s in Status if s in targets]


def check_transition(source: Status, target: Status, actor: Actor, reason: str = "") -> Transition:
    """The transition if allowed (with its reason when one is required), else TransitionRefused."""
    transition = _BY_KEY.get((source, target, actor))
    if transition is None:
        raise TransitionRefused(
            f"Impossible de passer de « {STATUS_LABELS[source]} » à « {STATUS_LABELS[target]} »."
        )
    if transition.needs_reason and not reason.strip():
        raise TransitionRefused("Indiquez le motif de ce changement de statut.")
    return transition


def is_editable_by_holder(status: Status) -> bool:
    """The holder edits an idea or a draft; a filed dossier is frozen unless the Mission ESS reopens it."""
    return status in (Status.IDEA, Status.DRAFT)


def is_public(status: Status) -> bool:
    """Statuses shown in the public catalogue (once the edition's catalogue is published)."""
    return status in (Status.LABELLED, Status.ON_BALLOT, Status.WINNER, Status.NOT_SELECTED,
                      Status.UNDER_AGREEMENT, Status.CLOSED)
