"""The rules of the Method of Equal Shares on an allocation in progress: raw (`mes-raw`) and completed
(`mes`: the per-voter share raised "+1", then the greedy fill)."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from budgetcitoyen.allocation import french
from budgetcitoyen.allocation.context import Context, Fate
from budgetcitoyen.allocation.equalshares import SupportIndex, equal_shares
from budgetcitoyen.allocation.values import (
    FUNDED_COMPLETION,
    FUNDED_EQUAL_SHARES,
    NO_SUPPORT,
    SUPPORTERS_SHORT,
    ZERO_COST_IGNORED,
    Ballots,
)


@dataclass
class Bought:
    """What equal shares bought at one share: the positions in purchase order, the level of each purchase
    (the most one supporter paid), and what the supporters of each project still held at the end."""

    selected: list[int] = field(default_factory=list)
    levels: list[float] = field(default_factory=list)
    leftover: list[float] | None = None


def run_at(context: Context, index: SupportIndex, share: Fraction, cardinal: bool) -> Bought:
    """Equal shares at this per-voter share, among the eligible projects."""
    candidates = [j for j in range(len(context.projects)) if context.eligible(j)]
    result = equal_shares(index, context.granted, candidates, share, cardinal=cardinal,
                          tie_rank=context.tie_rank)
    return Bought(list(result.selected), list(result.levels), result.leftover.tolist())


def _record(context: Context, index: SupportIndex, cardinal: bool, bought: Bought) -> None:
    """Fund what equal shares took (zero-cost projects first, when it takes them), and say why each other
    eligible project was not funded."""
    if cardinal:
        # Zero-cost projects are taken for free, as pabutools does: with cardinality utilities any
        # supported one; with cost utilities none (a zero-cost project brings zero utility).
        for j in context.ranking:
            if context.granted[j] == 0 and index.support(j) > 0 and context.eligible(j):
                context.fund(j, FUNDED_EQUAL_SHARES, level=0.0)
    for purchase, (j, level) in enumerate(zip(bought.selected, bought.levels, strict=True), start=1):
        context.fund(j, FUNDED_EQUAL_SHARES, level=level, purchase=purchase)
    funded = set(context.selected)
    for j in range(len(context.projects)):
        if j in funded or not context.eligible(j):
            continue
        if index.support(j) == 0:
            context.fates[j] = Fate(NO_SUPPORT)
        elif context.granted[j] == 0 and not cardinal:
            context.fates[j] = Fate(ZERO_COST_IGNORED)
        else:
            context.fates[j] = Fate(SUPPORTERS_SHORT, leftover=bought.leftover[j] if bought.leftover else 0.0)


def equal_shares_raw(context: Context, ballots: Ballots, cardinal: bool) -> None:
    """`mes-raw`: equal shares at envelope ÷ voters, nothing more."""
    index = SupportIndex.build(ballots)
    bought = Bought()
    if ballots.num_voters:
        share = Fraction(context.envelope, ballots.num_voters)
        bought = run_at(context, index, share, cardinal)
        context.notes.append(f"Part de chaque votant : {_share_text(context, share)} "
                             f"(enveloppe ÷ {ballots.num_voters} votants).")
    else:
        context.notes.append("Aucun bulletin : la méthode des parts égales ne finance rien.")
    _record(context, index, cardinal, bought)


def completed(context: Context, ballots: Ballots, cardinal: bool) -> None:
    """Equal shares made exhaustive as Wieliczka 2023, Świecie 2023 and Assen 2024 did ("Add1").

    1. Run equal shares at the exact share (envelope ÷ voters).
    2. While that outcome is not exhaustive, raise the share to floor(envelope ÷ voters) + 1, then one
       currency unit more at a time, and rerun (a virtual envelope of share × voters). Keep each new
       outcome whose total cost fits the real envelope; stop at the first one that does not (and keep
       the previous). If the very first raised share already overspends, the base is therefore the
       outcome at the exact share.
    3. Fill what is left with `greedy`, in the vote ranking.

    "Exhaustive" is checked, as pabutools' ``voter_budget_increment`` and the reference code of
    equalshares.net do, before each raise: once no project equal shares could buy (eligible, with a
    supporter and a non-zero utility) fits in what is left of the real envelope, raising further is
    not tried. Świecie 2023's official outcome is reproduced with this stop, not without it; and
    without it the loop would never end when everything equal shares can buy fits in the envelope.
    With it the loop ends, at the latest once the share alone pays for the dearest project.

    pabutools' own iteration starts at exactly envelope ÷ voters + 1 (not floor + 1), so it agrees
    with this one when the envelope is a multiple of the number of voters; its greedy completion is
    ``greedy_utilitarian_welfare`` with the outcome as initial allocation, as here.
    """
    voters = ballots.num_voters
    index = SupportIndex.build(ballots)
    free = [j for j in context.ranking
            if cardinal and context.granted[j] == 0 and index.support(j) > 0 and context.eligible(j)]
    available = [j for j in range(len(context.projects))
                 if context.eligible(j) and index.support(j) > 0 and context.granted[j] > 0]
    bought = Bought()
    if voters:
        exact_share = Fraction(context.envelope, voters)
        bought = run_at(context, index, exact_share, cardinal)
        share: Fraction = exact_share
        unit = context.money.unit
        raised = (context.envelope // (voters * unit)) * unit
        while not _exhaustive(context, free + bought.selected, available):
            raised += unit
            attempt = run_at(context, index, Fraction(raised), cardinal)
            if sum(context.granted[j] for j in attempt.selected) > context.envelope:
                break
            bought = attempt
            share = Fraction(raised)
        text = f"Part de chaque votant : {_share_text(context, exact_share)} (enveloppe ÷ {voters} votants)"
        if share != exact_share:
            text += f", portée à {_share_text(context, share)} par le complément « +1 par votant »"
        context.notes.append(text + " ; puis complément glouton dans l'ordre des voix.")
    else:
        context.notes.append("Aucun bulletin : seul le complément glouton s'applique.")
    _record(context, index, cardinal, bought)
    context.greedy_pass(context.ranking, FUNDED_COMPLETION)


def _exhaustive(context: Context, chosen: list[int], available: list[int]) -> bool:
    spent = sum(context.granted[j] for j in chosen)
    taken = set(chosen)
    return not any(j not in taken and spent + context.granted[j] <= context.envelope for j in available)


def _share_text(context: Context, share: Fraction) -> str:
    return french.amount(context.money.fraction_decimal(share), context.currency)

