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

`certify` tells, from a run at one share and a run at a larger one, whether every share in between buys
the same projects in the same order (see its docstring): the "Add1" completion (`add1`) uses it to skip
the units of share where the outcome cannot change.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from budgetcitoyen.allocation.budget_classes import NEAR, Evaluation, Run, SupportIndex

__all__ = ["EqualSharesResult", "SupportIndex", "certify", "equal_shares"]


class EqualSharesResult:
    """Projects bought, in order, and the level of each purchase (the most one supporter paid, float, for
    explanations); the run's budgets at the end and each purchase as it was evaluated, for `leftover`
    and for `certify`. (A plain class, not a dataclass: see records.py.)"""

    __slots__ = ("chosen", "levels", "run", "selected")

    def __init__(self, selected: tuple[int, ...], levels: tuple[float, ...], run: Run,
                 chosen: tuple[Evaluation, ...]) -> None:
        self.selected = selected
        self.levels = levels
        self.run = run
        self.chosen = chosen

    def leftover(self) -> np.ndarray:
        """For every project, the money its supporters still hold at the end."""
        return self.run.leftover()


def _start(index: SupportIndex, costs: Sequence[int], candidates: Sequence[int], share: Fraction,
           cardinal: bool) -> tuple[Run, list[int], np.ndarray]:
    """A run at this share, the projects in play and a lower bound of each one's rho.

    First round, for all projects at once: every supporter holds the share, so rho is at least the cost
    shared equally (divided by the utility). Only certainly unaffordable projects are dropped here.
    """
    run = Run(index, costs, share, cardinal)
    support = np.diff(index.ptr).astype(np.float64)
    cost_array = np.array(costs, dtype=np.float64)
    utility = np.ones(len(costs)) if cardinal else np.maximum(cost_array, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower_bound = cost_array / support / utility * (1 - NEAR)
    affordable = float(share) * support >= cost_array * (1 - NEAR)
    active = [j for j in candidates if costs[j] > 0 and index.support(j) > 0 and affordable[j]]
    return run, active, lower_bound


def _by_lower_bound(active: list[int], lower_bound: np.ndarray) -> list[int]:
    in_play = np.array(active, dtype=np.int64)
    return in_play[lower_bound[in_play].argsort(kind="stable")].tolist()


def equal_shares(index: SupportIndex, costs: Sequence[int], candidates: Sequence[int], share: Fraction, *,
                 cardinal: bool, tie_rank: Sequence[int]) -> EqualSharesResult:
    """Run the Method of Equal Shares (no completion) and return what it buys.

    `costs` are integers (money in the caller's smallest unit), `share` each voter's budget in the same
    unit, `candidates` the positions allowed to be bought (those without supporters or with a zero cost
    are ignored), and `tie_rank` orders exact ties of rho: the lower rank wins.
    """
    run, active, lower_bound = _start(index, costs, candidates, share, cardinal)
    chosen_ones: list[Evaluation] = []
    while active:
        best_high = float("inf")
        evaluated: list[Evaluation] = []
        dropped: set[int] = set()
        for project in _by_lower_bound(active, lower_bound):
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
        chosen_ones.append(chosen)
        active.remove(chosen.project)
    return EqualSharesResult(tuple(e.project for e in chosen_ones), tuple(e.level for e in chosen_ones), run,
                             tuple(chosen_ones))


def certify(index: SupportIndex, costs: Sequence[int], candidates: Sequence[int], base: EqualSharesResult,
            share: Fraction, *, cardinal: bool, tie_rank: Sequence[int]) -> EqualSharesResult | None:
    """The run at `share` if equal shares certainly buys what `base` bought, in the same order, at every
    share from `base`'s up to this one; None when that is not certain (then nothing is known).

    Why it holds. Take two shares s < t and suppose the purchases are the same up to some round. Then at
    t every voter holds at least as much as at s: a purchase's level is lower when its supporters hold
    more, and a supporter keeps max(budget - level, 0). So at any share between s and t, each project's
    rho lies between its rho at s and at t, and is lowest at t; and a project unaffordable at t is
    unaffordable at s too. Hence if, round after round at t, no other project gets below the rho that
    `base`'s purchase had at s (equal only when it loses the tie), and after the last purchase nothing
    is affordable at t, no share in between can decide a round otherwise: by induction on the rounds,
    they all buy the same projects. The rho of other projects at t are bounded as the run itself does
    (lower bounds that only grow, floats with error bounds, exact fractions when too close to call).
    """
    run, active, lower_bound = _start(index, costs, candidates, share, cardinal)
    chosen_ones: list[Evaluation] = []
    for reference in base.chosen:
        target = reference.project
        if target not in active:
            return None
        dropped: set[int] = set()
        for project in _by_lower_bound(active, lower_bound):
            if lower_bound[project] > reference.high:
                break  # this one, and every one after it, is certainly dearer at t than the purchase at s
            if project == target:
                continue
            evaluation = run.evaluate(project)
            if evaluation is None:
                dropped.add(project)  # unaffordable at t, so at every smaller share, now and later
                continue
            lower_bound[project] = evaluation.low
            if evaluation.low > reference.high:
                continue
            if evaluation.high < reference.low:
                return None
            mine, theirs = run.exact_rho(evaluation), base.run.exact_rho(reference)
            if mine < theirs or (mine == theirs and tie_rank[project] < tie_rank[target]):
                return None
        bought = run.evaluate(target)
        if bought is None:
            return None  # cannot happen (budgets are larger at t): no certificate rather than a wrong one
        run.pay(bought)
        chosen_ones.append(bought)
        active = [j for j in active if j != target and j not in dropped]
    if any(run.evaluate(project) is not None for project in active):
        return None
    return EqualSharesResult(tuple(e.project for e in chosen_ones), tuple(e.level for e in chosen_ones), run,
                             tuple(chosen_ones))
