"""The rules of the Method of Equal Shares on an allocation in progress: raw (`mes-raw`) and completed
(`mes`: the per-voter share raised "+1", then the greedy fill)."""

from __future__ import annotations

from fractions import Fraction

from budgetcitoyen.allocation import french
from budgetcitoyen.allocation.add1 import keep_raising, run_at
from budgetcitoyen.allocation.context import Context, Fate
from budgetcitoyen.allocation.equalshares import EqualSharesResult, SupportIndex
from budgetcitoyen.allocation.values import (
    FUNDED_COMPLETION,
    FUNDED_EQUAL_SHARES,
    NO_SUPPORT,
    SUPPORTERS_SHORT,
    ZERO_COST_IGNORED,
    Ballots,
)


def _record(context: Context, index: SupportIndex, cardinal: bool, bought: EqualSharesResult | None
            ) -> None:
    """Fund what equal shares took (zero-cost projects first, when it takes them), and say why each other
    eligible project was not funded."""
    if cardinal:
        # Zero-cost projects are taken for free, as pabutools does: with cardinality utilities any
        # supported one; with cost utilities none (a zero-cost project brings zero utility).
        for j in context.ranking:
            if context.granted[j] == 0 and index.support(j) > 0 and context.eligible(j):
                context.fund(j, FUNDED_EQUAL_SHARES, level=0.0)
    if bought is not None:
        for purchase, (j, level) in enumerate(zip(bought.selected, bought.levels, strict=True), start=1):
            context.fund(j, FUNDED_EQUAL_SHARES, level=level, purchase=purchase)
    leftover = bought.leftover().tolist() if bought is not None else [0.0] * len(context.projects)
    funded = set(context.selected)
    for j in range(len(context.projects)):
        if j in funded or not context.eligible(j):
            continue
        if index.support(j) == 0:
            context.fates[j] = Fate(NO_SUPPORT)
        elif context.granted[j] == 0 and not cardinal:
            context.fates[j] = Fate(ZERO_COST_IGNORED)
        else:
            context.fates[j] = Fate(SUPPORTERS_SHORT, leftover=leftover[j])


def equal_shares_raw(context: Context, ballots: Ballots, cardinal: bool) -> None:
    """`mes-raw`: equal shares at envelope ÷ voters, nothing more."""
    index = SupportIndex.build(ballots)
    bought = None
    if ballots.num_voters:
        share = Fraction(context.envelope, ballots.num_voters)
        bought = run_at(context, index, share, cardinal)
        context.notes.append(f"Part de chaque votant : {_share_text(context, share)} "
                             f"(enveloppe ÷ {ballots.num_voters} votants).")
    else:
        context.notes.append("Aucun bulletin : la méthode des parts égales ne finance rien.")
    _record(context, index, cardinal, bought)


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
    index = SupportIndex.build(ballots)
    bought = None
    if voters:
        exact_share = Fraction(context.envelope, voters)
        bought = run_at(context, index, exact_share, cardinal)
        available = [j for j in range(len(context.projects))
                     if context.eligible(j) and index.support(j) > 0 and context.granted[j] > 0]
        bought, raised = keep_raising(context, index, cardinal, available, bought)
        text = f"Part de chaque votant : {_share_text(context, exact_share)} (enveloppe ÷ {voters} votants)"
        if raised is not None:
            text += f", portée à {_share_text(context, Fraction(raised))} par le complément « +1 par votant »"
        context.notes.append(text + " ; puis complément glouton dans l'ordre des voix.")
    else:
        context.notes.append("Aucun bulletin : seul le complément glouton s'applique.")
    _record(context, index, cardinal, bought)
    context.greedy_pass(context.ranking, FUNDED_COMPLETION)


def _share_text(context: Context, share: Fraction) -> str:
    return french.amount(context.money.fraction_decimal(share), context.currency)

