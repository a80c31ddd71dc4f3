"""French formatting of amounts, ranks and vote counts for the explanations (no locale, no Babel:
the engine must give the same text on every machine)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from numbers import Integral, Rational

TYPE_CHECKING = False  # neither typing nor fractions on `allocate`'s greedy path (see records.py)
if TYPE_CHECKING:
    from fractions import Fraction

NARROW_NBSP = "\u202f"  # thousands separator in French typography
NBSP = "\u00a0"  # before the currency sign, so "€" never starts a line
CENT = Decimal("0.01")
SYMBOLS = {"EUR": "€"}


def amount(value: Decimal | int | Fraction, currency: str = "EUR") -> str:
    """« 12 500 € », « 4 500,50 € »: cents only when there are some, rounded half up."""
    if isinstance(value, Rational) and not isinstance(value, Integral):  # a Fraction
        value = Decimal(value.numerator) / Decimal(value.denominator)
    cents = Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    text = f"{cents:,f}".replace(",", NARROW_NBSP)
    whole, _, decimals = text.partition(".")
    if decimals.strip("0"):
        whole += "," + decimals
    return f"{whole}{NBSP}{SYMBOLS.get(currency, currency)}"


def ordinal(rank: int) -> str:
    """1er, 2e, 3e…"""
    return "1er" if rank == 1 else f"{rank}e"


def votes(count: int) -> str:
    """« 1 voix », « 1 204 voix » (voix is invariable)."""
    return f"{count:,}".replace(",", NARROW_NBSP) + f"{NBSP}voix"


def quoted(text: str) -> str:
    return f"«{NBSP}{text}{NBSP}»"
