"""The "Add1" completion of equal shares: the per-voter share raised one currency unit at a time while
the outcome fits the envelope.

`keep_raising_unit_by_unit` is the rule as defined (one run of equal shares per unit). `keep_raising`
gives the same outcome without a run at every unit: after a run whose outcome did not change, it guesses
from the last two runs where the outcome may change, and `equalshares.certify` proves (or not) that every
share up to the unit before buys the same; failed proofs halve the jump. Between changes of the outcome
(Assen 2024: 7 changes in 844 units) it thus needs a few runs instead of one per unit; when the outcome
changes every few units (Amsterdam 166: 63 changes in 276 units) it does about what the definition does.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

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
    skipping the units where the outcome certainly does not change.

    After a plain run whose outcome did not change, guess from the last two runs how far the outcome
    stays the same (`_guess`) and ask `certify` to prove it up to the unit before; with no guess, jump
    2, 4, 8… units ahead while the proofs hold. A proof that fails halves the jump (a binary search for
    the unit where the outcome changes); a jump of 1 is a plain run. A proof costs about one run: when
    attempts keep proving nothing (an outcome that changes every few units), the next chances are let
    go by, twice as many each time.
    """
    unit = context.money.unit
    candidates = candidates_of(context)
    last = (context.envelope // (index.num_voters * unit)) * unit  # the last share looked at
    base_share = Fraction(context.envelope, index.num_voters)  # the share `base` was computed at
    kept: int | None = None
    certified = False  # whether `base` comes from a proof rather than from a plain run at `kept`
    jump, mode = 1, "search"  # mode after a proof: "double" the jump, "guided" (then a plain run), "search"
    reach = 4  # the longest jump lately proved: proofs over much longer jumps seldom hold
    proved: bool | None = None  # whether the current attempts proved anything (None: no attempt)
    patience = skip = 0  # chances to let go by after fruitless attempts, and how many are left
    while len(base.selected) < len(available):
        if jump > 1:
            share = last + jump * unit
            proof = certify(index, context.granted, candidates, base, Fraction(share), cardinal=cardinal,
                            tie_rank=context.tie_rank)
            if proof is not None:
                base, base_share, last, kept, certified = proof, Fraction(share), share, share, True
                reach = max(reach, jump) if mode == "double" else jump
                jump, proved = {"double": 2 * jump, "guided": 1, "search": jump // 2}[mode], True
            else:
                reach, jump, mode, proved = max(2, jump // 2), jump // 2, "search", bool(proved)
            continue
        if proved is not None:
            patience = 0 if proved else max(1, 2 * patience)
            skip, proved = patience, None
        last += unit
        attempt = run_at(context, index, Fraction(last), cardinal)
        if _cost(context, attempt) > context.envelope:
            break
        jump = 1
        if attempt.selected == base.selected and skip:
            skip -= 1
        elif attempt.selected == base.selected:
            ahead = _guess(context, candidates, base, attempt, Fraction(last) - base_share)
            if ahead is None:
                jump, mode = 2, "double"
            else:
                jump, mode = min(-(-ahead // unit) - 1, 2 * reach), "guided"
                jump = jump if jump > 2 else 1  # a proof over 2 units costs what 2 plain runs cost
        base, base_share, kept, certified = attempt, Fraction(last), last, False
    if certified and kept is not None:
        # Same purchases, but levels and leftovers exactly as a plain run at that share gives them.
        base = run_at(context, index, Fraction(kept), cardinal)
    return base, kept


def _guess(context: Context, candidates: list[int], earlier: EqualSharesResult, later: EqualSharesResult,
           width: Fraction) -> int | None:
    """How far beyond `later` (in money units) the outcome may first change, guessed from two runs with
    the same purchases, `width` apart: straight lines through each round's gap between a project seen
    in both and the purchase, and through the money each remaining project's supporters hold at the end
    against its cost. None when nothing is closing in. A guess only: `certify` checks it."""
    step = float(width)
    ahead = math.inf
    for round_number, (seen_before, seen_after) in enumerate(zip(earlier.seen, later.seen, strict=True)):
        star_before = earlier.chosen[round_number].rho
        star_after = later.chosen[round_number].rho
        for project, rho_after in seen_after.items():
            rho_before = seen_before.get(project)
            if rho_before is None:
                continue
            gap_before, gap_after = rho_before - star_before, rho_after - star_after
            if gap_after < gap_before:
                ahead = min(ahead, max(gap_after, 0.0) * step / (gap_before - gap_after))
    taken = set(later.selected)
    remaining = [j for j in candidates if j not in taken and context.granted[j] > 0]
    if remaining:
        money_before = earlier.leftover()[remaining]
        money_after = later.leftover()[remaining]
        costs = np.array([context.granted[j] for j in remaining], dtype=np.float64)
        growing = money_after > money_before
        if growing.any():
            needed = (costs - money_after)[growing] * step / (money_after - money_before)[growing]
            ahead = min(ahead, float(np.maximum(needed, 0.0).min()))
    return None if math.isinf(ahead) else int(ahead)
