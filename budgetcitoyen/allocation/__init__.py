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
    # The enum of the rules is imported when first asked for: `budgetcitoyen allocate` needs only their
    # codes (values.RULES), and its start stays without enum (see records.py).
    if name == "AllocationRule":
        from budgetcitoyen.allocation.rule_names import AllocationRule

        return AllocationRule
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), "AllocationRule"])
