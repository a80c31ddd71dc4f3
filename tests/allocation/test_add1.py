"""The Add1 loop of `mes` without a run at every unit (`add1.keep_raising`) gives exactly what the rule as
defined gives (`add1.keep_raising_unit_by_unit`: one run of equal shares per unit): the same outcome,
explanations, notes and share, on generated instances, on the real elections, and in the corner where
the definition would take millions of runs. And a certificate (`equalshares.certify`) never vouches
for a share where equal shares buys something else."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from budgetcitoyen.allocation import Ballots, Outcome, Project, add1, allocate, mes_rules
from budgetcitoyen.allocation.context import build_context
from budgetcitoyen.allocation.equalshares import SupportIndex, certify
from budgetcitoyen.allocation.pabulib import read_pb

DATA = Path(__file__).parent / "data"


@contextmanager
def unit_by_unit() -> Iterator[None]:
    """`mes` computed by the definition, one run per unit."""
    original = mes_rules.keep_raising
    mes_rules.keep_raising = add1.keep_raising_unit_by_unit
    try:
        yield
    finally:
        mes_rules.keep_raising = original


@st.composite
def elections(draw: st.DrawFn) -> dict[str, object]:
    count = draw(st.integers(1, 8))
    pool = draw(st.lists(st.integers(0, 300), min_size=1, max_size=4))  # few costs: many exact ties
    cents = draw(st.booleans())
    costs = [Decimal(draw(st.sampled_from(pool))) / (100 if cents else 1) for _ in range(count)]
    voters = draw(st.integers(0, 12))
    ballots = [draw(st.lists(st.integers(0, count - 1), unique=True, max_size=count)) for _ in range(voters)]
    approvals = Ballots.from_lists(ballots, count).approvals().tolist()
    projects = [Project(f"p{j}", costs[j], approvals[j], filed_order=j) for j in range(count)]
    budget = Decimal(draw(st.integers(0, int(sum(costs)) + 50)))
    return {
        "projects": projects,
        "envelope": budget,
        "ballots": Ballots.from_lists(ballots, count),
        "threshold": draw(st.sampled_from([0, 0, 1, 2])),
        "utility": draw(st.sampled_from(["cost", "card"])),
        "tie_break": draw(st.sampled_from(["id", "edition"])),
    }


def both(election: dict[str, object]) -> tuple[Outcome, Outcome]:
    fast = allocate(rule="mes", **election)  # type: ignore[arg-type]
    with unit_by_unit():
        defined = allocate(rule="mes", **election)  # type: ignore[arg-type]
    return fast, defined


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elections())
def test_the_fast_loop_gives_what_the_definition_gives(election: dict[str, object]) -> None:
    fast, defined = both(election)
    assert fast == defined  # funded projects, amounts, every explanation, the notes (share kept)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elections(), st.integers(0, 60), st.integers(1, 60))
def test_a_certificate_holds_at_every_share_it_covers(election: dict[str, object], start: int,
                                                      length: int) -> None:
    projects, ballots = election["projects"], election["ballots"]
    assert isinstance(ballots, Ballots) and isinstance(projects, list)
    if not ballots.num_voters:
        return
    context = build_context(projects, election["envelope"], election["threshold"], None, None,  # type: ignore[arg-type]
                            election["tie_break"], "EUR")  # type: ignore[arg-type]
    index = SupportIndex.build(ballots)
    cardinal = election["utility"] == "card"
    unit = context.money.unit
    base = add1.run_at(context, index, Fraction(start * unit), cardinal)
    end = Fraction((start + length) * unit)
    proof = certify(index, context.granted, add1.candidates_of(context), base, end, cardinal=cardinal,
                    tie_rank=context.tie_rank)
    event("proved" if proof is not None else "not proved")
    if proof is None:
        return
    for share in range(start + 1, start + length + 1):
        assert add1.run_at(context, index, Fraction(share * unit), cardinal).selected == base.selected
    assert proof.selected == base.selected


@pytest.mark.parametrize(
    "name",
    ["Poland_Swiecie_2023", "Netherlands_Assen_2024", "Poland_Lodz_2023_Chojny", "Netherlands_Amsterdam_166"],
)
def test_the_fast_loop_gives_what_the_definition_gives_on_real_elections(name: str) -> None:
    election = read_pb(DATA / f"{name}.pb")
    fast, defined = both({
        "projects": election.allocation_projects(), "envelope": election.budget, "ballots": election.ballots,
        "tie_break": "id", "currency": election.currency,
    })
    assert fast == defined


def test_a_share_raised_millions_of_units_takes_a_few_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    # 2 voters, 500 each of 1,000: B (100, v1) is bought. A (10,000,000, both) is within reach only at
    # 5,000,000 each, where it is bought (rho 1/2 beats B's 1) and overspends: the definition would run
    # equal shares 4,999,499 times and keep 4,999,999. The fast loop proves the long stretches instead.
    runs: list[object] = []
    original_run, original_certify = add1.run_at, add1.certify
    monkeypatch.setattr(add1, "run_at", lambda *args: runs.append(args) or original_run(*args))
    monkeypatch.setattr(add1, "certify",
                        lambda *args, **kw: runs.append(args) or original_certify(*args, **kw))
    projects = [Project("A", 10_000_000, 2), Project("B", 100, 1)]
    outcome = allocate(projects, 1000, rule="mes", ballots=Ballots.from_lists([[0, 1], [0]], 2))
    assert outcome.selected == ("B",)
    assert any("portée à 4\u202f999\u202f999" in note for note in outcome.notes)
    assert len(runs) < 150


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elections(), st.sampled_from([1, 2, 3, 7]), st.sampled_from([1, 2, 3]))
def test_the_fast_loop_gives_what_the_definition_gives_whatever_its_batches(
        election: dict[str, object], batch: int, busy: int) -> None:
    # Small batches: many switches between side-by-side batches, plain runs and proofs over long jumps.
    original = add1.BATCH, add1.BUSY
    add1.BATCH, add1.BUSY = batch, busy
    try:
        fast, defined = both(election)
    finally:
        add1.BATCH, add1.BUSY = original
    assert fast == defined
