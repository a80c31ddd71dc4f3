"""The rules of the Method of Equal Shares on an allocation in progress: raw (`mes-raw`) and completed
(`mes`: the per-voter share raised "+1", then the greedy fill).

Two engines compute equal shares and its Add1 scan, with the same outcomes (tests check both against
the unit-by-unit definition): `smallshares`, plain Python, for the Add1 scan of elections with few kinds
of ballots (Assen 2024: 84 voters, 67 distinct ballots) and for the single run of `mes-raw` on most real
elections, and the numpy engine (`equalshares`, `add1`, `lockstep`) for the others. There, importing
numpy costs more than the whole computation in plain Python, and `budgetcitoyen allocate` is a process
started for one file; the numpy modules are therefore imported only when they run.
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

from budgetcitoyen.allocation import french, smallshares
from budgetcitoyen.allocation.context import Context, Fate
from budgetcitoyen.allocation.values import (
    FUNDED_COMPLETION,
    FUNDED_EQUAL_SHARES,
    NO_SUPPORT,
    SUPPORTERS_SHORT,
    ZERO_COST_IGNORED,
    Ballots,
)

TYPE_CHECKING = False  # typing is not imported on `allocate`'s path (see records.py)
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Protocol

    class Bought(Protocol):
        """What either engine's run gives `_record`."""

        selected: tuple[int, ...]
        levels: tuple[float, ...]

        def leftover(self) -> Sequence[float]: ...

# The plain engine takes an election when its distinct ballots (as cast) × eligible projects with a cost
# (its "work": a run's cost grows with it) stay below PLAIN_WORK (Assen 2024: 67 × 14 = 938, its scan in
# 40 runs of ~0.55 ms; Świecie 2023: 695 × 22 = 15,290, where numpy's side-by-side runs win), and hands
# over to numpy after PLAIN_RUN_BUDGET ÷ work runs of its scan (Assen: 106), so that a busy scan loses
# well under 0.1 s before numpy takes it; ballots are counted only up to PLAIN_VOTERS voters.
PLAIN_WORK = 2_000
PLAIN_RUN_BUDGET = 100_000
PLAIN_VOTERS = 20_000


def _record(context: Context, support: Sequence[int], cardinal: bool, bought: Bought | None) -> None:
    """Fund what equal shares took (zero-cost projects first, when it takes them), and say why each other
    eligible project was not funded."""
    if cardinal:
        # Zero-cost projects are taken for free, as pabutools does: with cardinality utilities any
        # supported one; with cost utilities none (a zero-cost project brings zero utility).
        for j in context.ranking:
            if context.granted[j] == 0 and support[j] > 0 and context.eligible(j):
                context.fund(j, FUNDED_EQUAL_SHARES, level=0.0)
    if bought is not None:
        for purchase, (j, level) in enumerate(zip(bought.selected, bought.levels, strict=True), start=1):
            context.fund(j, FUNDED_EQUAL_SHARES, level=level, purchase=purchase)
    leftover = [float(x) for x in bought.leftover()] if bought is not None else [0.0] * len(context.projects)
    funded = set(context.selected)
    for j in range(len(context.projects)):
        if j in funded or not context.eligible(j):
            continue
        if support[j] == 0:
            context.fates[j] = Fate(NO_SUPPORT)
        elif context.granted[j] == 0 and not cardinal:
            context.fates[j] = Fate(ZERO_COST_IGNORED)
        else:
            context.fates[j] = Fate(SUPPORTERS_SHORT, leftover=leftover[j])


def _plain_election(context: Context, ballots: Ballots, cardinal: bool, most_work: int
                    ) -> smallshares.Election | None:
    """The election for the plain engine, or None when its work is above `most_work` (PLAIN_WORK for
    the Add1 scan, PLAIN_RUN_BUDGET for a single run) and numpy should take it."""
    if ballots.num_voters > PLAIN_VOTERS:
        return None
    candidates = [j for j in range(len(context.projects)) if context.eligible(j)]
    # Distinct ballots as cast (at least as many as the engine's kinds of ballots): counted at C speed,
    # so that an election for numpy is recognised before any grouping work.
    distinct = Counter(map(tuple, ballots))
    if len(distinct) * sum(1 for j in candidates if context.granted[j] > 0) > most_work:
        return None
    return smallshares.Election(distinct, ballots.num_voters, context.granted, candidates,
                                cardinal=cardinal, tie_rank=context.tie_rank)


def equal_shares_raw(context: Context, ballots: Ballots, cardinal: bool) -> None:
    """`mes-raw`: equal shares at envelope ÷ voters, nothing more."""
    bought: Bought | None = None
    if ballots.num_voters:
        share = Fraction(context.envelope, ballots.num_voters)
        bought = _raw_plain(context, ballots, cardinal, share)
        if bought is None:
            from budgetcitoyen.allocation.add1 import run_at
            from budgetcitoyen.allocation.equalshares import SupportIndex

            bought = run_at(context, SupportIndex.build(ballots), share, cardinal)
        context.notes.append(f"Part de chaque votant : {_share_text(context, share)} "
                             f"(enveloppe ÷ {ballots.num_voters} votants).")
    else:
        context.notes.append("Aucun bulletin : la méthode des parts égales ne finance rien.")
    _record(context, ballots.approval_counts(), cardinal, bought)


def _raw_plain(context: Context, ballots: Ballots, cardinal: bool, share: Fraction) -> Bought | None:
    # One run: within the same budget as a scan's runs (Świecie 2023, 15,290: ~10 ms, against ~65 ms
    # for importing numpy).
    election = _plain_election(context, ballots, cardinal, PLAIN_RUN_BUDGET)
    if election is None:
        return None
    try:
        return smallshares.run(election, share)
    except smallshares.Undecided:
        return None


def completed(context: Context, ballots: Ballots, cardinal: bool) -> None:
    """`mes`: equal shares completed as Wieliczka 2023, Świecie 2023 and Assen 2024 did ("Add1").

    1. Run equal shares at the exact share (envelope ÷ voters).
    2. Raise the share to floor(envelope ÷ voters) + 1, then one currency unit more at a time, and rerun
       (a virtual envelope of share × voters), as long as the outcome fits the real envelope: keep each
       outcome that fits and stop at the first one that does not, keeping the previous (so, if the first
       raised share already overspends, the outcome at the exact share). Raising stops earlier only when
       equal shares buys every project it can buy (eligible, with a supporter and a non-zero cost).
       It does *not* stop at the first exhaustive outcome (one where nothing else fits in what is left):
       a larger share can still change what is bought, and the official outcomes are those of the
       keep-raising rule (`add1.keep_raising_unit_by_unit`; `add1.keep_raising` gives the same outcome
       without a run at every unit).
    3. Fill what is left with `greedy`, in the vote ranking.

    pabutools' ``voter_budget_increment`` stops at the first exhaustive outcome and starts from exactly
    envelope ÷ voters + 1 (not floor + 1): it gives the same outcome whenever its stop and this one fall
    on the same share. Its greedy completion is ``greedy_utilitarian_welfare`` with the outcome as
    initial allocation, as here.
    """
    voters = ballots.num_voters
    bought: Bought | None = None
    if voters:
        exact_share = Fraction(context.envelope, voters)
        bought, raised = _scan_plain(context, ballots, cardinal) or _scan_numpy(context, ballots, cardinal)
        text = f"Part de chaque votant : {_share_text(context, exact_share)} (enveloppe ÷ {voters} votants)"
        if raised is not None:
            text += f", portée à {_share_text(context, Fraction(raised))} par le complément « +1 par votant »"
        context.notes.append(text + " ; puis complément glouton dans l'ordre des voix.")
    else:
        context.notes.append("Aucun bulletin : seul le complément glouton s'applique.")
    _record(context, ballots.approval_counts(), cardinal, bought)
    context.greedy_pass(context.ranking, FUNDED_COMPLETION)


def _scan_plain(context: Context, ballots: Ballots, cardinal: bool) -> tuple[Bought, int | None] | None:
    """The Add1 scan by the plain engine: the outcome kept and its raised share (None: the exact
    share's); None when the election is one for numpy, or the plain engine hands it over."""
    election = _plain_election(context, ballots, cardinal, PLAIN_WORK)
    if election is None:
        return None
    try:
        kept, raised = smallshares.keep_raising(election, context.envelope, context.money.unit,
                                                   max_runs=PLAIN_RUN_BUDGET // max(1, election.work))
    except smallshares.Undecided:
        return None
    return kept, raised


def _scan_numpy(context: Context, ballots: Ballots, cardinal: bool) -> tuple[Bought, int | None]:
    from budgetcitoyen.allocation import add1
    from budgetcitoyen.allocation.equalshares import SupportIndex

    index = SupportIndex.build(ballots)
    base = add1.run_at(context, index, Fraction(context.envelope, index.num_voters), cardinal)
    available = [j for j in range(len(context.projects))
                 if context.eligible(j) and index.support(j) > 0 and context.granted[j] > 0]
    return add1.keep_raising(context, index, cardinal, available, base)


def _share_text(context: Context, share: Fraction) -> str:
    return french.amount(context.money.fraction_decimal(share), context.currency)

