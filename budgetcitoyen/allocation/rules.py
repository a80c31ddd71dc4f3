"""Allocation rules: greedy, territorial equity, and the Method of Equal Shares (raw or completed).

Money is handled as integers in the smallest unit the data need (cents when an amount has cents), so
every comparison with what remains is exact; equal-shares budgets are exact fractions where it
matters (see `equalshares.py`).

Tie-breaking (deterministic, documented for the public):

* ``tie_break="edition"`` (an edition of the Budget citoyen): more votes, then the lower amount
  (the amount granted, i.e. asked and capped by the category ceiling), then the earlier filing
  (``filed_order``; projects without one come after), then the smaller id (as a string).
  Equal-shares ties (same rho) use the same order.
* ``tie_break="id"`` (a Pabulib file): greedy ranks by votes, then by the smaller id compared as a
  string; equal-shares ties go to the smaller id as a string. This is exactly pabutools'
  ``lexico_tie_breaking`` (``sorted`` on ``Project.name``, a str) as used by its
  ``greedy_utilitarian_welfare`` (``Cost_Sat``: density = approvals) and ``method_of_equal_shares``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from budgetcitoyen.allocation import french
from budgetcitoyen.allocation.context import Context, build_context
from budgetcitoyen.allocation.explanations import outcome
from budgetcitoyen.allocation.values import (
    FUNDED,
    FUNDED_TERRITORY,
    RULES,
    UTILITIES,
    AllocationError,
    Amount,
    Ballots,
    Outcome,
    Project,
)

# -- the rules ---------------------------------------------------------------------------------

def allocate(projects: Sequence[Project], envelope: Amount, *, rule: str = "greedy",
             ballots: Ballots | None = None, threshold: int = 0, ceilings: Mapping[str, Amount] | None = None,
             sub_envelopes: Mapping[str, Amount] | None = None, territories: Sequence[str] | None = None,
             utility: str = "cost", tie_break: str = "edition", currency: str = "EUR") -> Outcome:
    """Share `envelope` among `projects` by `rule` and explain the fate of every project.

    * ``greedy``: by decreasing votes, fund each project that fits in what remains, skip the others.
    * ``territorial``: first the best-ranked project of each territory (if it fits), then ``greedy``.
      `territories` lists the territories (default: those of the projects); one without any eligible
      project is skipped, with a note.
    * ``mes-raw``: Method of Equal Shares on `ballots`, without completion.
    * ``mes``: equal shares completed as Wieliczka 2023, Świecie 2023 and Assen 2024 (see
      `mes_rules.completed`).

    Common settings: `threshold` (minimum number of votes to be funded, under every rule), `ceilings`
    (category → most a project of that category is granted: its amount asked is capped, under every
    rule), `sub_envelopes` (category → most all projects of that category may get together; greedy and
    territorial only), `utility` (equal shares: "cost" or "card"), `tie_break` ("edition" or "id",
    see the module docstring), `currency` (ISO code, for the explanations).
    """
    if rule not in RULES:
        raise AllocationError(f"Règle inconnue : « {rule} » (règles possibles : {', '.join(RULES)}).")
    if utility not in UTILITIES:
        raise AllocationError(f"Utilité inconnue : « {utility} » "
                              f"(valeurs possibles : {', '.join(UTILITIES)}).")
    if sub_envelopes and rule not in ("greedy", "territorial"):
        raise AllocationError(
            "Les sous-enveloppes ne s'appliquent qu'aux règles « greedy » et « territorial ».")
    if territories is not None and rule != "territorial":
        raise AllocationError("Une liste de territoires ne s'applique qu'à la règle « territorial ».")
    context = build_context(projects, envelope, threshold, ceilings, sub_envelopes, tie_break, currency)
    if rule == "greedy":
        context.greedy_pass(context.ranking, FUNDED)
    elif rule == "territorial":
        _territorial(context, territories)
    else:
        if ballots is None:
            raise AllocationError("La méthode des parts égales a besoin des bulletins.")
        if ballots.num_projects != len(projects):
            raise AllocationError(f"Les bulletins portent sur {ballots.num_projects} projets, "
                                  f"la liste en compte {len(projects)}.")
        # Imported when needed: the greedy rules (and `allocate --rule greedy`) start without it.
        from budgetcitoyen.allocation import mes_rules

        if rule == "mes-raw":
            mes_rules.equal_shares_raw(context, ballots, utility == "card")
        else:
            mes_rules.completed(context, ballots, utility == "card")
    return outcome(context, rule)


def greedy(projects: Sequence[Project], envelope: Amount, **settings: object) -> Outcome:
    """`allocate` with rule="greedy"."""
    return allocate(projects, envelope, rule="greedy", **settings)  # type: ignore[arg-type]


def territorial(projects: Sequence[Project], envelope: Amount, **settings: object) -> Outcome:
    """`allocate` with rule="territorial"."""
    return allocate(projects, envelope, rule="territorial", **settings)  # type: ignore[arg-type]


def mes_raw(projects: Sequence[Project], envelope: Amount, ballots: Ballots, **settings: object) -> Outcome:
    """`allocate` with rule="mes-raw"."""
    return allocate(projects, envelope, rule="mes-raw", ballots=ballots, **settings)  # type: ignore[arg-type]


def mes(projects: Sequence[Project], envelope: Amount, ballots: Ballots, **settings: object) -> Outcome:
    """`allocate` with rule="mes"."""
    return allocate(projects, envelope, rule="mes", ballots=ballots, **settings)  # type: ignore[arg-type]


def _territorial(context: Context, territories: Sequence[str] | None) -> None:
    projects = context.projects
    if territories is None:
        territories = sorted({p.territory for p in projects if p.territory is not None})
    champions = []
    for territory in territories:
        best = next((j for j in context.ranking
                     if projects[j].territory == territory and context.eligible(j)), None)
        if best is None:
            context.notes.append(f"Territoire {french.quoted(territory)} : aucun projet éligible, ignoré.")
        else:
            champions.append(best)
    for j in sorted(set(champions), key=context.rank.__getitem__):
        if context.fits(j)[0]:
            context.fund(j, FUNDED_TERRITORY)
        # A champion that does not fit is looked at again, in its rank, by the greedy pass.
    context.greedy_pass(context.ranking, FUNDED)

