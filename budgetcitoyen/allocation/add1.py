"""The "Add1" completion of equal shares: the per-voter share raised one currency unit at a time while
the outcome fits the envelope.

`keep_raising_unit_by_unit` is the rule as defined (one run of equal shares per unit). `keep_raising`
gives the same outcome with far fewer runs: the units are run in batches side by side (`lockstep`),
which pays off when the outcome changes every few units (Amsterdam 166: 63 changes in 276 units), and
long stretches where the outcome stays are skipped by proofs (`equalshares.certify`; Assen 2024: 7
changes in 844 units; a share raised by millions of units).
"""

from __future__ import annotations

from fractions import Fraction

from budgetcitoyen.allocation import lockstep
from budgetcitoyen.allocation.context import Context
from budgetcitoyen.allocation.equalshares import EqualSharesResult, SupportIndex, certify, equal_shares


def run_at(context: Context, index: SupportIndex, share: Fraction, cardinal: bool) -> EqualSharesResult:
    """Equal shares at this per-voter share, among the eligible projects."""
    return equal_shares(index, context.granted, candidates_of(context), share, cardinal=cardinal,
                        tie_rank=context.tie_rank)


def candidates_of(context: Context) -> list[int]:
    """The projects equal shares may buy: those that reach the vote threshold."""
    return [j for j in range(len(context.projects)) if context.eligible(j)]


def _cost(context: Context, result: EqualSharesResult) -> int:
    return sum(context.granted[j] for j in result.selected)


def keep_raising_unit_by_unit(context: Context, index: SupportIndex, cardinal: bool, available: list[int],
                              base: EqualSharesResult) -> tuple[EqualSharesResult, int | None]:
    """The rule as defined. From floor(envelope ÷ voters), raise the share one unit at a time and rerun,
    keeping each outcome that fits the envelope, until one does not (the previous is kept) or every
    project of `available` (all that equal shares can buy) is bought. The outcome kept and its share
    (None: no raised share fits, `base`, the outcome at the exact share, is kept)."""
    unit = context.money.unit
    share = (context.envelope // (index.num_voters * unit)) * unit
    kept: int | None = None
    while len(base.selected) < len(available):
        share += unit
        attempt = run_at(context, index, Fraction(share), cardinal)
        if _cost(context, attempt) > context.envelope:
            break
        base, kept = attempt, share
    return base, kept


def keep_raising(context: Context, index: SupportIndex, cardinal: bool, available: list[int],
                 base: EqualSharesResult) -> tuple[EqualSharesResult, int | None]:
    """What `keep_raising_unit_by_unit` gives (the same outcome, levels and leftovers, the same share),
    with far fewer runs of equal shares.

    The units are looked at in batches (1, 4, 16, then BATCH units), all the shares of a batch run side
    by side (`lockstep`: the projects each share buys, or None where only an exact run can tell, and
    then it is run) — or in plain runs, with many voters or while outcomes change at almost every
    unit, where side by side does not pay. When a
    whole batch buys one and the same outcome, the outcome may stay for long: `equalshares.certify`
    then proves longer and longer stretches (doubling the jump while the proofs hold, halving it once
    one fails) before batches resume. The outcome kept is finally rerun at its share, so that levels
    and leftovers are exactly those of a plain run there.
    """
    unit = context.money.unit
    candidates = candidates_of(context)
    share = (context.envelope // (index.num_voters * unit)) * unit  # the last share looked at
    kept: int | None = None
    bought = len(base.selected)
    side_by_side = index.num_voters <= SIDE_BY_SIDE_VOTERS
    width = 1  # then 4, 16… up to BATCH: a first raised share that overspends costs one run
    while bought < len(available):
        shares = [share + k * unit for k in range(1, width + 1)]
        answers: list[tuple[int, ...] | None] = [None] * width
        if side_by_side and width > 1:
            answers = lockstep.outcomes(index, context.granted, candidates, shares, cardinal=cardinal,
                                        tie_rank=context.tie_rank, limit=context.envelope)
        for at, attempt in enumerate(shares):
            selected = answers[at]
            if selected is None:
                selected = answers[at] = run_at(context, index, Fraction(attempt), cardinal).selected
            if sum(context.granted[j] for j in selected) > context.envelope:
                return _final(context, index, cardinal, base, kept)
            share, kept, bought = attempt, attempt, len(selected)
            if bought == len(available):
                return _final(context, index, cardinal, base, kept)
        outcomes = len(set(answers))
        if outcomes == 1 and width == BATCH:
            share = _gallop(context, index, cardinal, candidates, share, BATCH)
            kept = share
        # Side by side pays off when shares share purchases: with a new outcome at almost every unit,
        # the rows split early and plain runs cost less (a generated 200 × 4,500 election).
        if width == BATCH and index.num_voters <= SIDE_BY_SIDE_VOTERS:  # (smaller batches tell too little)
            side_by_side = outcomes * BUSY <= width
        width = min(4 * width, BATCH)
    return _final(context, index, cardinal, base, kept)


BATCH = 32  # shares looked at together: beyond this, a batch costs more than it saves on Amsterdam 166
BUSY = 3  # more outcomes than a third of a batch: the next batch is plain runs
# Beyond this many voters the work per voter outweighs the per-round overhead that side by side saves
# (a generated 200 × 100,000 election: 1.0 s side by side, 0.57 s in plain runs, whole command).
SIDE_BY_SIDE_VOTERS = 20_000


def _gallop(context: Context, index: SupportIndex, cardinal: bool, candidates: list[int], share: int,
            jump: int) -> int:
    """The last share up to which the outcome at `share` is proved to stay, by `certify` over jumps
    that double while the proofs hold and are halved once one fails, down to less than `jump` units."""
    unit = context.money.unit
    known = run_at(context, index, Fraction(share), cardinal)
    smallest, growing = jump, True
    while jump >= smallest:
        proof = certify(index, context.granted, candidates, known, Fraction(share + jump * unit),
                        cardinal=cardinal, tie_rank=context.tie_rank)
        if proof is not None:
            known, share = proof, share + jump * unit
            jump = 2 * jump if growing else jump // 2
        else:
            growing, jump = False, jump // 2
    return share


def _final(context: Context, index: SupportIndex, cardinal: bool, base: EqualSharesResult,
           kept: int | None) -> tuple[EqualSharesResult, int | None]:
    """The outcome kept, as a plain run at its share gives it (`base`, the exact share's, if none)."""
    if kept is None:
        return base, None
    return run_at(context, index, Fraction(kept), cardinal), kept


