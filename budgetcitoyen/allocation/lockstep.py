"""Equal shares at several per-voter shares at once, for the Add1 scan (`add1.keep_raising`).

Runs at nearby shares buy mostly the same projects in the same order, so they are run side by side: one
row of budgets per share, over voter classes shared by all rows (voters who supported the same
purchases). A round evaluates each project for every row at once (numpy over rows × classes), each row
takes its own decision, and rows that buy different projects split into groups that go on apart. The
per-voter work and the Python overhead of a round are thus paid once for all the rows of a group.

It answers only what the scan needs, the projects each share buys, and only when it is sure: decisions
come from float intervals with error bounds, as in `budget_classes.Run` (same formulas), and an exact
tie of rho is decided exactly when no supporter of the tied projects pays their whole budget, or only
supporters whose budget is exactly zero (then the level is the cost shared by the others, a fraction
known without any history). Anything closer to call leaves the row undecided (None): the caller then
runs `equalshares.equal_shares` at that share, which decides exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from budgetcitoyen.allocation.budget_classes import EPS, NEAR, SAFETY, SupportIndex


class _Group:
    """Rows (positions in the caller's list of shares) that bought the same projects so far. (Plain
    classes here, not dataclasses: see records.py.)"""

    __slots__ = ("alive", "bought", "class_size", "errors", "floats", "lower", "rows", "shares", "size",
                 "spent", "voter_class", "zero")

    def __init__(self, rows: np.ndarray, shares: np.ndarray, voter_class: np.ndarray, class_size: np.ndarray,
                 size: int, floats: np.ndarray, errors: np.ndarray, alive: np.ndarray, lower: np.ndarray,
                 bought: list[int], spent: int, zero: int = -1) -> None:
        self.rows = rows
        self.shares = shares  # float share of each row
        self.voter_class = voter_class  # shared by the rows: voters who supported the same purchases
        self.class_size = class_size
        self.size = size
        self.floats = floats  # rows × classes: budgets
        self.errors = errors  # rows × classes: bound on each budget's rounding error
        self.alive = alive  # rows × projects: may still be affordable
        self.lower = lower  # rows × projects: rho is at least this
        self.bought = bought
        self.spent = spent
        self.zero = zero  # the class of voters who certainly hold nothing in every row (-1: none yet)

    def split(self, keep: np.ndarray) -> _Group:
        return _Group(self.rows[keep], self.shares[keep], self.voter_class.copy(), self.class_size.copy(),
                      self.size, self.floats[keep], self.errors[keep], self.alive[keep], self.lower[keep],
                      list(self.bought), self.spent, self.zero)


class _Evaluation:
    """One project evaluated for every row of a group."""

    __slots__ = ("budgets", "classes", "counts", "errors", "high", "level", "level_error", "low", "order",
                 "payers", "position", "project", "status")

    def __init__(self, project: int, classes: np.ndarray, counts: np.ndarray, status: np.ndarray,
                 level: np.ndarray, level_error: np.ndarray, low: np.ndarray, high: np.ndarray,
                 budgets: np.ndarray, errors: np.ndarray, order: np.ndarray, position: np.ndarray,
                 payers: np.ndarray) -> None:
        self.project = project
        self.classes = classes
        self.counts = counts
        self.status = status  # per row: 0 affordable (interval below), 1 certainly not, 2 too close to call
        self.level = level
        self.level_error = level_error
        self.low = low
        self.high = high
        # What the level was computed from, for `_Scan.exact_level`: budgets and errors (rows × classes),
        # their order in each row, the level's position in it and how many supporters pay the level.
        self.budgets = budgets
        self.errors = errors
        self.order = order
        self.position = position
        self.payers = payers


class _Scan:
    def __init__(self, index: SupportIndex, costs: Sequence[int], cardinal: bool, tie_rank: Sequence[int],
                 limit: int | None) -> None:
        self.index = index
        self.costs = costs
        self.cost_array = np.array(costs, dtype=np.float64)
        self.cardinal = cardinal
        self.tie_rank = tie_rank
        self.limit = limit
        self.everywhere = np.arange(0)
        self.nothing = np.zeros(0)

    def start(self, rows: int) -> None:
        self.everywhere = np.arange(rows)
        self.affordable = np.zeros(rows, dtype=np.int64)  # status 0 in every row (read only)

    def utility(self, project: int) -> int:
        return 1 if self.cardinal else self.costs[project]

    def histogram(self, group: _Group, project: int) -> tuple[np.ndarray, np.ndarray]:
        supporters = self.index.supporters(project)
        if group.size == 1:
            return np.zeros(1, dtype=np.intp), np.array([len(supporters)], dtype=np.int64)
        counts = np.bincount(group.voter_class[supporters], minlength=group.size)
        classes = counts.nonzero()[0]
        return classes, counts[classes]

    def evaluate(self, group: _Group, project: int) -> _Evaluation:
        """`Run.evaluate` for every row at once (same bounds; "too close" is left undecided)."""
        cost = self.costs[project]
        classes, counts = self.histogram(group, project)
        budgets, errors = group.floats[:, classes], group.errors[:, classes]
        weights = counts.astype(np.float64)
        total = budgets @ weights
        counted_error = errors @ weights
        margin = NEAR * cost + SAFETY * (counted_error + (len(classes) + 1) * EPS * total)
        affordable = total > cost + margin
        rows = len(group.rows)
        if affordable.all():
            status = self.affordable[:rows]
        else:
            status = np.where(affordable, 0, np.where(total < cost - margin, 1, 2))
            if not affordable.any():  # no level to compute (often: projects whose supporters ran dry)
                return _Evaluation(project, classes, counts, status, *([self.nothing] * 9))
        # The order among equal budgets does not change the level (the classes of one budget b are
        # either all below the level or all at or above it), so any sort will do.
        order = budgets.argsort(axis=1)
        everywhere = self.everywhere[:rows]
        sorted_budgets = budgets[everywhere[:, None], order]
        sorted_counts = counts[order]
        sorted_paid = sorted_counts * sorted_budgets
        poor_paids = sorted_paid.cumsum(axis=1) - sorted_paid
        rich_counts = sorted_counts[:, ::-1].cumsum(axis=1)[:, ::-1]  # supporters from this class on
        levels = (cost - poor_paids) / rich_counts
        able = levels <= sorted_budgets
        position = able.argmax(axis=1)
        edge = ~able[everywhere, position]
        if edge.any():
            position[edge] = len(classes) - 1  # rounding at the edge of affordability
        level = levels[everywhere, position]
        rich = rich_counts[everywhere, position]
        poor_paid = poor_paids[everywhere, position]
        level_error = (counted_error + (len(classes) + 2) * EPS * (cost + poor_paid)) / rich + 2 * EPS * level
        utility = self.utility(project)
        spread = (NEAR * level + SAFETY * level_error) / utility
        rho = level / utility
        return _Evaluation(project, classes, counts, status, level, level_error, rho - spread, rho + spread,
                           budgets, errors, order, position, rich)

    @staticmethod
    def exact_level(evaluation: _Evaluation, row: int, cost: int) -> Fraction | None:
        """The exact level in this row when it is known without history: the supporters before the
        level's position hold exactly nothing and those from it on certainly hold more than the level,
        so the level is cost / payers. None otherwise."""
        order = evaluation.order[row]
        budgets, errors = evaluation.budgets[row][order], evaluation.errors[row][order]
        position = int(evaluation.position[row])
        level, level_error = float(evaluation.level[row]), float(evaluation.level_error[row])
        if budgets[:position].any() or errors[:position].any():
            return None
        margin = NEAR * level + SAFETY * level_error
        if (budgets[position:] - SAFETY * errors[position:]).min() <= level + margin:
            return None
        return Fraction(cost, int(evaluation.payers[row]))

    def round(self, group: _Group) -> np.ndarray:
        """One round for every row: the project each row buys (-1: none is affordable, it is done;
        -2: undecided); the evaluations are kept, by project, for `pay`."""
        rows = len(group.rows)
        best_high = np.full(rows, np.inf)
        evaluated: list[_Evaluation] = []
        undecided = np.zeros(rows, dtype=bool)
        in_play = group.alive.any(axis=0).nonzero()[0]
        floor = np.where(group.alive[:, in_play], group.lower[:, in_play], np.inf).min(axis=0)
        for at in floor.argsort(kind="stable").tolist():
            project = int(in_play[at])
            if floor[at] > best_high.max():
                break  # for every row, this project and all after it are dearer than what it found
            needed = group.alive[:, project] & (group.lower[:, project] <= best_high)
            if not needed.any():
                continue
            evaluation = self.evaluate(group, project)
            status = evaluation.status
            group.alive[:, project] &= status != 1  # budgets only shrink: never affordable again
            undecided |= needed & (status == 2)
            fine = group.alive[:, project] & (status == 0)  # (a row that bought it has it dead)
            if not fine.any():
                continue
            group.lower[fine, project] = evaluation.low[fine]
            best_high = np.where(fine, np.minimum(best_high, evaluation.high), best_high)
            evaluated.append(evaluation)
        choice = np.full(rows, -1, dtype=np.int64)
        if not evaluated:
            choice[undecided] = -2
            return choice
        contender = np.array([(e.status == 0) & (e.low <= best_high) for e in evaluated])  # may take it
        many = contender.sum(axis=0)
        first = contender.argmax(axis=0)
        single = many == 1
        choice[single] = np.array([e.project for e in evaluated])[first[single]]
        for row in (many > 1).nonzero()[0].tolist():
            tied = [e for e, c in zip(evaluated, contender[:, row].tolist(), strict=True) if c]
            levels = [self.exact_level(e, row, self.costs[e.project]) for e in tied]
            if any(level is None for level in levels):
                undecided[row] = True
                continue
            best = min(zip(tied, levels, strict=True), key=lambda pair: (
                pair[1] / self.utility(pair[0].project), self.tie_rank[pair[0].project]))  # type: ignore[operator]
            choice[row] = best[0].project
        choice[undecided] = -2
        self.evaluations = {e.project: e for e in evaluated}
        return choice

    def pay(self, group: _Group, evaluation: _Evaluation, rows: np.ndarray) -> _Group:
        """`Run.pay` for these rows of the group (all of them buy this project); returns their group."""
        if len(rows) < len(group.rows):
            group = group.split(rows)
        level = evaluation.level[rows]
        level_error = evaluation.level_error[rows]
        classes, counts = evaluation.classes, evaluation.counts
        budgets, errors = group.floats[:, classes], group.errors[:, classes]
        margin = NEAR * level + SAFETY * level_error
        poor = budgets + SAFETY * errors < (level - margin)[:, None]
        new_budgets = np.where(poor, 0.0, np.maximum(budgets - level[:, None], 0.0))
        new_errors = np.where(poor, 0.0, errors + (level_error + EPS * group.shares)[:, None])
        # The supporters of a class move to a new class, or all together to the group's zero class when
        # they certainly pay their whole budget in every row; a class whose voters all move keeps its
        # number. Fewer, larger classes: less work in every later evaluation.
        to_zero = poor.all(axis=0)
        whole = counts == group.class_size[classes]
        children = classes.copy()
        parts = (~whole & ~to_zero).nonzero()[0]
        needed = group.size + len(parts) + (1 if to_zero.any() and group.zero < 0 else 0)
        if needed > group.floats.shape[1]:
            capacity = max(needed, 2 * group.floats.shape[1])
            for name in ("floats", "errors"):
                grown = np.zeros((len(group.rows), capacity))
                grown[:, :group.size] = getattr(group, name)[:, :group.size]
                setattr(group, name, grown)
            sizes = np.zeros(capacity, dtype=np.int64)  # new classes start empty (np.resize would repeat)
            sizes[:group.size] = group.class_size[:group.size]
            group.class_size = sizes
        if to_zero.any() and group.zero < 0:
            group.zero = needed - 1
            group.class_size[group.zero] = 0
        children[to_zero] = group.zero
        children[parts] = np.arange(group.size, group.size + len(parts))
        moving = children != classes
        if moving.any():
            group.class_size[classes[moving]] -= counts[moving]
            np.add.at(group.class_size, children[moving], counts[moving])
            remap = np.arange(needed, dtype=group.voter_class.dtype)
            remap[classes] = children
            supporters = self.index.supporters(evaluation.project)
            group.voter_class[supporters] = remap[group.voter_class[supporters]]
        group.size = needed
        group.floats[:, children] = new_budgets
        group.errors[:, children] = new_errors
        group.alive[:, evaluation.project] = False
        group.bought.append(evaluation.project)
        group.spent += self.costs[evaluation.project]
        return group


def outcomes(index: SupportIndex, costs: Sequence[int], candidates: Sequence[int], shares: Sequence[int],
             *, cardinal: bool, tie_rank: Sequence[int], limit: int | None = None
             ) -> list[tuple[int, ...] | None]:
    """The projects equal shares buys, in order, at each of these (integer) shares — what
    `equalshares.equal_shares(...).selected` gives — or None where the floats could not tell for sure.

    With a `limit`, a row stops as soon as what it bought costs more than the limit: its answer is
    then the purchases up to that one (enough to know that the share overspends)."""
    scan = _Scan(index, costs, cardinal, tie_rank, limit)
    rows = len(shares)
    scan.start(rows)
    share_floats = np.array([float(s) for s in shares], dtype=np.float64)
    support = np.diff(index.ptr).astype(np.float64)
    cost_array = scan.cost_array
    utility = np.ones(len(costs)) if cardinal else np.maximum(cost_array, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = cost_array / support / utility * (1 - NEAR)
    allowed = np.zeros(len(costs), dtype=bool)
    allowed[[j for j in candidates if costs[j] > 0 and index.support(j) > 0]] = True
    alive = allowed & (share_floats[:, None] * support >= cost_array * (1 - NEAR))
    capacity = 64
    floats = np.zeros((rows, capacity))
    floats[:, 0] = share_floats
    errors = np.zeros((rows, capacity))
    errors[:, 0] = EPS * share_floats
    class_size = np.zeros(capacity, dtype=np.int64)
    class_size[0] = index.num_voters
    start = _Group(np.arange(rows), share_floats, np.zeros(index.num_voters, dtype=np.int32), class_size, 1,
                   floats, errors, alive, np.tile(lower, (rows, 1)), [], 0)
    answers: list[tuple[int, ...] | None] = [None] * rows
    pending = [start]
    while pending:
        group = pending.pop()
        choice = scan.round(group)
        for row in group.rows[choice == -1].tolist():
            answers[row] = tuple(group.bought)
        buying = sorted(set(choice[choice >= 0].tolist()))
        for project in buying:
            chosen = (choice == project).nonzero()[0]
            evaluation = scan.evaluations[project]
            child = scan.pay(group, evaluation, chosen)  # a copy unless every row of the group buys it
            if limit is not None and child.spent > limit:
                for row in child.rows.tolist():
                    answers[row] = tuple(child.bought)
                continue
            pending.append(child)
    return answers
