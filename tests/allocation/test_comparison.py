"""The rules side by side: each column is exactly `allocate`'s outcome, and the figures are right."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from budgetcitoyen.allocation import AllocationRule, Ballots, Project, allocate
from budgetcitoyen.allocation.comparison import compare_rules, satisfied_voters
from budgetcitoyen.allocation.pabulib import read_pb

DATA = Path(__file__).parent / "data"


def _satisfied_by_hand(ballots: list[list[int]], funded: set[int]) -> int:
    return sum(1 for ballot in ballots if funded & set(ballot))


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_each_column_is_the_engines_outcome(data: st.DataObject) -> None:
    count = data.draw(st.integers(1, 8))
    costs = data.draw(st.lists(st.integers(1, 60), min_size=count, max_size=count))
    lists = data.draw(st.lists(st.lists(st.integers(0, count - 1), unique=True, max_size=count), max_size=25))
    territories = [data.draw(st.sampled_from(["arrageois", "calaisis", None])) for _ in range(count)]
    ballots = Ballots.from_lists(lists, count)
    votes = ballots.approvals()
    projects = [Project(id=f"p{j}", cost=Decimal(costs[j] * 100), votes=int(votes[j]),
                        territory=territories[j], filed_order=j) for j in range(count)]
    envelope = Decimal(data.draw(st.integers(100, 20_000)))
    comparisons = compare_rules(projects, ballots, envelope)
    assert [c.rule for c in comparisons] == list(AllocationRule)
    for comparison in comparisons:
        expected = allocate(projects, envelope, rule=comparison.rule.value, ballots=ballots)
        assert comparison.outcome == expected
        funded = {int(pid[1:]) for pid in expected.selected}
        assert comparison.satisfied_voters == _satisfied_by_hand(lists, funded)
        assert comparison.voters == len(lists)
        assert sum(comparison.by_territory.values(), Decimal(0)) == expected.spent


def test_on_a_real_election_the_columns_match_the_engine() -> None:
    election = read_pb(DATA / "Poland_Swiecie_2023.pb")
    projects = election.allocation_projects()
    comparisons = compare_rules(projects, election.ballots, election.budget, tie_break="id")
    by_rule = {c.rule: c for c in comparisons}
    for rule, comparison in by_rule.items():
        assert comparison.outcome == allocate(projects, election.budget, rule=rule.value,
                                              ballots=election.ballots, tie_break="id")
        assert 0 < comparison.satisfied_voters <= comparison.voters == election.ballots.num_voters
    # The completed equal shares fund at least what the raw method funds.
    assert by_rule[AllocationRule.MES].funded >= by_rule[AllocationRule.MES_RAW].funded


def test_equal_shares_columns_run_without_sub_envelopes_and_say_so() -> None:
    projects = [Project(id="a", cost=Decimal(500), votes=2, category="culture"),
                Project(id="b", cost=Decimal(400), votes=1, category="sport")]
    ballots = Ballots.from_lists([[0], [0, 1]], 2)
    comparisons = compare_rules(projects, ballots, Decimal(1000), sub_envelopes={"culture": Decimal(300)})
    notes = {c.rule: c.notes for c in comparisons}
    assert not any("sous-enveloppes" in n for n in notes[AllocationRule.GREEDY])
    assert any("sous-enveloppes" in n for n in notes[AllocationRule.MES])
    greedy = next(c for c in comparisons if c.rule == AllocationRule.GREEDY)
    assert greedy.by_category.get("culture", Decimal(0)) <= Decimal(300)


@pytest.mark.parametrize("funded, expected", [([], 0), ([0], 2), ([1], 1), ([0, 1], 2), ([2], 0)])
def test_satisfied_voters_counts_ballots_with_a_funded_choice(funded: list[int], expected: int) -> None:
    ballots = Ballots(np.array([0, 1, 3, 3]), np.array([0, 0, 1]), 3)  # third ballot empty
    assert satisfied_voters(ballots, funded) == expected


@pytest.mark.parametrize("name", ["Poland_Swiecie_2023.pb", "Netherlands_Assen_2024.pb",
                                  "Poland_Lodz_2023_Chojny.pb"])
def test_a_project_equal_shares_left_out_is_explained_by_its_supporters_money(name: str) -> None:
    """For the Method of Equal Shares, an unfunded project's page says what its supporters still held at
    the end, and that is always less than its cost (else the method would have bought it)."""
    election = read_pb(DATA / name)
    projects = election.allocation_projects()
    for rule in ("mes", "mes-raw"):
        outcome = allocate(projects, election.budget, rule=rule, ballots=election.ballots, tie_break="id")
        explained = 0
        for decision in outcome.decisions:
            if decision.funded or "ses soutiens ne disposaient plus que de" not in decision.explanation:
                continue
            explained += 1
            held = re.search(r"ne disposaient plus que de ([\d\s]+(?:,\d+)?)", decision.explanation)
            amount = Decimal(re.sub(r"\s", "", held.group(1)).replace(",", "."))
            assert amount < decision.asked, (rule, decision.project_id, decision.explanation)
        unfunded_supported = [d for d in outcome.decisions if not d.funded and d.votes > 0]
        assert explained == len(unfunded_supported), (rule, name)
