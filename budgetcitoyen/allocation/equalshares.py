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

from budgetcitoyen.allocation.model import Ballots

EPS = float(np.finfo(np.float64).eps)
# Decisions are re-taken exactly when floats are this close (relative), or within this many times the
# estimated rounding error: both far above float noise, far below any real difference.
NEAR = 1e-9
SAFETY = 1e3


@dataclass(frozen=True, eq=False)
class SupportIndex:
    """Supporters of each project (the transpose of the ballots), built once and shared by all runs."""

    num_voters: int
    ptr: np.ndarray  # supporters of project j: voters[ptr[j]:ptr[j + 1]]
    voters: np.ndarray
    project_of_entry: np.ndarray

    @classmethod
    def build(cls, ballots: Ballots) -> SupportIndex:
        counts = np.diff(ballots.indptr)
        voter_of_entry = np.repeat(np.arange(ballots.num_voters, dtype=np.int32), counts)
        keys = ballots.indices
        if ballots.num_projects <= np.iinfo(np.int16).max:
            # numpy's stable sort of 16-bit keys is a radix sort: linear in the number of approvals.
            keys = keys.astype(np.int16)
        order = np.argsort(keys, kind="stable")
        per_project = np.bincount(ballots.indices, minlength=ballots.num_projects)
        ptr = np.zeros(ballots.num_projects + 1, dtype=np.int64)
        np.cumsum(per_project, out=ptr[1:])
        return cls(ballots.num_voters, ptr, voter_of_entry[order],
                   np.repeat(np.arange(ballots.num_projects, dtype=np.int32), per_project))

    @property
    def num_projects(self) -> int:
        return len(self.ptr) - 1

    def supporters(self, project: int) -> np.ndarray:
        return self.voters[self.ptr[project]:self.ptr[project + 1]]

    def support(self, project: int) -> int:
        return int(self.ptr[project + 1] - self.ptr[project])


@dataclass(frozen=True, eq=False)
class EqualSharesResult:
    """Projects bought, in order; the level of each purchase (the most one supporter paid, float, for
    explanations); and for every project the money its supporters still hold at the end."""

    selected: tuple[int, ...]
    levels: tuple[float, ...]
    leftover: np.ndarray


@dataclass(eq=False)
class _Evaluation:
    project: int
    classes: np.ndarray  # classes present among the supporters
    counts: np.ndarray  # number of supporters in each of those classes
    level: float = 0.0
    level_error: float = 0.0  # estimated rounding error of `level`, propagated to the new budgets
    low: float = 0.0  # rho certainly >= low
    high: float = 0.0  # rho certainly <= high
    exact_level: Fraction | None = None
    # The floats it was computed from, their order and how many classes (in that order) pay in full.
    budgets: np.ndarray | None = None
    errors: np.ndarray | None = None
    order: np.ndarray | None = None
    position: int = 0


@dataclass(eq=False)
class _Round:
    """What a round did, kept so that exact budgets can be rebuilt if a later near-tie needs them."""

    project: int
    classes: np.ndarray
    children: np.ndarray
    counts: np.ndarray
    exact_level: Fraction | None


class _Run:
    """One run at a given share: voters grouped in classes, class budgets as floats with error bounds,
    exact budgets filled in on demand."""

    def __init__(self, index: SupportIndex, costs: Sequence[int], share: Fraction, cardinal: bool) -> None:
        self.index = index
        self.costs = costs
        self.cardinal = cardinal
        self.share = Fraction(share)
        self.voter_class = np.zeros(index.num_voters, dtype=np.int32)
        self.size = 1
        self.floats = np.empty(256, dtype=np.float64)
        self.errors = np.empty(256, dtype=np.float64)
        self.floats[0] = float(self.share)
        self.errors[0] = EPS * self.floats[0]
        self.exact: list[Fraction | None] = [self.share]
        # Where each class comes from: its parent class and the round that created it (-1 for the
        # first class and the empty class, whose exact budgets are known from the start).
        self.parent = np.full(256, -1, dtype=np.int32)
        self.created = np.full(256, -1, dtype=np.int32)
        self.empty_class: int | None = None
        self.rounds: list[_Round] = []

    # -- classes ------------------------------------------------------------------------------
    def _grow(self, extra: int) -> None:
        needed = self.size + extra
        if needed > len(self.floats):
            capacity = max(needed, 2 * len(self.floats))
            self.floats = np.resize(self.floats, capacity)
            self.errors = np.resize(self.errors, capacity)
            self.parent = np.resize(self.parent, capacity)
            self.created = np.resize(self.created, capacity)

    def _empty(self) -> int:
        if self.empty_class is None:
            self._grow(1)
            self.empty_class = self.size
            self.floats[self.size] = 0.0
            self.errors[self.size] = 0.0
            self.parent[self.size] = self.created[self.size] = -1
            self.exact.append(Fraction(0))
            self.size += 1
        return self.empty_class

    def _histogram(self, project: int) -> tuple[np.ndarray, np.ndarray]:
        supporters = self.index.supporters(project)
        if self.size == 1:
            return np.zeros(1, dtype=np.intp), np.array([len(supporters)], dtype=np.int64)
        counts = np.bincount(self.voter_class[supporters], minlength=self.size)
        classes = np.flatnonzero(counts)
        return classes, counts[classes]

    def _utility(self, project: int) -> int:
        return 1 if self.cardinal else self.costs[project]

    # -- evaluation ---------------------------------------------------------------------------
    def evaluate(self, project: int) -> _Evaluation | None:
        """rho of a project as a certain interval, or None if its supporters certainly cannot pay."""
        cost = self.costs[project]
        classes, counts = self._histogram(project)
        evaluation = _Evaluation(project, classes, counts)
        budgets = self.floats[classes]
        errors = self.errors[classes]
        total = float(counts @ budgets)
        counted_error = float(counts @ errors)
        margin = NEAR * cost + SAFETY * (counted_error + (len(classes) + 1) * EPS * total)
        if total < cost - margin:
            return None
        if total <= cost + margin:
            # Too close to call in floats: decide affordability (and rho) exactly.
            level = self.exact_level(evaluation)
            return None if level is None else self._exact_interval(evaluation, level)
        if len(classes) == 1:
            order = np.zeros(1, dtype=np.intp)
            level, rich, poor_paid, position = cost / float(counts[0]), float(counts[0]), 0.0, 0
        else:
            order = np.argsort(budgets, kind="stable")
            sorted_budgets, sorted_counts = budgets[order], counts[order]
            sorted_paid = sorted_counts * sorted_budgets
            poor_paids = np.cumsum(sorted_paid) - sorted_paid  # paid in full by the classes before
            rich_counts = np.cumsum(sorted_counts[::-1])[::-1]  # supporters from this class on
            levels = (cost - poor_paids) / rich_counts
            position = int(np.argmax(levels <= sorted_budgets))  # the first class able to pay the level
            if not levels[position] <= sorted_budgets[position]:
                position = len(levels) - 1  # rounding at the very edge of affordability
            level, rich, poor_paid = float(levels[position]), float(rich_counts[position]), \
                float(poor_paids[position])
        evaluation.level = level
        evaluation.level_error = (counted_error + (len(classes) + 2) * EPS * (cost + poor_paid)) / rich \
            + 2 * EPS * level
        utility = self._utility(project)
        spread = (NEAR * level + SAFETY * evaluation.level_error) / utility
        rho = level / utility
        evaluation.low, evaluation.high = rho - spread, rho + spread
        evaluation.budgets, evaluation.errors, evaluation.order, evaluation.position = budgets, errors, order, position
        return evaluation

    def _clear_poor(self, evaluation: _Evaluation) -> tuple[list[int], list[int], int] | None:
        """When the floats tell for sure which classes pay their whole budget: those classes, their
        sizes, and how many supporters pay the level. The exact level then needs only their exact
        budgets (often none: it is cost / supporters), not the whole history."""
        if evaluation.budgets is None or evaluation.errors is None or evaluation.order is None:
            return None
        order, position = evaluation.order, evaluation.position
        budgets, errors = evaluation.budgets[order], evaluation.errors[order]
        margin = NEAR * evaluation.level + SAFETY * evaluation.level_error
        if (budgets[position:] - SAFETY * errors[position:]).min() <= evaluation.level + margin:
            return None
        if position and (budgets[:position] + SAFETY * errors[:position]).max() >= evaluation.level - margin:
            return None
        poor = order[:position]
        poor_counts = evaluation.counts[poor]
        return (evaluation.classes[poor].tolist(), poor_counts.tolist(),
                int(evaluation.counts.sum() - poor_counts.sum()))

    def _exact_interval(self, evaluation: _Evaluation, level: Fraction) -> _Evaluation:
        evaluation.exact_level = level
        evaluation.level = float(level)
        evaluation.level_error = EPS * evaluation.level
        rho = float(level / self._utility(evaluation.project))
        evaluation.low, evaluation.high = rho * (1 - 4 * EPS), rho * (1 + 4 * EPS)
        return evaluation

    def exact_level(self, evaluation: _Evaluation) -> Fraction | None:
        """The smallest p with sum(min(budget, p)) = cost over the supporters, exactly; None if unaffordable."""
        if evaluation.exact_level is None:
            cost = self.costs[evaluation.project]
            clear = self._clear_poor(evaluation)
            if clear is not None:
                poor, poor_counts, rich = clear
                self._make_exact(poor)
                paid = sum((n * self.exact[k] for n, k in zip(poor_counts, poor, strict=True)),
                           Fraction(0))  # type: ignore[operator]
                evaluation.exact_level = (cost - paid) / rich
            else:
                self._make_exact(evaluation.classes.tolist())
                evaluation.exact_level = self._solve(evaluation.classes, evaluation.counts, cost)
        return evaluation.exact_level

    def exact_rho(self, evaluation: _Evaluation) -> Fraction:
        level = self.exact_level(evaluation)
        if level is None:
            raise RuntimeError("equal shares: a contender turned out unaffordable")
        return level / self._utility(evaluation.project)

    def _solve(self, classes: np.ndarray, counts: np.ndarray, cost: int) -> Fraction | None:
        """Exact level over classes whose exact budgets are known (their floats are then correctly
        rounded, so sorting the floats sorts the budgets, except among equal floats)."""
        budgets = [self.exact[k] for k in classes.tolist()]
        floats = self.floats[classes]
        order = np.argsort(floats, kind="stable")
        if len(order) > 1 and bool((np.diff(floats[order]) == 0).any()):
            # Tuples compare the floats first: Fractions are compared only where floats are equal.
            order = np.array(sorted(range(len(budgets)), key=lambda i: (floats[i], budgets[i])))
        numbers = counts.tolist()
        poor = Fraction(0)
        rich = sum(numbers)
        for i in order.tolist():
            budget = budgets[i]
            assert budget is not None
            level = (cost - poor) / rich
            if level <= budget:
                return level
            poor += numbers[i] * budget
            rich -= numbers[i]
        return None

    def _set_exact(self, k: int, budget: Fraction) -> None:
        self.exact[k] = budget
        self.floats[k] = float(budget)  # int/int division: correctly rounded
        self.errors[k] = EPS * self.floats[k]

    def _make_exact(self, wanted: list[int]) -> None:
        """Exact budgets of these classes, replaying exactly only the rounds they depend on."""
        needed: set[int] = set()
        seen: set[int] = set()
        stack = [k for k in wanted if self.exact[k] is None]
        while stack:
            k = stack.pop()
            if k in seen or self.exact[k] is not None:
                continue
            seen.add(k)
            parent, created = int(self.parent[k]), int(self.created[k])
            stack.append(parent)
            if created not in needed:
                needed.add(created)
                stack.extend(self.rounds[created].classes.tolist())
        # In round order, each round's classes come from earlier rounds: they are exact by then.
        for created in sorted(needed):
            record = self.rounds[created]
            level = record.exact_level
            if level is None:
                level = self._solve(record.classes, record.counts, self.costs[record.project])
                if level is None:
                    raise RuntimeError("equal shares: a bought project turned out unaffordable")
                record.exact_level = level
            for parent, child in zip(record.classes.tolist(), record.children.tolist(), strict=True):
                budget = self.exact[parent]
                assert budget is not None
                if child == self.empty_class:
                    if budget > level:
                        raise RuntimeError("equal shares: float error bound violated")
                elif self.exact[child] is None:
                    self._set_exact(child, max(budget - level, Fraction(0)))

    # -- paying -------------------------------------------------------------------------------
    def pay(self, evaluation: _Evaluation) -> None:
        """The supporters pay min(budget, level): each class present moves to a new class, or to the
        empty class when it certainly could not pay the level."""
        classes = evaluation.classes
        level, level_error = evaluation.level, evaluation.level_error
        budgets, errors = self.floats[classes], self.errors[classes]
        margin = NEAR * level + SAFETY * level_error
        certainly_poor = budgets + SAFETY * errors < level - margin
        children = np.empty(len(classes), dtype=np.int32)
        if certainly_poor.any():
            children[certainly_poor] = self._empty()
        others = np.flatnonzero(~certainly_poor)
        self._grow(len(others))
        new_ids = np.arange(self.size, self.size + len(others), dtype=np.int32)
        children[others] = new_ids
        self.floats[new_ids] = np.maximum(budgets[others] - level, 0.0)
        self.errors[new_ids] = errors[others] + level_error + EPS * self.floats[0]
        self.size += len(others)
        self.exact.extend([None] * len(others))
        round_number = len(self.rounds)
        self.parent[new_ids] = classes[others]
        self.created[new_ids] = round_number
        remap = np.arange(self.size, dtype=np.int32)
        remap[classes] = children
        supporters = self.index.supporters(evaluation.project)
        self.voter_class[supporters] = remap[self.voter_class[supporters]]
        self.rounds.append(_Round(evaluation.project, classes, children, evaluation.counts,
                                  evaluation.exact_level))

    def leftover(self) -> np.ndarray:
        money = self.floats[:self.size][self.voter_class][self.index.voters]
        return np.bincount(self.index.project_of_entry, weights=money, minlength=len(self.costs))


def equal_shares(index: SupportIndex, costs: Sequence[int], candidates: Sequence[int], share: Fraction, *,
                 cardinal: bool, tie_rank: Sequence[int]) -> EqualSharesResult:
    """Run the Method of Equal Shares (no completion) and return what it buys.

    `costs` are integers (money in the caller's smallest unit), `share` each voter's budget in the same
    unit, `candidates` the positions allowed to be bought (those without supporters or with a zero cost
    are ignored), and `tie_rank` orders exact ties of rho: the lower rank wins.
    """
    run = _Run(index, costs, share, cardinal)
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
        evaluated: list[_Evaluation] = []
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
