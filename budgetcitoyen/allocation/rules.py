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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from budgetcitoyen.allocation import french
from budgetcitoyen.allocation.equalshares import SupportIndex, equal_shares
from budgetcitoyen.allocation.model import (
    BELOW_THRESHOLD,
    EXCEEDS_ENVELOPE,
    FUNDED,
    FUNDED_COMPLETION,
    FUNDED_EQUAL_SHARES,
    FUNDED_TERRITORY,
    NO_ROOM,
    NO_ROOM_SUB_ENVELOPE,
    NO_SUPPORT,
    RULES,
    SUPPORTERS_SHORT,
    TIE_BREAKS,
    UTILITIES,
    ZERO_COST_IGNORED,
    AllocationError,
    Amount,
    Ballots,
    Decision,
    Outcome,
    Project,
    as_decimal,
    check_unique_ids,
)

RULE_LABELS = {
    "greedy": "glouton (par voix décroissantes)",
    "territorial": "équité territoriale puis glouton",
    "mes-raw": "méthode des parts égales (sans complément)",
    "mes": "méthode des parts égales, complétée (+1 par votant, puis glouton)",
}


# -- money in integer units -------------------------------------------------------------------

@dataclass(frozen=True)
class _Money:
    """Decimal amounts as integers of 10**-digits, exactly (no context rounding)."""

    digits: int

    @classmethod
    def for_amounts(cls, amounts: Sequence[Decimal]) -> _Money:
        exponents = [a.normalize().as_tuple().exponent for a in amounts if a]
        return cls(max([0, *(-int(e) for e in exponents)]))

    @property
    def unit(self) -> int:
        """One currency unit (one euro) in internal units."""
        return 10 ** self.digits

    def units(self, amount: Decimal) -> int:
        sign, digits, exponent = amount.as_tuple()
        value = int("".join(map(str, digits)) or "0")
        shift = int(exponent) + self.digits
        if shift >= 0:
            value *= 10 ** shift
        else:
            # Trailing zeros only ("4500.00" with whole units): `digits` was chosen to make this exact.
            value, rest = divmod(value, 10 ** -shift)
            if rest:
                raise AllocationError(f"Montant {amount} plus précis que l'unité de calcul.")
        return -value if sign else value

    def decimal(self, units: int) -> Decimal:
        if not self.digits:
            return Decimal(units)
        # Built from its digits, not by division: no rounding to the context's precision.
        return Decimal(f"{units}E-{self.digits}")

    def fraction_decimal(self, value: Fraction | float) -> Decimal:
        fraction = Fraction(value) / self.unit
        return Decimal(fraction.numerator) / Decimal(fraction.denominator)


# -- what happened to each project, rendered in French at the end --------------------------------

@dataclass
class _Fate:
    """What happened to a project, with the figures its explanation quotes."""

    reason: str
    position: int | None = None
    remaining: int = 0  # global remainder after funding, or when it was found not to fit
    sub_remaining: int | None = None
    level: float | None = None  # equal shares: the most one supporter paid
    purchase: int | None = None  # equal shares: order of purchase
    leftover: float | None = None  # equal shares: what its supporters still held at the end


@dataclass
class _Context:
    """One allocation in progress: the data in integer units, the ranking, what remains, and the fate of
    each project (by position in `projects`)."""

    projects: Sequence[Project]
    money: _Money
    envelope: int
    asked: list[int]
    granted: list[int]
    capped: list[bool]
    threshold: int
    currency: str
    ranking: list[int]  # positions, best first
    rank: list[int]  # 1-based place of each position in the ranking
    tie_rank: list[int]  # equal-shares tie order (lower wins)
    remaining: int = 0
    sub_remaining: dict[str, int] = field(default_factory=dict)
    selected: list[int] = field(default_factory=list)
    fates: dict[int, _Fate] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def eligible(self, j: int) -> bool:
        return self.projects[j].votes >= self.threshold

    def fits(self, j: int) -> tuple[bool, str | None]:
        """(fits, category whose sub-envelope is too short)."""
        category = self.projects[j].category
        if category is not None and category in self.sub_remaining \
                and self.granted[j] > self.sub_remaining[category]:
            return False, category
        return self.granted[j] <= self.remaining, None

    def fund(self, j: int, reason: str, *, level: float | None = None, purchase: int | None = None) -> None:
        self.remaining -= self.granted[j]
        category = self.projects[j].category
        sub = None
        if category is not None and category in self.sub_remaining:
            self.sub_remaining[category] -= self.granted[j]
            sub = self.sub_remaining[category]
        self.selected.append(j)
        self.fates[j] = _Fate(reason, position=len(self.selected), remaining=self.remaining, sub_remaining=sub,
                              level=level, purchase=purchase)

    def greedy_pass(self, order: Sequence[int], reason: str) -> None:
        """Fund, in this order, each eligible project not yet funded that still fits; skip the others."""
        funded = set(self.selected)
        for j in order:
            if j in funded or not self.eligible(j):
                continue
            fits, short_category = self.fits(j)
            if fits:
                self.fund(j, reason)
            elif short_category is not None:
                self.fates[j] = _Fate(NO_ROOM_SUB_ENVELOPE, remaining=self.remaining,
                                      sub_remaining=self.sub_remaining[short_category])
            else:
                self.fates[j] = _Fate(NO_ROOM, remaining=self.remaining)


def _ranking_key(tie_break: str, granted: list[int], projects: Sequence[Project]) -> Callable[[int], tuple]:
    """Sort key of a position in the vote ranking (see the module docstring for the tie-breaks)."""
    if tie_break == "id":
        return lambda j: (-projects[j].votes, projects[j].id)
    return lambda j: (-projects[j].votes, granted[j],
                      (0, projects[j].filed_order) if projects[j].filed_order is not None else (1, 0),
                      projects[j].id)


def _context(projects: Sequence[Project], envelope: Amount, threshold: int, ceilings: Mapping[str, Amount] | None,
             sub_envelopes: Mapping[str, Amount] | None, tie_break: str, currency: str) -> _Context:
    check_unique_ids(projects)
    if tie_break not in TIE_BREAKS:
        raise AllocationError(f"Départage inconnu : « {tie_break} » (valeurs possibles : {', '.join(TIE_BREAKS)}).")
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 0:
        raise AllocationError(f"Seuil de voix invalide : {threshold}.")
    total = as_decimal(envelope, "Enveloppe")
    ceiling_amounts = {c: as_decimal(v, f"Plafond de la catégorie {c}") for c, v in (ceilings or {}).items()}
    sub_amounts = {c: as_decimal(v, f"Sous-enveloppe {c}") for c, v in (sub_envelopes or {}).items()}
    money = _Money.for_amounts([total, *(p.cost for p in projects), *ceiling_amounts.values(),
                                *sub_amounts.values()])
    asked = [money.units(p.cost) for p in projects]
    granted, capped = [], []
    for project, amount in zip(projects, asked, strict=True):
        ceiling = ceiling_amounts.get(project.category) if project.category is not None else None
        cap = money.units(ceiling) if ceiling is not None else None
        granted.append(min(amount, cap) if cap is not None else amount)
        capped.append(cap is not None and cap < amount)
    key = _ranking_key(tie_break, granted, projects)
    ranking = sorted(range(len(projects)), key=key)
    rank = [0] * len(projects)
    for place, j in enumerate(ranking, start=1):
        rank[j] = place
    if tie_break == "id":
        by_id = sorted(range(len(projects)), key=lambda j: projects[j].id)
        tie_rank = [0] * len(projects)
        for place, j in enumerate(by_id):
            tie_rank[j] = place
    else:
        tie_rank = rank
    subs = {c: money.units(v) for c, v in sub_amounts.items()}
    context = _Context(projects, money, money.units(total), asked, granted, capped, threshold, currency,
                       ranking, rank, tie_rank)
    context.remaining = context.envelope
    context.sub_remaining = subs
    return context


# -- the rules ---------------------------------------------------------------------------------

def allocate(projects: Sequence[Project], envelope: Amount, *, rule: str = "greedy", ballots: Ballots | None = None,
             threshold: int = 0, ceilings: Mapping[str, Amount] | None = None,
             sub_envelopes: Mapping[str, Amount] | None = None, territories: Sequence[str] | None = None,
             utility: str = "cost", tie_break: str = "edition", currency: str = "EUR") -> Outcome:
    """Share `envelope` among `projects` by `rule` and explain the fate of every project.

    * ``greedy``: by decreasing votes, fund each project that fits in what remains, skip the others.
    * ``territorial``: first the best-ranked project of each territory (if it fits), then ``greedy``.
      `territories` lists the territories (default: those of the projects); one without any eligible
      project is skipped, with a note.
    * ``mes-raw``: Method of Equal Shares on `ballots`, without completion.
    * ``mes``: equal shares completed as Wieliczka 2023, Świecie 2023 and Assen 2024 (see `_completed`).

    Common settings: `threshold` (minimum number of votes to be funded, under every rule), `ceilings`
    (category → most a project of that category is granted: its amount asked is capped, under every
    rule), `sub_envelopes` (category → most all projects of that category may get together; greedy and
    territorial only), `utility` (equal shares: "cost" or "card"), `tie_break` ("edition" or "id",
    see the module docstring), `currency` (ISO code, for the explanations).
    """
    if rule not in RULES:
        raise AllocationError(f"Règle inconnue : « {rule} » (règles possibles : {', '.join(RULES)}).")
    if utility not in UTILITIES:
        raise AllocationError(f"Utilité inconnue : « {utility} » (valeurs possibles : {', '.join(UTILITIES)}).")
    if sub_envelopes and rule not in ("greedy", "territorial"):
        raise AllocationError("Les sous-enveloppes ne s'appliquent qu'aux règles « greedy » et « territorial ».")
    if territories is not None and rule != "territorial":
        raise AllocationError("Une liste de territoires ne s'applique qu'à la règle « territorial ».")
    context = _context(projects, envelope, threshold, ceilings, sub_envelopes, tie_break, currency)
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
        if rule == "mes-raw":
            _equal_shares_raw(context, ballots, utility == "card")
        else:
            _completed(context, ballots, utility == "card")
    return _outcome(context, rule)


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


def _territorial(context: _Context, territories: Sequence[str] | None) -> None:
    projects = context.projects
    if territories is None:
        territories = sorted({p.territory for p in projects if p.territory is not None})
    champions = []
    for territory in territories:
        best = next((j for j in context.ranking if projects[j].territory == territory and context.eligible(j)), None)
        if best is None:
            context.notes.append(f"Territoire {french.quoted(territory)} : aucun projet éligible, ignoré.")
        else:
            champions.append(best)
    for j in sorted(set(champions), key=context.rank.__getitem__):
        if context.fits(j)[0]:
            context.fund(j, FUNDED_TERRITORY)
        # A champion that does not fit is looked at again, in its rank, by the greedy pass.
    context.greedy_pass(context.ranking, FUNDED)


def _zero_cost_first(context: _Context, index: SupportIndex, cardinal: bool) -> list[int]:
    """Zero-cost projects that equal shares takes for free, as pabutools does: with cardinality
    utilities any supported one; with cost utilities none (a zero-cost project brings zero utility)."""
    if not cardinal:
        return []
    return [j for j in context.ranking if context.granted[j] == 0 and index.support(j) > 0 and context.eligible(j)]


def _run(context: _Context, index: SupportIndex, share: Fraction, cardinal: bool
         ) -> tuple[list[int], list[float], list[float]]:
    """Equal shares at this share: what it buys, the level of each purchase, the leftover per project."""
    candidates = [j for j in range(len(context.projects)) if context.eligible(j)]
    result = equal_shares(index, context.granted, candidates, share, cardinal=cardinal, tie_rank=context.tie_rank)
    return list(result.selected), list(result.levels), result.leftover.tolist()


def _record_equal_shares(context: _Context, free: list[int], bought: list[int], levels: list[float]) -> None:
    for j in free:
        context.fund(j, FUNDED_EQUAL_SHARES, level=0.0)
    for purchase, (j, level) in enumerate(zip(bought, levels, strict=True), start=1):
        context.fund(j, FUNDED_EQUAL_SHARES, level=level, purchase=purchase)


def _explain_unbought(context: _Context, index: SupportIndex, cardinal: bool, leftover: list[float]) -> None:
    funded = set(context.selected)
    for j in range(len(context.projects)):
        if j in funded or not context.eligible(j):
            continue
        if index.support(j) == 0:
            context.fates[j] = _Fate(NO_SUPPORT)
        elif context.granted[j] == 0 and not cardinal:
            context.fates[j] = _Fate(ZERO_COST_IGNORED)
        else:
            context.fates[j] = _Fate(SUPPORTERS_SHORT, leftover=leftover[j])


def _equal_shares_raw(context: _Context, ballots: Ballots, cardinal: bool) -> None:
    voters = ballots.num_voters
    index = SupportIndex.build(ballots)
    free = _zero_cost_first(context, index, cardinal)
    bought: list[int] = []
    levels: list[float] = []
    leftover = [0.0] * len(context.projects)
    if voters:
        share = Fraction(context.envelope, voters)
        bought, levels, leftover = _run(context, index, share, cardinal)
        context.notes.append(f"Part de chaque votant : {_share_text(context, share)} "
                             f"(enveloppe ÷ {voters} votants).")
    else:
        context.notes.append("Aucun bulletin : la méthode des parts égales ne finance rien.")
    _record_equal_shares(context, free, bought, levels)
    _explain_unbought(context, index, cardinal, leftover)


def _completed(context: _Context, ballots: Ballots, cardinal: bool) -> None:
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
    free = _zero_cost_first(context, index, cardinal)
    available = [j for j in range(len(context.projects))
                 if context.eligible(j) and index.support(j) > 0 and context.granted[j] > 0]
    bought: list[int] = []
    levels: list[float] = []
    leftover = [0.0] * len(context.projects)
    if voters:
        exact_share = Fraction(context.envelope, voters)
        bought, levels, leftover = _run(context, index, exact_share, cardinal)
        share: Fraction = exact_share
        unit = context.money.unit
        raised = (context.envelope // (voters * unit)) * unit
        while not _exhaustive(context, free + bought, available):
            raised += unit
            attempt = _run(context, index, Fraction(raised), cardinal)
            if sum(context.granted[j] for j in attempt[0]) > context.envelope:
                break
            bought, levels, leftover = attempt
            share = Fraction(raised)
        text = f"Part de chaque votant : {_share_text(context, exact_share)} (enveloppe ÷ {voters} votants)"
        if share != exact_share:
            text += f", portée à {_share_text(context, share)} par le complément « +1 par votant »"
        context.notes.append(text + " ; puis complément glouton dans l'ordre des voix.")
    else:
        context.notes.append("Aucun bulletin : seul le complément glouton s'applique.")
    _record_equal_shares(context, free, bought, levels)
    _explain_unbought(context, index, cardinal, leftover)
    context.greedy_pass(context.ranking, FUNDED_COMPLETION)


def _exhaustive(context: _Context, chosen: list[int], available: list[int]) -> bool:
    spent = sum(context.granted[j] for j in chosen)
    taken = set(chosen)
    return not any(j not in taken and spent + context.granted[j] <= context.envelope for j in available)


def _share_text(context: _Context, share: Fraction) -> str:
    return french.amount(context.money.fraction_decimal(share), context.currency)


# -- explanations ------------------------------------------------------------------------------

def _outcome(context: _Context, rule: str) -> Outcome:
    money, projects = context.money, context.projects
    decisions = []
    for j, project in enumerate(projects):
        fate = context.fates.get(j) or _Fate(NO_ROOM, remaining=context.remaining)
        if not context.eligible(j):
            fate = _Fate(BELOW_THRESHOLD)
        elif fate.position is None and context.granted[j] > context.envelope:
            fate = _Fate(EXCEEDS_ENVELOPE)  # the plainest reason, whatever the rule
        funded = fate.position is not None
        decisions.append(Decision(
            project_id=project.id, funded=funded, asked=project.cost,
            granted=money.decimal(context.granted[j]) if funded else money.decimal(0),
            votes=project.votes, rank=context.rank[j], position=fate.position, reason=fate.reason,
            explanation=_explain(context, j, fate)))
    spent = context.envelope - context.remaining
    return Outcome(
        rule=rule, envelope=money.decimal(context.envelope), spent=money.decimal(spent),
        remaining=money.decimal(context.remaining), selected=tuple(projects[j].id for j in context.selected),
        decisions=tuple(decisions),
        sub_envelopes_remaining={c: money.decimal(v) for c, v in context.sub_remaining.items()},
        notes=tuple(context.notes))


def _explain(context: _Context, j: int, fate: _Fate) -> str:
    project = context.projects[j]

    def amount(units: int) -> str:
        return french.amount(context.money.decimal(units), context.currency)

    place = f"{french.ordinal(context.rank[j])} en voix ({french.votes(project.votes)})"
    category = french.quoted(project.category) if project.category is not None else ""
    need = amount(context.granted[j])
    capped = f" (demande de {amount(context.asked[j])} plafonnée pour la catégorie {category})" \
        if context.capped[j] else ""
    asked = f"{need} retenus{capped}" if capped else f"{need} demandés"
    if fate.position is not None:
        sub = f" ; {amount(fate.sub_remaining)} restants dans la sous-enveloppe {category}" \
            if fate.sub_remaining is not None else ""
        head = {
            FUNDED: "Financé",
            FUNDED_COMPLETION: "Financé au complément glouton",
            FUNDED_TERRITORY: f"Financé comme meilleur projet du territoire {french.quoted(project.territory or '')}",
            FUNDED_EQUAL_SHARES: "Financé par la méthode des parts égales"
            + (f" ({french.ordinal(fate.purchase)} achat)" if fate.purchase else " (coût nul)"),
        }[fate.reason]
        text = f"{head} : {place} ; {need} accordés{capped}, {amount(fate.remaining)} restants{sub}."
        if fate.reason == FUNDED_EQUAL_SHARES and fate.purchase:
            paid = french.amount(context.money.fraction_decimal(fate.level or 0.0), context.currency)
            text = text[:-1] + f" ; chaque soutien a payé au plus {paid}."
        return text
    if fate.reason == BELOW_THRESHOLD:
        return f"Non financé : {french.votes(project.votes)}, sous le seuil de {french.votes(context.threshold)}."
    if fate.reason == EXCEEDS_ENVELOPE:
        return f"Non financé : {asked}, plus que l'enveloppe entière ({amount(context.envelope)})."
    if fate.reason == NO_ROOM_SUB_ENVELOPE:
        return f"Non financé : {place} ; {asked}, il ne restait que {amount(fate.sub_remaining or 0)} " \
               f"dans la sous-enveloppe {category}."
    if fate.reason == NO_SUPPORT:
        return "Non financé : aucun bulletin ne l'a choisi."
    if fate.reason == ZERO_COST_IGNORED:
        return "Non financé : un projet à 0 € n'apporte aucune utilité « coût » à la méthode des parts égales."
    if fate.reason == SUPPORTERS_SHORT:
        held = french.amount(context.money.fraction_decimal(fate.leftover or 0.0), context.currency)
        return f"Non financé : {place} ; ses soutiens ne disposaient plus que de {held} pour les {asked}."
    return f"Non financé : {place} ; {asked}, il ne restait que {amount(fate.remaining)}."
