"""Numbers as French readers expect them."""

from __future__ import annotations

from decimal import Decimal

from budgetcitoyen.french import percent


def test_a_half_rounds_up_in_percentages() -> None:
    # Babel rounds half to even: 65 of 400 voters (16.25 %) would read 16,2 % and 49 of 400 12,2 %.
    assert percent(Decimal(65) / Decimal(400)) == "16,3 %"
    assert percent(Decimal(49) / Decimal(400)) == "12,3 %"
    assert percent(0.1625) == "16,3 %"
    assert percent(Decimal("0.125"), 0) == "13 %"
    assert percent(Decimal("0.1624")) == "16,2 %"
    assert percent(Decimal(1)) == "100,0 %"
    assert percent(0) == "0,0 %"
