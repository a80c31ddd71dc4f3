"""Equal shares and its Add1 completion in plain Python, for elections small enough not to need numpy.

Why: `budgetcitoyen allocate` is a process a person starts on one file, and importing numpy alone (about
65 ms on the reference machine) costs more than the whole Add1 scan of a small election in plain Python
(Assen 2024, 84 voters: about 35 ms). Here nothing but the standard library is imported; `mes_rules`
decides which engine runs (few distinct ballots × projects: this one) and hands over to numpy when this
one raises `Undecided`.

How it stays exact
------------------
* Voters with the same ballot (restricted to the projects equal shares may buy) always hold the same
  budget: they are one *type*, with a multiplicity. Types sharing a history are one *class*, whose
  budget is an exact `Fraction` (with its float, correctly rounded, for the comparisons). Each project
  keeps how many of its supporters are in each class, updated as they pay.
* Decisions are taken on floats with a margin far above their rounding error (`NEAR`), and exactly
  (`Fraction`) whenever two candidates, or affordability, are that close: exact ties of rho are frequent
  (two projects with as many untouched supporters) and go to the lower tie-break rank.
* The level a bought project's supporters pay is always computed exactly, so budgets never drift.

How the Add1 scan skips shares
------------------------------
Between two shares where the outcome may change, nothing needs running. From an exact run at share s,
with the same purchases and the same supporters paying in full, every class budget is an affine
function of the share t (slope `D`: 1 for the untouched voters; a purchase's level has slope
-sum(n D over those paying in full) / (those paying the level); a class keeps its slope minus the
level's, or 0 when it pays in full). Budgets only grow with t, so:

1. a purchase keeps the same supporters paying in full until one of them can pay the level
   (an affine crossing);
2. another project q does not overtake the round's purchase p while q's level at t stays above
   u_q × rho_p(t), rho_p(t) being affine too (its level's slope is that of the purchase's level, as in
   1): ``G(t) = sum(n × min(b(t), u_q rho_p(t))) - cost_q < 0``, a sum of minimums of affine functions,
   is concave and piecewise affine in t, and its first root is found between its breakpoints, against a
   tolerance that can only move it earlier;
3. after the last purchase, a project left becomes affordable when its supporters' budgets reach its
   cost (affine).

The first of these events bounds a stretch [s, T) over which every share buys what s bought. The
bound is computed in floats and lowered by a margin orders of magnitude above their error (G is taken
within a tolerance far above its float error, and a slope of G close enough to 0 for float noise to
flip its sign is taken as rising, so a root can only come earlier); the next exact run is at the first
unit from there. A stretch bound is always rounded towards an earlier share: ending a stretch early
only costs one more run. A case the reasoning does not cover (it should not happen), or a scan that
takes more runs than its caller allows, raises `Undecided`, and the caller runs the numpy engine
instead. Tests compare both with the unit-by-unit definition (`tests/allocation/test_add1.py`).

Event 1 is what limits this engine: a partition change ends a stretch even when the outcome stays.
Assen 2024's scan (844 units, 7 changes of outcome) takes 38 runs, 31 of them ended by event 1; Świecie
2023's (695 distinct ballots, 244 units, 14 changes) 164 runs, 156 ended by event 1, about 0.57 s (with
the runs sharing their class structures, `_Structure`) against a few tens of milliseconds for the numpy
engine's side-by-side batches.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction

NEAR = 1e-9  # relative margin of every float decision (float error is below 1e-12 here)
SKIP_MARGIN = 1e-7  # relative margin taken off the end of a stretch computed in floats
ZERO = 0  # the class of voters who hold nothing and whose budget stays 0 at every nearby share
START = 1  # the class of voters who have not paid yet


class Undecided(Exception):  # a signal to the caller, not an error to report
    """The plain engine met a case it does not decide: the numpy engine decides instead."""


class Election:
    """The projects equal shares may buy, their costs and utilities, and the voters grouped by ballot."""

    def __init__(self, ballots: Mapping[tuple[int, ...], int], num_voters: int, costs: Sequence[int],
                 candidates: Sequence[int], *, cardinal: bool, tie_rank: Sequence[int]) -> None:
        """`ballots`: each distinct ballot (positions, in any order) and how many voters cast it."""
        self.num_voters = num_voters
        self.costs = costs
        self.tie_rank = tie_rank
        allowed = {j for j in candidates if costs[j] > 0}
        counts: dict[tuple[int, ...], int] = {}
        for row, voters in ballots.items():
            key = tuple(sorted(j for j in row if j in allowed))
            if key:
                counts[key] = counts.get(key, 0) + voters
        self.types = list(counts)
        self.multiplicity = list(counts.values())
        self.supporters: dict[int, list[int]] = {}
        for t, ballot in enumerate(self.types):
            for j in ballot:
                self.supporters.setdefault(j, []).append(t)
        self.support = {j: sum(self.multiplicity[t] for t in types) for j, types in self.supporters.items()}
        # Buyable: allowed, with at least one supporter (sorted: runs are deterministic).
        self.buyable = sorted(self.supporters)
        self.utility = {j: 1 if cardinal else costs[j] for j in self.buyable}
        self._structures: _Structure | None = None

    def structures(self) -> _Structure:
        """The root of the tree of class structures the runs of a scan share (see `_Structure`)."""
        if self._structures is None:
            self._structures = _Structure.start(self)
        return self._structures

    @property
    def work(self) -> int:
        """Kinds of ballots × projects it may buy: what the cost of a run grows with."""
        return len(self.types) * len(self.buyable)


class Result:
    """What a run bought, in order, with each purchase's exact level; and what the analysis of the
    Add1 scan needs (`trace` only when asked for)."""

    def __init__(self, selected: list[int], exact_levels: list[Fraction],
                 leftovers: Callable[[], list[float]], spent: int) -> None:
        self.selected = tuple(selected)
        self.exact_levels = exact_levels
        self.levels = tuple(float(level) for level in exact_levels)
        self._leftovers = leftovers
        self.spent = spent
        self.share = Fraction(0)
        self.next_share: float = math.inf  # with a trace: every share in [share, next_share) buys the same

    def leftover(self) -> list[float]:
        """For every project position it may buy, the money its supporters still hold at the end (0 for
        the others, ineligible or free: no explanation quotes theirs)."""
        return self._leftovers()


class _Structure:
    """Who is in which class, and each unbought project's supporters by class: what a run's purchases
    (project, classes paying their whole budget) make of the voters, whatever the share. Runs at nearby
    shares mostly repeat them (Assen 2024's scan: 2 purchases in 3), and moving every supporter's type
    is half of a run's time: a scan keeps them in a tree, one node per history."""

    __slots__ = ("children", "hist", "type_class")

    def __init__(self, type_class: list[int], hist: dict[int, dict[int, int]]) -> None:
        self.type_class = type_class
        self.hist = hist
        self.children: dict[tuple[int, tuple[int, ...]], _Structure] = {}

    @classmethod
    def start(cls, election: Election) -> _Structure:
        return cls([START] * len(election.types), {j: {START: election.support[j]} for j in election.buyable})

    def buy(self, election: Election, j: int, moves: dict[int, int], *, shares_counts: bool = False) -> None:
        """In place: j is bought, and its supporters of each class c move to class moves[c]. With
        `shares_counts`, each project's counts are still its parent's: copied before their first change."""
        del self.hist[j]
        type_class, hists = self.type_class, self.hist
        types, multiplicity = election.types, election.multiplicity
        copied: set[int] = set()
        for t in election.supporters[j]:
            c = type_class[t]
            d = moves.get(c)
            if d is None:
                continue
            type_class[t] = d
            m = multiplicity[t]
            for k in types[t]:
                counts = hists.get(k)
                if counts is None:
                    continue  # bought already
                if shares_counts and k not in copied:
                    counts = hists[k] = dict(counts)
                    copied.add(k)
                left = counts[c] - m
                if left:
                    counts[c] = left
                else:
                    del counts[c]
                counts[d] = counts.get(d, 0) + m

    def after(self, election: Election, j: int, poor: list[int], moves: dict[int, int]) -> _Structure:
        """The structure once j is bought with these classes paying in full, from the tree (the new
        classes' numbers follow from the history, so the same key always makes the same moves)."""
        key = (j, tuple(poor))
        child = self.children.get(key)
        if child is None:
            child = _Structure(self.type_class.copy(), dict(self.hist))
            child.buy(election, j, moves, shares_counts=True)
            self.children[key] = child
        return child


class _Run:
    def __init__(self, election: Election, share: Fraction, trace: bool, shared: bool = False) -> None:
        self.e = election
        self.share = share
        self.start = float(share)
        self.trace = trace
        self.exact: list[Fraction] = [Fraction(0), share]
        self.floats: list[float] = [0.0, float(share)]
        self.slopes: list[float] = [0.0, 1.0]
        # With `shared`, the class structure comes from (and goes into) the election's tree of structures,
        # never to be changed in place: runs of a scan share it wherever their histories agree.
        self.structure = election.structures() if shared else _Structure.start(election)
        self.shared = shared
        self.type_class = self.structure.type_class
        self.hist = self.structure.hist
        self.limit = math.inf  # the end of the stretch over which this run's purchases stay the same

    # -- levels ----------------------------------------------------------------------------------
    def float_level(self, j: int) -> tuple[float, float] | None:
        """(level, bound on its error) in floats; None when certainly unaffordable. Raises `_Close` when
        affordability is too close to call."""
        cost = self.e.costs[j]
        floats = self.floats
        items = sorted((floats[c], n) for c, n in self.hist[j].items())
        total = 0.0
        for budget, n in items:
            total += budget * n
        margin = NEAR * (cost + total)
        if total < cost - margin:
            return None
        if total <= cost + margin:
            raise _Close
        rich = self.e.support[j]
        poor = 0.0
        level = cost / rich
        for budget, n in items:
            level = (cost - poor) / rich
            if level <= budget:
                break
            poor += budget * n
            rich -= n
        else:
            raise _Close  # rounding at the very edge of affordability
        return level, NEAR * (cost + poor) / rich

    def exact_level(self, j: int) -> Fraction | None:
        """The smallest p with sum(n × min(budget, p)) = cost over the supporters, exactly."""
        cost = self.e.costs[j]
        exact, floats = self.exact, self.floats
        # Floats first, so that Fractions are compared only where the floats are equal.
        items = sorted((floats[c], exact[c], n) for c, n in self.hist[j].items())
        rich = self.e.support[j]
        poor: Fraction | int = 0
        poor_float = 0.0
        for budget_float, budget, n in items:
            # A class whose budget is below the level by far more than the floats' error certainly pays
            # it all: only the exact sum of what it pays is needed, not the exact level at this step.
            if budget_float >= (cost - poor_float - NEAR * (cost + poor_float)) / rich:
                level = Fraction(cost - poor) / rich
                if level <= budget:
                    return level
            poor += budget * n
            poor_float += budget_float * n
            rich -= n
        return None

    # -- one run -----------------------------------------------------------------------------------
    def go(self) -> Result:
        e = self.e
        share = self.share
        numerator, denominator = share.numerator, share.denominator  # share × support >= cost, in integers
        alive = [j for j in e.buyable if numerator * e.support[j] >= e.costs[j] * denominator]
        lower = {j: e.costs[j] / e.support[j] / e.utility[j] * (1 - NEAR) for j in e.buyable}
        selected: list[int] = []
        levels: list[Fraction] = []
        spent = 0
        while alive:
            alive.sort(key=lower.__getitem__)
            best_high = math.inf
            contenders: list[tuple[int, float, float, Fraction | None]] = []
            dead: list[int] = []
            for j in alive:
                if lower[j] > best_high:
                    break
                exact_level = None
                try:
                    found = self.float_level(j)
                except _Close:
                    exact_level = self.exact_level(j)
                    found = None if exact_level is None else (float(exact_level), 0.0)
                if found is None:
                    dead.append(j)  # budgets only shrink: never affordable again in this run
                    continue
                level, error = found
                utility = e.utility[j]
                rho, spread = level / utility, (error + 4e-16 * level) / utility
                lower[j] = rho - spread
                best_high = min(best_high, rho + spread)
                contenders.append((j, rho - spread, rho + spread, exact_level))
            if dead:
                alive = [j for j in alive if j not in dead]
            contenders = [c for c in contenders if c[1] <= best_high]
            if not contenders:
                break
            if len(contenders) == 1:
                chosen = contenders[0][0]
                level = contenders[0][3]
            else:
                ranked = []
                for j, _, _, exact_level in contenders:
                    if exact_level is None:
                        exact_level = self.exact_level(j)
                    if exact_level is None:
                        raise Undecided("a contender turned out unaffordable")
                    ranked.append((exact_level / e.utility[j], e.tie_rank[j], j, exact_level))
                _, _, chosen, level = min(ranked)
            if level is None:
                level = self.exact_level(chosen)
                if level is None:
                    raise Undecided("the purchase turned out unaffordable")
            poor, rich, level_slope = self._split(chosen, level)
            if self.trace:
                self._bound_competitors(chosen, level, level_slope)
            self._pay(chosen, level, poor, rich, level_slope)
            selected.append(chosen)
            levels.append(level)
            spent += e.costs[chosen]
            alive.remove(chosen)
        if self.trace:
            self._bound_affordability(selected)
        return Result(selected, levels, self._leftovers(), spent)

    def _split(self, j: int, level: Fraction) -> tuple[list[int], list[int], float]:
        """The classes among j's supporters that pay their whole budget (below the level) and those that
        pay the level, and the level's slope in the share: -sum(n D over the former) / (the latter)."""
        exact, floats, slopes = self.exact, self.floats, self.slopes
        # A class's float is its exact budget correctly rounded, and so is the level's: unequal floats
        # compare as the exact values do, and only equal ones need the Fractions.
        level_float = float(level)
        poor: list[int] = []
        rich: list[int] = []
        poor_slope = 0.0
        rich_count = 0
        for c, n in self.hist[j].items():
            budget = floats[c]
            if budget < level_float or (budget == level_float and exact[c] < level):
                poor.append(c)
                poor_slope += n * slopes[c]
            else:
                rich.append(c)
                rich_count += n
        return poor, rich, (-poor_slope / rich_count if rich_count else 0.0)

    def _pay(self, j: int, level: Fraction, poor: list[int], rich: list[int], level_slope: float) -> None:
        """The supporters pay min(budget, level): each class among them moves to a new class (to ZERO
        when it pays its whole budget)."""
        exact, floats, slopes = self.exact, self.floats, self.slopes
        level_float = float(level)
        moves: dict[int, int] = {}
        for c in poor:
            if c != ZERO:
                moves[c] = ZERO
                # It keeps paying in full until its budget reaches the level (both grow with t).
                gap = slopes[c] - level_slope
                if self.trace and gap > 0:
                    self._limit(self.start + (level_float - floats[c]) / gap)
        for c in rich:
            moves[c] = len(exact)
            budget = exact[c] - level
            exact.append(budget)
            floats.append(float(budget))
            slopes.append(slopes[c] - level_slope)
        if self.shared:
            self.structure = self.structure.after(self.e, j, poor, moves)
            self.type_class, self.hist = self.structure.type_class, self.structure.hist
        else:
            self.structure.buy(self.e, j, moves)

    def _leftovers(self) -> Callable[[], list[float]]:
        """What the supporters of each project hold at the end, summed exactly and then rounded, when
        asked (only the run kept is asked)."""
        exact, type_class, multiplicity = self.exact, self.type_class, self.e.multiplicity
        types, positions = self.e.types, len(self.e.costs)

        def leftovers() -> list[float]:
            money: list[Fraction | int] = [0] * positions
            for t, ballot in enumerate(types):
                held = exact[type_class[t]] * multiplicity[t]
                if held:
                    for j in ballot:
                        money[j] += held
            return [float(value) for value in money]

        return leftovers

    # -- the stretch of shares over which this run's purchases stay -------------------------------
    def _limit(self, at: float) -> None:
        if at < self.limit:
            self.limit = at

    def _bound_competitors(self, chosen: int, level: Fraction, level_slope: float) -> None:
        """Event 2 of the module docstring, for every project still unbought in this round."""
        e = self.e
        rho = level / e.utility[chosen]
        rho_float = float(rho)
        rho_slope = level_slope / e.utility[chosen]  # <= 0: the purchase gets cheaper as budgets grow
        floats, slopes = self.floats, self.slopes
        for q, counts in self.hist.items():
            if q == chosen:
                continue
            cost = e.costs[q]
            # q would overtake if its level fell to `cap`, which falls with the share as p's rho does.
            cap, cap_slope = e.utility[q] * rho_float, e.utility[q] * rho_slope
            if e.support[q] * cap < cost * (1 - NEAR):
                continue  # even if every supporter paid `cap`, q could not be paid: never
            total = -float(cost)
            slope = 0.0
            breaks: list[tuple[float, float]] = []
            for c, n in counts.items():
                budget = floats[c]
                if budget >= cap:
                    total += n * cap  # and it stays above the falling cap
                    slope += n * cap_slope
                else:
                    total += n * budget
                    slope += n * slopes[c]
                    rise = slopes[c] - cap_slope  # how fast the budget closes on the cap
                    if rise > 0:
                        breaks.append(((cap - budget) / rise, n * rise))
            tolerance = NEAR * (cost + e.support[q] * cap)
            # With a falling cap, G's slope adds terms of both signs: within `flat` of 0 it may be float
            # noise on either side. With a fixed cap it adds terms >= 0, exact in sign.
            flat = NEAR * e.support[q] if cap_slope < 0 else 0.0
            if total > -tolerance:
                # Too close in floats: G(s) exactly.
                cap_exact = e.utility[q] * rho
                exact_total = -Fraction(cost)
                for c, n in counts.items():
                    exact_total += n * min(self.exact[c], cap_exact)
                if exact_total > 0 or (exact_total == 0 and e.tie_rank[q] < e.tie_rank[chosen]):
                    raise Undecided("a competitor beats the purchase at its own share")
                if exact_total == 0 or total >= 0:
                    if slope > -flat:
                        self._limit(self.start)
                    continue
            self._limit(self.start + _first_root(total, slope, breaks, tolerance, flat))

    def _bound_affordability(self, bought: list[int]) -> None:
        """Event 3: a project left unbought becomes affordable."""
        e = self.e
        floats, slopes = self.floats, self.slopes
        for q, counts in self.hist.items():
            cost = e.costs[q]
            total = -float(cost)
            slope = 0.0
            for c, n in counts.items():
                total += n * floats[c]
                slope += n * slopes[c]
            if total > -NEAR * cost:
                exact_total = sum((n * self.exact[c] for c, n in counts.items()), -Fraction(cost))
                if exact_total >= 0:
                    raise Undecided("a project left is affordable")
                if slope > 0:
                    self._limit(self.start)
                continue
            if slope > 0:
                self._limit(self.start - total / slope)


class _Close(Exception):
    """Affordability too close to call in floats."""


def _first_root(value: float, slope: float, breaks: list[tuple[float, float]], tolerance: float,
                flat: float) -> float:
    """The first x >= 0 where a concave piecewise-affine function comes within `tolerance` of 0 (so an
    early bound on where it reaches 0, even when it only touches 0 and float error keeps it a hair
    below): `value` at 0, `slope` from 0 on, each break (x, drop) lowering the slope by `drop` from x on.
    A slope within `flat` of 0 is taken as rising by `flat` (it may be float noise on a rising one).
    inf if never."""
    if value >= -tolerance:
        return 0.0
    x = 0.0
    for at, drop in sorted(breaks):
        if slope <= -flat:
            return math.inf
        rate = max(slope, flat)
        reach = value + rate * (at - x)
        if reach >= -tolerance:
            return x + (-tolerance - value) / rate
        value, x = reach, at
        slope -= drop
    if slope <= -flat:
        return math.inf
    return x + (-tolerance - value) / max(slope, flat)


def run(election: Election, share: Fraction, *, trace: bool = False, shared: bool = False) -> Result:
    """Equal shares at this per-voter share. With `trace`, `Result.next_share` bounds the stretch of
    shares that certainly buy the same projects in the same order (see the module docstring). With
    `shared`, class structures are taken from and kept in the election's tree (for a scan's many runs)."""
    runner = _Run(election, Fraction(share), trace, shared)
    result = runner.go()
    result.share = runner.share
    if trace:
        result.next_share = runner.limit
    return result


def keep_raising(election: Election, envelope: int, unit: int, *, max_runs: int = 1_000
                 ) -> tuple[Result, int | None]:
    """The Add1 scan (`add1.keep_raising_unit_by_unit`'s rule): equal shares at envelope ÷ voters, then
    from floor(envelope ÷ voters) + 1 unit, the share raised one unit at a time while the outcome fits
    the envelope, until one does not or every buyable project is bought. Returns the run at the share
    kept and that share (None: the exact share's run is kept).

    Raises `Undecided` after `max_runs` runs: an election whose outcome changes that often is one where
    the numpy engine's side-by-side batches pay off."""
    voters = election.num_voters
    base = run(election, Fraction(envelope, voters), shared=True)
    everything = len(election.buyable)
    if len(base.selected) >= everything:
        return base, None
    share = (envelope // (voters * unit)) * unit + unit
    kept: int | None = None
    kept_run = base
    # The margin taken off a stretch's end scales with the amounts it was computed from.
    dearest = max(election.costs[j] for j in election.buyable)
    runs = 0
    while True:
        runs += 1
        if runs > max_runs:
            raise Undecided(f"more than {max_runs} runs")
        attempt = run(election, Fraction(share), trace=True, shared=True)
        if attempt.spent > envelope:
            break
        kept, kept_run = share, attempt
        if len(attempt.selected) >= everything:
            break
        end = attempt.next_share
        if not math.isfinite(end):
            raise Undecided("no event ahead, yet projects are left")
        end -= SKIP_MARGIN * (1 + abs(end) + dearest)
        # Every share in [share, end) buys the same: the last unit before `end` is kept as well.
        last = share + max(0, math.ceil((end - share) / unit) - 1) * unit
        if last > share:
            kept = last
        share = last + unit
    if kept is not None and kept_run.share != kept:
        # The same purchases: levels and leftovers at `kept`.
        kept_run = run(election, Fraction(kept), shared=True)
    return kept_run, kept
