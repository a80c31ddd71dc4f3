"""One allocation in progress: the amounts in integer units, the vote ranking, what remains, and what
happened to each project (pure: no Flask, no database)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

from budgetcitoyen.allocation.records import FrozenRecord, Record
from budgetcitoyen.allocation.values import (
    NO_ROOM,
    NO_ROOM_SUB_ENVELOPE,
    SUPPORTERS_SHORT,
    TIE_BREAKS,
    AllocationError,
    Amount,
    Project,
    as_decimal,
    check_unique_ids,
)

TYPE_CHECKING = False  # see records.py: `allocate` imports neither typing nor (for greedy) fractions
if TYPE_CHECKING:
    from fractions import Fraction

# -- money in integer units ---------------------------------------------------------------------

class Units(FrozenRecord):
    """Decimal amounts as integers of 10**-digits, exactly (no context rounding)."""

    _fields = ("digits",)
    __slots__ = _fields
    digits: int

    def __init__(self, digits: int) -> None:
        self._set(digits=digits)

    @classmethod
    def for_amounts(cls, amounts: Sequence[Decimal]) -> Units:
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
        from fractions import Fraction  # equal shares only: the greedy rules never import fractions

        fraction = Fraction(value) / self.unit
        return Decimal(fraction.numerator) / Decimal(fraction.denominator)


# -- what happened to each project, rendered in French at the end --------------------------------

class Fate(Record):
    """What happened to a project, with the figures its explanation quotes."""

    _fields = ("reason", "position", "remaining", "sub_remaining", "level", "purchase", "leftover")
    __slots__ = _fields

    def __init__(self, reason: str, position: int | None = None, remaining: int = 0,
                 sub_remaining: int | None = None, level: float | None = None, purchase: int | None = None,
                 leftover: float | None = None) -> None:
        self.reason = reason
        self.position = position
        self.remaining = remaining  # global remainder after funding, or when it was found not to fit
        self.sub_remaining = sub_remaining
        self.level = level  # equal shares: the most one supporter paid
        self.purchase = purchase  # equal shares: order of purchase
        self.leftover = leftover  # equal shares: what its supporters still held at the end


class Context(Record):
    """One allocation in progress: the data in integer units, the ranking, what remains, and the fate of
    each project (by position in `projects`)."""

    _fields = ("projects", "money", "envelope", "asked", "granted", "capped", "threshold", "currency",
                 "ranking", "rank", "tie_rank", "remaining", "sub_remaining", "selected", "fates", "notes")
    __slots__ = _fields

    def __init__(self, projects: Sequence[Project], money: Units, envelope: int, asked: list[int],
                 granted: list[int], capped: list[bool], threshold: int, currency: str, ranking: list[int],
                 rank: list[int], tie_rank: list[int], remaining: int = 0,
                 sub_remaining: dict[str, int] | None = None) -> None:
        self.projects = projects
        self.money = money
        self.envelope = envelope
        self.asked = asked
        self.granted = granted
        self.capped = capped
        self.threshold = threshold
        self.currency = currency
        self.ranking = ranking  # positions, best first
        self.rank = rank  # 1-based place of each position in the ranking
        self.tie_rank = tie_rank  # equal-shares tie order (lower wins)
        self.remaining = remaining
        self.sub_remaining: dict[str, int] = {} if sub_remaining is None else sub_remaining
        self.selected: list[int] = []
        self.fates: dict[int, Fate] = {}
        self.notes: list[str] = []

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
        self.fates[j] = Fate(reason, position=len(self.selected), remaining=self.remaining, sub_remaining=sub,
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
                self.fates[j] = Fate(NO_ROOM_SUB_ENVELOPE, remaining=self.remaining,
                                      sub_remaining=self.sub_remaining[short_category])
            else:
                # After equal shares, the completion's refusal keeps what the supporters still held:
                # the explanation gives both reasons (the method's, then the completion's).
                before = self.fates.get(j)
                held = before.leftover if before is not None and before.reason == SUPPORTERS_SHORT else None
                self.fates[j] = Fate(NO_ROOM, remaining=self.remaining, leftover=held)


def ranking_key(tie_break: str, granted: list[int], projects: Sequence[Project]) -> Callable[[int], tuple]:
    """Sort key of a position in the vote ranking (see the module docstring for the tie-breaks)."""
    if tie_break == "id":
        return lambda j: (-projects[j].votes, projects[j].id)
    return lambda j: (-projects[j].votes, granted[j],
                      (0, projects[j].filed_order) if projects[j].filed_order is not None else (1, 0),
                      projects[j].id)


def build_context(projects: Sequence[Project], envelope: Amount, threshold: int,
                  ceilings: Mapping[str, Amount] | None, sub_envelopes: Mapping[str, Amount] | None,
                  tie_break: str, currency: str) -> Context:
    check_unique_ids(projects)
    if tie_break not in TIE_BREAKS:
        raise AllocationError(f"Départage inconnu : « {tie_break} » "
                              f"(valeurs possibles : {', '.join(TIE_BREAKS)}).")
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 0:
        raise AllocationError(f"Seuil de voix invalide : {threshold}.")
    total = as_decimal(envelope, "Enveloppe")
    ceiling_amounts = {c: as_decimal(v, f"Plafond de la catégorie {c}") for c, v in (ceilings or {}).items()}
    sub_amounts = {c: as_decimal(v, f"Sous-enveloppe {c}") for c, v in (sub_envelopes or {}).items()}
    money = Units.for_amounts([total, *(p.cost for p in projects), *ceiling_amounts.values(),
                                *sub_amounts.values()])
    asked = [money.units(p.cost) for p in projects]
    granted, capped = [], []
    for project, amount in zip(projects, asked, strict=True):
        ceiling = ceiling_amounts.get(project.category) if project.category is not None else None
        cap = money.units(ceiling) if ceiling is not None else None
        granted.append(min(amount, cap) if cap is not None else amount)
        capped.append(cap is not None and cap < amount)
    key = ranking_key(tie_break, granted, projects)
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
    context = Context(projects, money, money.units(total), asked, granted, capped, threshold, currency,
                       ranking, rank, tie_rank)
    context.remaining = context.envelope
    context.sub_remaining = subs
    return context

