"""Date arithmetic of a convention (pure, stdlib only).

Months are added calendar-wise and the day is clamped to the last day of the target month when that
month is shorter: 31 January + 18 months is 31 July of the next year, 31 August + 18 months is the
28th (29th in a leap year) of February. The result is never snapped to an end of month: 28 February
+ 6 months is 28 August, not 31 August.

The end date is **inclusive**: it is the convention's *échéance*, the last day on which it still
applies (spending that day counts). The deliberations say the convention "s'applique pour une durée de
18 mois à compter de la date de signature" and give no finer rule, so the reading chosen is the one
that never shortens the holder's period. Likewise the final-report due date is the last day on which
the report is on time; it is late from the next day on.
"""

from __future__ import annotations

import calendar
from datetime import date

# The deliberations: the final report is due "dans les 6 mois suivant la date de fin de convention",
# and an extension may be asked "six mois avant la date d'échéance de la convention".
REPORT_DELAY_MONTHS = 6
EXTENSION_NOTICE_MONTHS = 6


def add_months(day: date, months: int) -> date:
    """`day` moved by `months` calendar months (negative goes back), clamped to the end of a shorter month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    if not 1 <= year <= 9999:
        raise ValueError("date out of range")
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def end_date(signed_on: date, duration_months: int) -> date:
    """The échéance (inclusive): the signature date moved by the duration."""
    if duration_months < 1:
        raise ValueError("a convention lasts at least one month")
    return add_months(signed_on, duration_months)


def report_due_date(end_on: date) -> date:
    """The last day on which the final report is on time (inclusive): six months after the end."""
    return add_months(end_on, REPORT_DELAY_MONTHS)


def extension_window_start(end_on: date) -> date:
    """The first day on which an extension may be asked: six months before the end."""
    return add_months(end_on, -EXTENSION_NOTICE_MONTHS)
