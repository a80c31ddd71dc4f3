"""Date arithmetic of a convention: months added calendar-wise, clamped to the end of shorter months."""

from __future__ import annotations

import calendar
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from budgetcitoyen.conventions.dates import add_months, end_date, extension_window_start, report_due_date
from budgetcitoyen.conventions.rules import DEFAULT_DURATION_MONTHS, schedule_for


def test_the_default_duration_is_eighteen_months() -> None:
    assert DEFAULT_DURATION_MONTHS == 18


@pytest.mark.parametrize(
    ("signed", "end"),
    [
        (date(2025, 1, 31), date(2026, 7, 31)),  # 31 January + 18 months: 31 July of the next year
        (date(2026, 8, 31), date(2028, 2, 29)),  # ends in February of a leap year: the 29th
        (date(2025, 8, 31), date(2027, 2, 28)),  # ... of a common year: the 28th
        (date(2027, 8, 31), date(2029, 2, 28)),
        (date(2028, 2, 29), date(2029, 8, 29)),  # signed on 29 February: the 29th, not clamped, not snapped
        (date(2024, 2, 29), date(2025, 8, 29)),
        (date(2026, 11, 15), date(2028, 5, 15)),
        (date(2026, 6, 30), date(2027, 12, 30)),  # 30 June: the 30th, not the 31st of December
        (date(2026, 12, 31), date(2028, 6, 30)),  # crosses a year end, clamped to 30 June
    ],
)
def test_end_date_after_eighteen_months(signed: date, end: date) -> None:
    assert end_date(signed, 18) == end


@pytest.mark.parametrize(
    ("end", "due"),
    [
        (date(2026, 7, 31), date(2027, 1, 31)),
        (date(2028, 2, 29), date(2028, 8, 29)),  # same clamping rule, no snapping to the end of August
        (date(2027, 2, 28), date(2027, 8, 28)),
        (date(2026, 8, 31), date(2027, 2, 28)),  # 31 August + 6 months, common year
        (date(2027, 8, 31), date(2028, 2, 29)),  # ... leap year
    ],
)
def test_final_report_due_six_months_after_the_end(end: date, due: date) -> None:
    assert report_due_date(end) == due


@pytest.mark.parametrize(
    ("end", "start"),
    [
        (date(2026, 7, 31), date(2026, 1, 31)),
        (date(2026, 8, 31), date(2026, 2, 28)),
        (date(2028, 8, 31), date(2028, 2, 29)),
        (date(2027, 3, 15), date(2026, 9, 15)),
    ],
)
def test_extension_window_opens_six_months_before_the_end(end: date, start: date) -> None:
    assert extension_window_start(end) == start


def test_schedule_of_a_signature() -> None:
    schedule = schedule_for(date(2025, 1, 31), 18)
    assert (schedule.end_on, schedule.report_due_on, schedule.extension_from) == (
        date(2026, 7, 31),
        date(2027, 1, 31),
        date(2026, 1, 31),
    )
    assert schedule.report_reminder_on == date(2027, 1, 1)


def test_backwards_and_bounds() -> None:
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert add_months(date(2026, 1, 15), -13) == date(2024, 12, 15)
    assert add_months(date(2026, 1, 15), 0) == date(2026, 1, 15)
    with pytest.raises(ValueError):
        end_date(date(2026, 1, 1), 0)
    with pytest.raises(ValueError):
        add_months(date(9999, 12, 1), 1)


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2900, 12, 31)),
    st.integers(min_value=-600, max_value=600),
)
def test_add_months_properties(day: date, months: int) -> None:
    moved = add_months(day, months)
    # The right month, whatever the day...
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    # ... the same day when the month has it, else that month's last day.
    last = calendar.monthrange(moved.year, moved.month)[1]
    assert moved.day == min(day.day, last)
