"""Allocation of the envelope: pure rules (greedy, territorial equity, Method of Equal Shares) and the
Pabulib format. No Flask, no database: callers pass projects, ballots and settings, and get an
`Outcome` explaining, in French, the fate of every project."""

from budgetcitoyen.allocation.rules import allocate, greedy, mes, mes_raw, territorial
from budgetcitoyen.allocation.values import (
    RULES,
    TIE_BREAKS,
    UTILITIES,
    AllocationError,
    Ballots,
    Decision,
    Outcome,
    Project,
    lazy_rule_enum,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from budgetcitoyen.allocation.rule_names import AllocationRule

__all__ = [
    "RULES",
    "TIE_BREAKS",
    "UTILITIES",
    "AllocationError",
    "AllocationRule",
    "Ballots",
    "Decision",
    "Outcome",
    "Project",
    "allocate",
    "greedy",
    "mes",
    "mes_raw",
    "territorial",
]


def __getattr__(name: str) -> object:
    return lazy_rule_enum(__name__, name)


def __dir__() -> list[str]:
    return sorted([*globals(), "AllocationRule"])
