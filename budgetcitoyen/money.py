"""Amounts in euros: Decimal with two places, never floats."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def euros_amount(value: Decimal | int | str) -> Decimal:
    """An amount rounded to the cent, so 5000 and 5000.00 are the same value everywhere (audit diffs too)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
