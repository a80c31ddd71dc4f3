"""An edition's calendar as whole local days: the usual dates, and the conversions between the days
people type or read and the UTC windows the rules check. Pure (no Flask, no database)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from budgetcitoyen.clock import local_day_bounds, to_local
from budgetcitoyen.editions.rules import PHASE_LABELS, Phase, PhaseWindow, phase_status

if TYPE_CHECKING:
    from budgetcitoyen.editions.models import Edition

# Windows end exclusively at midnight after their last day: the last day is one instant before.
INSTANT = timedelta(microseconds=1)


def default_calendar(year: int) -> dict[Phase, tuple[date, date]]:
    """The usual calendar of the département (domain.md), as inclusive local dates."""
    return {
        Phase.IDEAS: (date(year, 1, 15), date(year, 4, 5)),
        Phase.DOSSIERS: (date(year, 3, 1), date(year, 5, 31)),
        Phase.LABELLING: (date(year, 7, 1), date(year, 8, 31)),
        Phase.VOTE: (date(year, 9, 1), date(year, 9, 30)),
        Phase.RESULTS: (date(year, 11, 1), date(year, 11, 30)),
        Phase.FOLLOW_UP: (date(year, 12, 1), date(year + 2, 12, 31)),
    }


def windows_from_dates(dates: dict[Phase, tuple[date, date]]) -> list[PhaseWindow]:
    """Whole local days, first to last inclusive, as UTC windows."""
    return [PhaseWindow(phase, *local_day_bounds(first, last)) for phase, (first, last) in dates.items()]


def dates_of(edition: Edition) -> dict[Phase, tuple[date, date]]:
    """The calendar as inclusive local dates, for forms and pages."""
    result = {}
    for window in edition.windows():
        last = to_local(window.ends_at)
        result[window.phase] = (to_local(window.starts_at).date(), (last - INSTANT).date())
    return result


def calendar_rows(
    edition: Edition, now: datetime, results_published_at: datetime | None = None
) -> list[dict[str, Any]]:
    """The calendar as rows for pages: phase, label, first and last day, status at `now`. Results
    published before their window (the vote closed early) show from their day of publication."""
    dates = dates_of(edition)
    rows = []
    for window in sorted(edition.windows(), key=lambda w: w.starts_at):
        first, last = dates[window.phase]
        status = phase_status(window, now).value
        if (window.phase is Phase.RESULTS and results_published_at is not None
                and results_published_at < window.starts_at and results_published_at <= now):
            first = to_local(results_published_at).date()
            status = "closed" if now >= window.ends_at else "open"
        rows.append({"phase": window.phase, "label": PHASE_LABELS[window.phase], "first": first,
                     "last": last, "status": status})
    return rows
