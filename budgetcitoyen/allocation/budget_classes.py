"""Voters' budgets during one run of the Method of Equal Shares, grouped in classes of equal history:
floats with a bound on their rounding error, exact fractions rebuilt on demand (see `equalshares`)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from budgetcitoyen.allocation.values import Ballots

EPS = float(np.finfo(np.float64).eps)
# Decisions are re-taken exactly when floats are this close (relative), or within this many times the
# estimated rounding error: both far above float noise, far below any real difference.
NEAR = 1e-9
SAFETY = 1e3


# The classes here are plain (no dataclasses): see records.py for what that saves `allocate` at start.

class SupportIndex:
    """Supporters of each project (the transpose of the ballots), built once and shared by all runs."""

    __slots__ = ("num_voters", "project_of_entry", "ptr", "voters")

    def __init__(self, num_voters: int, ptr: np.ndarray, voters: np.ndarray, project_of_entry: np.ndarray
                 ) -> None:
        self.num_voters = num_voters
        self.ptr = ptr  # supporters of project j: voters[ptr[j]:ptr[j + 1]]
        self.voters = voters
        self.project_of_entry = project_of_entry

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



class Evaluation:
    __slots__ = ("budgets", "classes", "counts", "errors", "exact_level", "high", "level", "level_error",
                 "low", "order", "position", "project")

    def __init__(self, project: int, classes: np.ndarray, counts: np.ndarray) -> None:
        self.project = project
        self.classes = classes  # classes present among the supporters
        self.counts = counts  # number of supporters in each of those classes
        self.level = 0.0
        self.level_error = 0.0  # estimated rounding error of `level`, propagated to the new budgets
        self.low = 0.0  # rho certainly >= low
        self.high = 0.0  # rho certainly <= high
        self.exact_level: Fraction | None = None
        # The floats it was computed from, their order and how many classes (in that order) pay in full.
        self.budgets: np.ndarray | None = None
        self.errors: np.ndarray | None = None
        self.order: np.ndarray | None = None
        self.position = 0


class Round:
    """What a round did, kept so that exact budgets can be rebuilt if a later near-tie needs them."""

    __slots__ = ("children", "classes", "counts", "exact_level", "project")

    def __init__(self, project: int, classes: np.ndarray, children: np.ndarray, counts: np.ndarray,
                 exact_level: Fraction | None) -> None:
        self.project = project
        self.classes = classes
        self.children = children
        self.counts = counts
        self.exact_level = exact_level


class Run:
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
        self.rounds: list[Round] = []

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
        classes = counts.nonzero()[0]
        return classes, counts[classes]

    def _utility(self, project: int) -> int:
        return 1 if self.cardinal else self.costs[project]

    # -- evaluation ---------------------------------------------------------------------------
    def evaluate(self, project: int) -> Evaluation | None:
        """rho of a project as a certain interval, or None if its supporters certainly cannot pay."""
        cost = self.costs[project]
        classes, counts = self._histogram(project)
        evaluation = Evaluation(project, classes, counts)
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
            order = budgets.argsort(kind="stable")
            sorted_budgets, sorted_counts = budgets[order], counts[order]
            sorted_paid = sorted_counts * sorted_budgets
            poor_paids = sorted_paid.cumsum() - sorted_paid  # paid in full by the classes before
            rich_counts = sorted_counts[::-1].cumsum()[::-1]  # supporters from this class on
            levels = (cost - poor_paids) / rich_counts
            position = int((levels <= sorted_budgets).argmax())  # the first class able to pay the level
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
        evaluation.budgets, evaluation.errors = budgets, errors
        evaluation.order, evaluation.position = order, position
        return evaluation

    def _clear_poor(self, evaluation: Evaluation) -> tuple[list[int], list[int], int] | None:
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

    def _exact_interval(self, evaluation: Evaluation, level: Fraction) -> Evaluation:
        evaluation.exact_level = level
        evaluation.level = float(level)
        evaluation.level_error = EPS * evaluation.level
        rho = float(level / self._utility(evaluation.project))
        evaluation.low, evaluation.high = rho * (1 - 4 * EPS), rho * (1 + 4 * EPS)
        return evaluation

    def exact_level(self, evaluation: Evaluation) -> Fraction | None:
        """The smallest p with sum(min(budget, p)) = cost over the supporters, exactly; None if it cannot
        be paid."""
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

    def exact_rho(self, evaluation: Evaluation) -> Fraction:
        level = self.exact_level(evaluation)
        if level is None:
            raise RuntimeError("equal shares: a contender turned out unaffordable")
        return level / self._utility(evaluation.project)

    def _solve(self, classes: np.ndarray, counts: np.ndarray, cost: int) -> Fraction | None:
        """Exact level over classes whose exact budgets are known (their floats are then correctly
        rounded, so sorting the floats sorts the budgets, except among equal floats)."""
        budgets = [self.exact[k] for k in classes.tolist()]
        floats = self.floats[classes]
        order = floats.argsort(kind="stable")
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
    def pay(self, evaluation: Evaluation) -> None:
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
        others = (~certainly_poor).nonzero()[0]
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
        self.rounds.append(Round(evaluation.project, classes, children, evaluation.counts,
                                  evaluation.exact_level))

    def leftover(self) -> np.ndarray:
        money = self.floats[:self.size][self.voter_class][self.index.voters]
        return np.bincount(self.index.project_of_entry, weights=money, minlength=len(self.costs))

