"""Assignment constraints, checked as properties over generated committees (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from budgetcitoyen.labelling.assignment import assign, loads


@st.composite
def committees(draw: st.DrawFn, with_conflicts: bool = True):  # type: ignore[no-untyped-def]
    dossiers = list(range(1, draw(st.integers(0, 30)) + 1))
    members = list(range(100, 100 + draw(st.integers(1, 12))))
    pairs = [(d, m) for d in dossiers for m in members]
    conflicts = (
        draw(st.sets(st.sampled_from(pairs), max_size=len(pairs))) if with_conflicts and pairs else set()
    )
    k = draw(st.integers(1, 5))
    return dossiers, members, conflicts, k


@settings(max_examples=300, deadline=None)
@given(committees())
def test_no_conflicted_member_is_ever_assigned(case) -> None:  # type: ignore[no-untyped-def]
    dossiers, members, conflicts, k = case
    result = assign(dossiers, members, conflicts, k)
    assert all((d, m) not in conflicts for d, chosen in result.items() for m in chosen)


@settings(max_examples=300, deadline=None)
@given(committees())
def test_every_dossier_gets_k_members_when_k_are_eligible(case) -> None:  # type: ignore[no-untyped-def]
    dossiers, members, conflicts, k = case
    result = assign(dossiers, members, conflicts, k)
    for d in dossiers:
        eligible = [m for m in members if (d, m) not in conflicts]
        assert len(result[d]) == min(k, len(eligible))
        assert result[d] <= set(eligible)


@settings(max_examples=300, deadline=None)
@given(committees(with_conflicts=False))
def test_without_conflicts_loads_differ_by_at_most_one(case) -> None:  # type: ignore[no-untyped-def]
    dossiers, members, _, k = case
    counts = loads(assign(dossiers, members, set(), k), members)
    assert max(counts.values()) - min(counts.values()) <= 1


@settings(max_examples=300, deadline=None)
@given(committees())
def test_with_conflicts_no_possible_handover_is_left(case) -> None:  # type: ignore[no-untyped-def]
    # Loads differ by more than one only where conflicts make it unavoidable: no dossier of a busier
    # member could go to a member with two fewer.
    dossiers, members, conflicts, k = case
    result = assign(dossiers, members, conflicts, k)
    counts = loads(result, members)
    for busy in members:
        for idle in members:
            if counts[busy] - counts[idle] >= 2:
                assert not [
                    d
                    for d in dossiers
                    if busy in result[d] and idle not in result[d] and (d, idle) not in conflicts
                ]


def test_manual_assignments_are_kept_and_completed() -> None:
    result = assign([1, 2], [10, 11, 12], set(), 2, existing={1: {12}})
    assert 12 in result[1] and len(result[1]) == 2 and len(result[2]) == 2


def test_existing_assignment_dropped_once_a_conflict_is_declared() -> None:
    result = assign([1], [10, 11, 12], {(1, 12)}, 2, existing={1: {12}})
    assert 12 not in result[1] and len(result[1]) == 2
