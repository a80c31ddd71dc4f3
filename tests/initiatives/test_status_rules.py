"""The status transition table: every allowed move passes, every other move is refused."""

from itertools import product

import pytest

from budgetcitoyen.initiatives.rules import (
    TRANSITIONS,
    Actor,
    Status,
    TransitionRefused,
    allowed_targets,
    check_transition,
    is_editable_by_holder,
)

# The table, written independently of the module's: (from, to, who, reason required).
EXPECTED = {
    ("idea", "draft", "holder", False),
    ("draft", "filed", "holder", False),
    ("filed", "draft", "staff", True),
    ("filed", "in_review", "staff", False),
    ("in_review", "draft", "staff", True),
    ("in_review", "labelled", "staff", True),
    ("in_review", "not_labelled", "staff", True),
    ("labelled", "on_ballot", "staff", False),
    ("on_ballot", "winner", "staff", False),
    ("on_ballot", "not_selected", "staff", False),
    ("winner", "under_agreement", "staff", False),
    ("under_agreement", "closed", "staff", False),
    *(
        (s, "abandoned", "holder", False)
        for s in ("idea", "draft", "filed", "in_review", "labelled", "on_ballot")
    ),
    *(
        (s, "abandoned", "staff", True)
        for s in ("idea", "draft", "filed", "in_review", "labelled", "on_ballot", "winner", "under_agreement")
    ),
}


def test_the_module_table_is_the_expected_table() -> None:
    assert {(t.source.value, t.target.value, t.actor.value, t.needs_reason) for t in TRANSITIONS} == EXPECTED


@pytest.mark.parametrize(("source", "target", "actor", "needs_reason"), sorted(EXPECTED))
def test_every_allowed_transition_passes(source: str, target: str, actor: str, needs_reason: bool) -> None:
    check_transition(Status(source), Status(target), Actor(actor), reason="motif")
    if needs_reason:
        with pytest.raises(TransitionRefused, match="motif"):
            check_transition(Status(source), Status(target), Actor(actor), reason="  ")


def test_every_other_transition_is_refused() -> None:
    allowed = {(e[0], e[1], e[2]) for e in EXPECTED}
    checked = 0
    for source, target, actor in product(Status, Status, Actor):
        if (source.value, target.value, actor.value) in allowed:
            continue
        with pytest.raises(TransitionRefused, match="Impossible de passer"):
            check_transition(source, target, actor, reason="motif")
        checked += 1
    assert checked == len(Status) ** 2 * len(Actor) - len(EXPECTED)


def test_final_statuses_lead_nowhere() -> None:
    for final in (Status.CLOSED, Status.ABANDONED, Status.NOT_LABELLED, Status.NOT_SELECTED):
        assert allowed_targets(final, Actor.HOLDER) == [] and allowed_targets(final, Actor.STAFF) == []


def test_only_ideas_and_drafts_are_editable_by_the_holder() -> None:
    assert [s for s in Status if is_editable_by_holder(s)] == [Status.IDEA, Status.DRAFT]
