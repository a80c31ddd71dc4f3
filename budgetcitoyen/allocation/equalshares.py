"""The Method of Equal Shares on approval ballots: fast (numpy floats) and exact where it decides.

Each voter starts with the same share of the budget. In every round, for each project still in play,
we look for the smallest level ``p`` such that its supporters, each paying ``min(budget, p)``, gather
its cost; the project with the smallest ``rho`` is bought (``rho = p / cost`` with cost utilities, as
pabutools' ``Cost_Sat``; ``rho = p`` with cardinality utilities, ``Cardinality_Sat``), its supporters
pay, and the next round starts. It stops when no project can be paid for by its supporters.

How it stays fast and exact
---------------------------
* A voter's budget depends only on what they paid so far, so voters are grouped in *classes* of equal
  history: a round moves each class present among the buyer's supporters to a new class (or to the
  shared empty class). The per-voter work is a numpy gather and ``bincount`` over a project's
  supporters; everything else is per class.
* Budgets are floats, each class carrying a bound on its accumulated rounding error, so a project's
  rho is an interval. When the intervals of several projects may reach the round's minimum, or when
  affordability is too close to call, the decision is taken exactly (``Fraction``), ties going to the
  lower tie-break rank. The exact budgets needed are rebuilt from the recorded rounds they depend on,
  and only those; when the floats already tell for sure which supporters pay their whole budget, the
  exact level needs only their budgets (often none: it is then cost / supporters). Exact ties are
  common (two projects with the same number of untouched supporters have the same rho) and are
  therefore always decided exactly, never by float noise.
* Budgets only decrease, so a project's rho only increases: its last lower bound stays valid and, as
  in pabutools, a round stops evaluating once the lower bounds exceed the best rho found.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from budgetcitoyen.allocation.budget_classes import NEAR, Evaluation, Run, SupportIndex

__all__ = ["EqualSharesResult", "SupportIndex", "equal_shares"]


@dataclass(frozen=True, eq=False)
class EqualSharesResult:
    """Projects bought, in order; the level of each purchase (the most one supporter paid, float, for
    explanations); and for every project the money its supporters still hold at the end."""

    selected: tuple[int, ...]
    levels: tuple[float, ...]
    leftover: np.ndarray



def equal_shares(index: SupportIndex, costs: Sequence[int], candidates: Sequence[int], share: Fraction, *,
                 cardinal: bool, tie_rank: Sequence[int]) -> EqualSharesResult:
    """Run the Method of Equal Shares (no completion) and return what it buys.

    `costs` are integers (money in the caller's smallest unit), `share` each voter's budget in the same
    unit, `candidates` the positions allowed to be bought (those without supporters or with a zero cost
    are ignored), and `tie_rank` orders exact ties of rho: the lower rank wins.
    """
    run = Run(index, costs, share, cardinal)
    active = [j for j in candidates if costs[j] > 0 and index.support(j) > 0]
    # First round, for all projects at once: every supporter holds the share, so rho is the cost
    # shared equally (divided by the utility). Only certainly unaffordable projects are dropped here.
    support = np.diff(index.ptr).astype(np.float64)
    cost_array = np.array(costs, dtype=np.float64)
    utility = np.ones(len(costs)) if cardinal else np.maximum(cost_array, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower_bound = cost_array / support / utility * (1 - NEAR)
    affordable = float(share) * support >= cost_array * (1 - NEAR)
    active = [j for j in active if affordable[j]]
    selected: list[int] = []
    levels: list[float] = []
    while active:
        in_play = np.array(active, dtype=np.int64)
        order = in_play[np.argsort(lower_bound[in_play], kind="stable")].tolist()
        best_high = float("inf")
        evaluated: list[Evaluation] = []
        dropped: set[int] = set()
        for project in order:
            if lower_bound[project] > best_high:
                break
            evaluation = run.evaluate(project)
            if evaluation is None:
                dropped.add(project)  # budgets only shrink: it will never be affordable again
                continue
            lower_bound[project] = evaluation.low
            best_high = min(best_high, evaluation.high)
            evaluated.append(evaluation)
        if dropped:
            active = [j for j in active if j not in dropped]
        contenders = [e for e in evaluated if e.low <= best_high]
        if not contenders:
            break
        if len(contenders) == 1:
            chosen = contenders[0]
        else:
            chosen = min(contenders, key=lambda e: (run.exact_rho(e), tie_rank[e.project]))
        run.pay(chosen)
        selected.append(chosen.project)
        levels.append(chosen.level)
        active.remove(chosen.project)
    return EqualSharesResult(tuple(selected), tuple(levels), run.leftover())
