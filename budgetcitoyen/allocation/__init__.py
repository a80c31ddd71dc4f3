"""Allocation of the envelope: pure rules (greedy, territorial equity, Method of Equal Shares) and the
Pabulib format. No Flask, no database: callers pass projects, ballots and settings, and get an
`Outcome` explaining, in French, the fate of every project."""

from budgetcitoyen.allocation.rules import allocate, greedy, mes, mes_raw, territorial
from budgetcitoyen.allocation.values import (
    RULES,
    TIE_BREAKS,
    UTILITIES,
    AllocationError,
    AllocationRule,
    Ballots,
    Decision,
    Outcome,
    Project,
)

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
