"""The rules side by side on the same ballots (pure): what each would fund, where the money would go, and
how many voters would see at least one of their choices funded. The ESS service reads it before choosing
an edition's rule; each column is exactly what `allocate` gives under that rule."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from budgetcitoyen.allocation.rules import allocate
from budgetcitoyen.allocation.values import AllocationRule, Ballots, Outcome, Project

Amount = Decimal | int | str


@dataclass(frozen=True)
class RuleComparison:
    """One rule's outcome and the figures the comparison shows."""

    rule: AllocationRule
    outcome: Outcome
    by_territory: dict[str, Decimal]
    by_category: dict[str, Decimal]
    satisfied_voters: int
    voters: int
    notes: tuple[str, ...] = field(default=())

    @property
    def funded(self) -> frozenset[str]:
        return frozenset(self.outcome.selected)

    @property
    def satisfied_share(self) -> float:
        """Share of the voters with at least one funded choice (0 when nobody voted)."""
        return self.satisfied_voters / self.voters if self.voters else 0.0


NO_TERRITORY = "—"


def satisfied_voters(ballots: Ballots, funded_positions: Sequence[int]) -> int:
    """How many ballots approve at least one funded project (vectorised over the sparse rows)."""
    funded = np.zeros(ballots.num_projects, dtype=np.int64)
    funded[list(funded_positions)] = 1
    hits = np.concatenate(([0], np.cumsum(funded[ballots.indices])))
    per_ballot = hits[ballots.indptr[1:]] - hits[ballots.indptr[:-1]]
    return int(np.count_nonzero(per_ballot))


def _money_by(projects: Sequence[Project], outcome: Outcome, key: str) -> dict[str, Decimal]:
    by_id = {p.id: p for p in projects}
    totals: dict[str, Decimal] = {}
    for project_id, granted in outcome.granted.items():
        name = getattr(by_id[project_id], key) or NO_TERRITORY
        totals[name] = totals.get(name, Decimal(0)) + granted
    return dict(sorted(totals.items()))


def compare_rules(projects: Sequence[Project], ballots: Ballots, envelope: Amount, *,
                  rules: Sequence[AllocationRule] = tuple(AllocationRule), threshold: int = 0,
                  ceilings: Mapping[str, Amount] | None = None,
                  sub_envelopes: Mapping[str, Amount] | None = None, utility: str = "cost",
                  tie_break: str = "edition", currency: str = "EUR") -> list[RuleComparison]:
    """Run every rule on the same projects and ballots. Sub-envelopes only exist for the greedy rules:
    the equal-shares columns run without them, and say so."""
    position = {p.id: n for n, p in enumerate(projects)}
    voters = ballots.num_voters
    comparisons = []
    for rule in rules:
        notes: tuple[str, ...] = ()
        rule_sub_envelopes = sub_envelopes
        if sub_envelopes and rule not in (AllocationRule.GREEDY, AllocationRule.TERRITORIAL):
            rule_sub_envelopes = None
            notes = ("Calculée sans les sous-enveloppes, qui ne s'appliquent qu'aux règles par ordre des "
                     "votes.",)
        outcome = allocate(projects, envelope, rule=rule.value, ballots=ballots, threshold=threshold,
                           ceilings=ceilings, sub_envelopes=rule_sub_envelopes, utility=utility,
                           tie_break=tie_break, currency=currency)
        comparisons.append(RuleComparison(
            rule=rule,
            outcome=outcome,
            by_territory=_money_by(projects, outcome, "territory"),
            by_category=_money_by(projects, outcome, "category"),
            satisfied_voters=satisfied_voters(ballots, [position[p] for p in outcome.selected]),
            voters=voters,
            notes=notes + tuple(outcome.notes),
        ))
    return comparisons
