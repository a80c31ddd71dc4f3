"""Equal shares run side by side at several shares (`lockstep.outcomes`) buys, at each share, exactly
what a plain run there buys (`equalshares.equal_shares`), or says it cannot tell (None); with a limit it
stops a share only once what it bought costs more than the limit."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from budgetcitoyen.allocation import Ballots, add1, lockstep
from budgetcitoyen.allocation.context import Context, build_context
from budgetcitoyen.allocation.equalshares import SupportIndex
from budgetcitoyen.allocation.pabulib import read_pb
from tests.allocation.test_add1 import elections

DATA = Path(__file__).parent / "data"


def _compare(context: Context, index: SupportIndex, cardinal: bool, shares: list[int], limit: int | None
             ) -> int:
    answers = lockstep.outcomes(index, context.granted, add1.candidates_of(context), shares,
                                cardinal=cardinal, tie_rank=context.tie_rank, limit=limit)
    undecided = 0
    for share, answer in zip(shares, answers, strict=True):
        plain = add1.run_at(context, index, Fraction(share), cardinal).selected
        if answer is None:
            undecided += 1
        elif limit is None or sum(context.granted[j] for j in answer) <= limit:
            assert answer == plain, share
        else:  # stopped once over the limit: the plain run bought the same first, and is over too
            assert plain[:len(answer)] == answer, share
            assert sum(context.granted[j] for j in answer[:-1]) <= limit
    return undecided


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elections(), st.integers(0, 80), st.integers(1, 40), st.booleans())
def test_side_by_side_buys_what_a_plain_run_buys(election: dict[str, object], start: int, width: int,
                                                  limited: bool) -> None:
    projects, ballots = election["projects"], election["ballots"]
    assert isinstance(ballots, Ballots) and isinstance(projects, list)
    if not ballots.num_voters:
        return
    context = build_context(projects, election["envelope"], election["threshold"], None, None,  # type: ignore[arg-type]
                            election["tie_break"], "EUR")  # type: ignore[arg-type]
    unit = context.money.unit
    shares = [(start + k) * unit for k in range(width)]
    undecided = _compare(context, SupportIndex.build(ballots), election["utility"] == "card", shares,
                         context.envelope if limited else None)
    event("some undecided" if undecided else "all decided")


@pytest.mark.parametrize(
    "name",
    ["Poland_Swiecie_2023", "Netherlands_Assen_2024", "Poland_Lodz_2023_Chojny", "Netherlands_Amsterdam_166"],
)
def test_side_by_side_on_real_elections(name: str) -> None:
    election = read_pb(DATA / f"{name}.pb")
    context = build_context(election.allocation_projects(), election.budget, 0, None, None, "id", "EUR")
    index = SupportIndex.build(election.ballots)
    unit = context.money.unit
    first = (context.envelope // (index.num_voters * unit)) * unit
    shares = [first + k * unit for k in range(0, 96, 3)]  # spread over the shares the scan looks at
    assert _compare(context, index, False, shares, None) == 0


def test_class_sizes_stay_exact_as_classes_grow(monkeypatch: pytest.MonkeyPatch) -> None:
    # A class whose voters all pay keeps its number and its budget is overwritten: that is right only if
    # its recorded size is its real size, also once the class arrays have grown past their first capacity.
    checked: list[int] = []
    original = lockstep._Scan.pay

    def pay(scan: lockstep._Scan, group: lockstep._Group, evaluation: lockstep._Evaluation,
            rows: np.ndarray) -> lockstep._Group:
        group = original(scan, group, evaluation, rows)
        real = np.bincount(group.voter_class, minlength=group.size)
        assert (real[:group.size] == group.class_size[:group.size]).all()
        checked.append(group.size)
        return group

    monkeypatch.setattr(lockstep._Scan, "pay", pay)
    election = read_pb(DATA / "Netherlands_Amsterdam_166.pb")
    context = build_context(election.allocation_projects(), election.budget, 0, None, None, "id", "EUR")
    index = SupportIndex.build(election.ballots)
    unit = context.money.unit
    first = (context.envelope // (index.num_voters * unit)) * unit
    lockstep.outcomes(index, context.granted, add1.candidates_of(context),
                      [first + k * unit for k in range(1, 33)], cardinal=False, tie_rank=context.tie_rank)
    assert max(checked) > 64  # past the first capacity
