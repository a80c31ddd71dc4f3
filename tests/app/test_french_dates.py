"""French dates as pages and mails write them."""

from __future__ import annotations

from datetime import UTC, date, datetime

from budgetcitoyen.french import long_date


def test_the_first_of_a_month_is_an_ordinal() -> None:
    assert long_date(date(2026, 9, 1)) == "1er septembre 2026"
    assert long_date(date(2026, 11, 1)) == "1er novembre 2026"


def test_other_days_are_plain_numbers() -> None:
    assert long_date(date(2026, 9, 15)) == "15 septembre 2026"
    assert long_date(date(2026, 9, 11)) == "11 septembre 2026"  # not « 1er » because it starts with 1
    assert long_date(date(2026, 9, 21)) == "21 septembre 2026"


def test_instants_are_dated_in_local_time() -> None:
    # 31 August 23:30 UTC is already the 1st of September in Paris (UTC+2 in summer).
    assert long_date(datetime(2026, 8, 31, 23, 30, tzinfo=UTC)) == "1er septembre 2026"
    assert long_date(None) == "—"
